using System.Net;
using System.Net.Sockets;
using AnnSql.Host.Adapters;
using AnnSql.Host.Configuration;
using AnnSql.Sql;
using AnnSql.Wire.Protocol;
using Microsoft.Extensions.Options;

namespace AnnSql.Host.Hosting;

/// <summary>
/// Accepts PostgreSQL protocol connections, once the database has recovered, and runs each on its own task until
/// shutdown; prints <c>listening on HOST:PORT</c> once it accepts connections.
/// </summary>
public sealed partial class PgListenerService(
    DatabaseStartup startup,
    IHostApplicationLifetime lifetime,
    ConnectionSecurity security,
    IOptions<AnnSqlOptions> options,
    ILogger<PgListenerService> logger) : BackgroundService
{
    private readonly TaskCompletionSource<IPEndPoint> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The bound endpoint, once listening (useful with port 0).</summary>
    public Task<IPEndPoint> BoundEndPoint => _bound.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Connections are accepted once recovery finished, as PostgreSQL does; a failed recovery stops the server.
        Database database;
        try
        {
            database = await startup.Opened.WaitAsync(stoppingToken);
        }
        catch (Exception e) when (e is OperationCanceledException || startup.Phase == StartupPhase.Failed)
        {
            return;
        }

        var factory = new SqlSessionHandlerFactory(database);
        Socket listener;
        try
        {
            var endpoint = AnnSqlOptions.ParseEndPoint(options.Value.Listen);
            listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (OperatingSystem.IsLinux())
            {
                // SO_REUSEADDR alone, as PostgreSQL sets it: a restart may bind while old connections sit in TIME_WAIT.
                // (.NET's ReuseAddress also sets SO_REUSEPORT, which would let a second server share the port.)
                int on = 1;
                listener.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<int>(ref on)));
            }

            listener.Bind(endpoint);
            listener.Listen(512);
        }
        catch (Exception e) when (e is SocketException or FormatException)
        {
            // A port in use or a bad --listen: stop with exit code 1, as PostgreSQL's postmaster does.
            Console.Error.WriteLine($"annsql: could not listen on {options.Value.Listen}: {e.Message}");
            Environment.ExitCode = 1;
            lifetime.StopApplication();
            return;
        }

        using var listening = listener;
        var bound = (IPEndPoint)listener.LocalEndPoint!;
        Console.WriteLine($"listening on {bound.Address}:{bound.Port}");
        _bound.TrySetResult(bound);
        var connections = new List<Task>();
        var connectionOptions = new PgConnectionOptions
        {
            Logger = logger,
            Authentication = security.Authentication,
            Tls = security.Tls,
        };
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var socket = await listener.AcceptAsync(stoppingToken);
                socket.NoDelay = true;
                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(Task.Run(() => ServeAsync(socket, factory, connectionOptions, stoppingToken), CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(Socket socket, SqlSessionHandlerFactory factory, PgConnectionOptions connectionOptions, CancellationToken ct)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            await PgConnection.RunAsync(stream, factory, connectionOptions, socket.RemoteEndPoint, ct);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            LogConnectionEnded(logger, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "connection ended: {Reason}")]
    private static partial void LogConnectionEnded(ILogger logger, string reason);
}

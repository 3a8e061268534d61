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
        var endpoint = AnnSqlOptions.ParseEndPoint(options.Value.Listen);
        using var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(endpoint);
        listener.Listen(512);
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

using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;

namespace AnnSql.IntegrationTests.Infrastructure;

/// <summary>
/// Runs the real annsql executable as a child process on free loopback ports with its own data directory, and gives Npgsql
/// data sources for it. <see cref="Kill"/> sends SIGKILL (crash tests); <see cref="RestartAsync"/> starts it again on the
/// same data directory.
/// </summary>
public sealed partial class AnnSqlServer : IAsyncDisposable
{
    private readonly string[] _extraArguments;
    private Process? _process;
    private Task<int> _listening = Task.FromResult(0);
    private Stopwatch _clock = new();

    private AnnSqlServer(string dataDirectory, string[] extraArguments)
    {
        DataDirectory = dataDirectory;
        _extraArguments = extraArguments;
    }

    /// <summary>Time from starting the process to its "listening on" line (recovery included) at the last start.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Everything the server wrote to stdout since its last start.</summary>
    public string Output => _output.ToString();

    private readonly System.Text.StringBuilder _output = new();

    public string DataDirectory { get; }

    public int Port { get; private set; }

    /// <summary>The HTTP side port (/health, /metrics), as the server logged it.</summary>
    public int HttpPort { get; private set; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false;Timeout=30;Command Timeout=120";

    /// <summary>Starts a server on a new data directory; <paramref name="extraArguments"/> (e.g. <c>--CheckpointWalBytes=...</c>) apply to every start.</summary>
    public static async Task<AnnSqlServer> StartAsync(params string[] extraArguments)
    {
        var dir = Path.Combine(Path.GetTempPath(), "annsql-test-" + Guid.NewGuid().ToString("N"));
        var server = new AnnSqlServer(dir, extraArguments);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts a server on an existing data directory (e.g. a restored backup); disposing it deletes the directory.</summary>
    public static async Task<AnnSqlServer> StartOnAsync(string dataDirectory, params string[] extraArguments)
    {
        var server = new AnnSqlServer(dataDirectory, extraArguments);
        await server.RestartAsync();
        return server;
    }

    /// <summary>
    /// Starts the server process on <see cref="DataDirectory"/> and waits until its HTTP side port is up and, unless
    /// <paramref name="waitForListening"/> is false, until it accepts PostgreSQL connections (then
    /// <see cref="WaitForListeningAsync"/> waits for that).
    /// </summary>
    public async Task RestartAsync(bool waitForListening = true)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "annsql.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", DataDirectory }.Concat(_extraArguments))
        {
            psi.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        lock (_output)
        {
            _output.Clear();
        }

        _process = Process.Start(psi)!;
        var ready = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var http = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        _process.OutputDataReceived += (_, e) =>
        {
            lock (_output)
            {
                _output.AppendLine(e.Data);
            }

            if (e.Data is not null && ListeningLine().Match(e.Data) is { Success: true } m)
            {
                ready.TrySetResult(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
            else if (e.Data is not null && HttpListeningLine().Match(e.Data) is { Success: true } h)
            {
                http.TrySetResult(int.Parse(h.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        _process.ErrorDataReceived += (_, e) => errors.AppendLine(e.Data);
        _process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("annsql exited: " + errors));
        _process.EnableRaisingEvents = true;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _process.Exited += (_, _) => http.TrySetException(new InvalidOperationException("annsql exited: " + errors));
        _listening = ready.Task;
        _clock = clock;
        HttpPort = await http.Task.WaitAsync(TimeSpan.FromSeconds(60));
        if (waitForListening)
        {
            await WaitForListeningAsync();
        }
    }

    /// <summary>Waits until the started process accepts PostgreSQL connections (after recovery) and sets <see cref="Port"/>.</summary>
    public async Task WaitForListeningAsync()
    {
        Port = await _listening.WaitAsync(TimeSpan.FromSeconds(60));
        StartupTime = _clock.Elapsed;
    }

    public NpgsqlDataSource CreateDataSource(bool useVector = true)
    {
        var builder = new NpgsqlDataSourceBuilder(ConnectionString);
        if (useVector)
        {
            builder.UseVector();
        }

        return builder.Build();
    }

    /// <summary>Kills the server process with SIGKILL, as a crash would.</summary>
    public void Kill()
    {
        _process!.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Stops the server with SIGTERM (a graceful shutdown: it checkpoints) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [GeneratedRegex(@"^listening on [^\s]+:(\d+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Now listening on: http://[^\s]+:(\d+)")]
    private static partial Regex HttpListeningLine();
}

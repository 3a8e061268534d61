using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Npgsql;
using Testcontainers.PostgreSql;

namespace AnnSql.IntegrationTests.Infrastructure;

/// <summary>Where a <see cref="ReferencePostgres"/> came from.</summary>
public enum ReferencePostgresKind
{
    /// <summary>The connection string in ANNSQL_REFERENCE_PG.</summary>
    External,

    /// <summary>A pgvector/pgvector:pg15 container started through Testcontainers.</summary>
    Container,

    /// <summary>A throw-away cluster from the local PostgreSQL binaries.</summary>
    LocalCluster,
}

/// <summary>
/// A real PostgreSQL to compare AnnSql against. Preference: (a) the connection string in ANNSQL_REFERENCE_PG;
/// (b) a pgvector/pgvector:pg15 container when a Docker engine answers `docker info` within 5 s
/// (skipped when ANNSQL_REFERENCE_PG_NO_DOCKER=1; falls back to (c) if the container cannot start);
/// (c) a throw-away cluster from the local binaries (`pg_config --bindir`, /usr/lib/postgresql/*/bin):
/// initdb into a temporary folder, trust auth, superuser "postgres", locale C.UTF-8, TimeZone UTC, fsync off,
/// listening on a free 127.0.0.1 port. When the tests run as root, initdb and postgres run as the "postgres"
/// user through runuser. No binaries at all is an error, never a silent skip.
/// </summary>
public sealed class ReferencePostgres : IAsyncDisposable
{
    public const string ConnectionStringVariable = "ANNSQL_REFERENCE_PG";
    public const string NoDockerVariable = "ANNSQL_REFERENCE_PG_NO_DOCKER";
    public const string BinDirVariable = "ANNSQL_REFERENCE_PG_BINDIR";
    public const string ContainerImage = "pgvector/pgvector:pg15";

    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(90);

    private readonly PostgreSqlContainer? _container;
    private readonly LocalCluster? _cluster;
    private int _disposed;

    private ReferencePostgres(ReferencePostgresKind kind, string connectionString, string description,
        PostgreSqlContainer? container, LocalCluster? cluster)
    {
        Kind = kind;
        ConnectionString = connectionString;
        Description = description;
        _container = container;
        _cluster = cluster;
    }

    public ReferencePostgresKind Kind { get; }

    /// <summary>Npgsql connection string of a superuser on database "postgres".</summary>
    public string ConnectionString { get; }

    /// <summary>Human-readable origin, for test output.</summary>
    public string Description { get; }

    /// <summary>SHOW server_version.</summary>
    public string ServerVersion { get; private set; } = "";

    /// <summary>server_version_num, e.g. 150018.</summary>
    public int ServerVersionNum { get; private set; }

    /// <summary>Whether the pgvector extension ("vector") can be created on this server.</summary>
    public bool HasPgVector { get; private set; }

    /// <summary>Folder of the local cluster (data directory and socket), or null for the other kinds.</summary>
    public string? ClusterDirectory => _cluster?.RootDirectory;

    public static async Task<ReferencePostgres> StartAsync(CancellationToken cancellationToken = default)
    {
        ReferencePostgres server;
        var external = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            server = new ReferencePostgres(ReferencePostgresKind.External, external,
                $"external server from {ConnectionStringVariable}", null, null);
        }
        else
        {
            string? dockerFailure = null;
            server = null!;
            if (Environment.GetEnvironmentVariable(NoDockerVariable) != "1" && await DockerEngineAnswersAsync(cancellationToken))
            {
                try
                {
                    server = await StartContainerAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    dockerFailure = $"{ex.GetType().Name}: {ex.Message}";
                }
            }

            if (server is null)
            {
                var cluster = await LocalCluster.StartAsync(cancellationToken);
                var description = $"local cluster {cluster.BinDirectory} at {cluster.RootDirectory}, port {cluster.Port}" +
                    (cluster.RunsAsPostgresUser ? ", run as user postgres" : "") +
                    (dockerFailure is null ? "" : $" (container failed: {dockerFailure})");
                server = new ReferencePostgres(ReferencePostgresKind.LocalCluster, cluster.ConnectionString, description, null, cluster);
            }
        }

        try
        {
            await server.InspectAsync(cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public NpgsqlConnection CreateConnection() => new(ConnectionString);

    public async Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (Kind != ReferencePostgresKind.External)
        {
            using var forPool = CreateConnection();
            NpgsqlConnection.ClearPool(forPool);
        }

        if (_container is not null)
        {
            await _container.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.StopAsync();
        }
    }

    private async Task InspectAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT current_setting('server_version'), current_setting('server_version_num')::int, " +
            "(SELECT count(*) FROM pg_available_extensions WHERE name = 'vector')",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException("reference server returned no row for its version query");
        }

        ServerVersion = reader.GetString(0);
        ServerVersionNum = reader.GetInt32(1);
        HasPgVector = reader.GetInt64(2) > 0;
    }

    private static async Task<bool> DockerEngineAnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            var result = await ProcessRunner.RunAsync("docker", ["info"], TimeSpan.FromSeconds(5), null, cancellationToken);
            return result.ExitCode == 0;
        }
        catch (Exception ex) when (ex is Win32Exception or TimeoutException)
        {
            return false;
        }
    }

    private static async Task<ReferencePostgres> StartContainerAsync(CancellationToken cancellationToken)
    {
        var container = new PostgreSqlBuilder(ContainerImage)
            .WithEnvironment("POSTGRES_INITDB_ARGS", "--locale=C.UTF-8")
            .WithEnvironment("TZ", "UTC")
            .Build();
        try
        {
            await container.StartAsync(cancellationToken);
            var builder = new NpgsqlConnectionStringBuilder(container.GetConnectionString());
            return new ReferencePostgres(ReferencePostgresKind.Container, builder.ConnectionString,
                $"container {ContainerImage} at {builder.Host}:{builder.Port}", container, null);
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }

    /// <summary>A cluster created with initdb in a temporary folder, run by a child postgres process.</summary>
    private sealed class LocalCluster
    {
        private const int MaxLogLines = 200;

        private readonly Queue<string> _log = new();
        private Process? _postmaster;

        private LocalCluster(string binDirectory, string rootDirectory, bool runsAsPostgresUser)
        {
            BinDirectory = binDirectory;
            RootDirectory = rootDirectory;
            RunsAsPostgresUser = runsAsPostgresUser;
        }

        public string BinDirectory { get; }

        public string RootDirectory { get; }

        public bool RunsAsPostgresUser { get; }

        public int Port { get; private set; }

        public string DataDirectory => Path.Combine(RootDirectory, "data");

        public string SocketDirectory => Path.Combine(RootDirectory, "socket");

        public string ConnectionString => new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = "postgres",
            Timeout = 15,
            IncludeErrorDetail = true,
        }.ConnectionString;

        public static async Task<LocalCluster> StartAsync(CancellationToken cancellationToken)
        {
            var binDirectory = await FindBinDirectoryAsync(cancellationToken);
            var asRoot = IsRoot();
            // The postgres user must be able to reach the folder, so as root do not follow a private TMPDIR.
            var tempBase = asRoot && Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath();
            var root = Path.Combine(tempBase, "annsql-refpg-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(root);
            var cluster = new LocalCluster(binDirectory, root, asRoot);
            try
            {
                Directory.CreateDirectory(cluster.SocketDirectory);
                if (asRoot)
                {
                    await RunCheckedAsync("chown", ["-R", "postgres:postgres", root], null, TimeSpan.FromSeconds(30), cancellationToken);
                }

                await cluster.RunToolAsync("initdb",
                    ["-D", cluster.DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                    TimeSpan.FromSeconds(120), cancellationToken);
                await cluster.StartPostmasterAsync(cancellationToken);
                return cluster;
            }
            catch
            {
                await cluster.StopAsync();
                throw;
            }
        }

        public async Task StopAsync()
        {
            var postmaster = _postmaster;
            _postmaster = null;
            if (postmaster is not null)
            {
                try
                {
                    if (!postmaster.HasExited)
                    {
                        try
                        {
                            await RunToolAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "20"],
                                TimeSpan.FromSeconds(30), CancellationToken.None);
                        }
                        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or Win32Exception)
                        {
                            // Fall through to killing the process tree.
                        }

                        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                        try
                        {
                            await postmaster.WaitForExitAsync(wait.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            postmaster.Kill(entireProcessTree: true);
                            await postmaster.WaitForExitAsync(CancellationToken.None);
                        }
                    }
                }
                finally
                {
                    AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
                    postmaster.Dispose();
                }
            }

            for (var attempt = 0; attempt < 5 && Directory.Exists(RootDirectory); attempt++)
            {
                try
                {
                    Directory.Delete(RootDirectory, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    await Task.Delay(200);
                }
            }
        }

        private async Task StartPostmasterAsync(CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                Port = GetFreeLoopbackPort();
                lock (_log)
                {
                    _log.Clear();
                }

                var start = CreateStartInfo(Path.Combine(BinDirectory, "postgres"),
                [
                    "-D", DataDirectory,
                    "-p", Port.ToString(CultureInfo.InvariantCulture),
                    "-k", SocketDirectory,
                    "-c", "listen_addresses=127.0.0.1",
                    "-c", "fsync=off",
                    "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off",
                    "-c", "TimeZone=UTC",
                    "-c", "lc_messages=C",
                ]);
                var process = new Process { StartInfo = start, EnableRaisingEvents = true };
                process.OutputDataReceived += (_, e) => AppendLog(e.Data);
                process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
                process.Start();
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                _postmaster = process;
                AppDomain.CurrentDomain.ProcessExit += OnProcessExit;

                if (await WaitUntilReadyAsync(process, cancellationToken))
                {
                    return;
                }

                var log = LogTail();
                AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
                _postmaster = null;
                process.Dispose();
                var portTaken = log.Contains("could not bind", StringComparison.Ordinal) ||
                    log.Contains("already in use", StringComparison.Ordinal);
                if (!portTaken || attempt >= 3)
                {
                    throw new InvalidOperationException(
                        $"PostgreSQL ({BinDirectory}/postgres) exited during startup on port {Port}. Server log:\n{log}");
                }
            }
        }

        private async Task<bool> WaitUntilReadyAsync(Process process, CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.StartNew();
            Exception? last = null;
            while (deadline.Elapsed < StartupTimeout)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (process.HasExited)
                {
                    await process.WaitForExitAsync(cancellationToken); // flush the redirected output
                    return false;
                }

                try
                {
                    var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 2 };
                    await using var connection = new NpgsqlConnection(builder.ConnectionString);
                    await connection.OpenAsync(cancellationToken);
                    await using var command = new NpgsqlCommand("SELECT 1", connection);
                    await command.ExecuteScalarAsync(cancellationToken);
                    return true;
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
                {
                    last = ex;
                    await Task.Delay(100, cancellationToken);
                }
            }

            process.Kill(entireProcessTree: true);
            throw new TimeoutException(
                $"PostgreSQL on port {Port} did not accept connections within {StartupTimeout.TotalSeconds:0} s " +
                $"(last error: {last?.Message}). Server log:\n{LogTail()}");
        }

        private void OnProcessExit(object? sender, EventArgs e)
        {
            try
            {
                _postmaster?.Kill(entireProcessTree: true);
            }
            catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
            {
                // Already gone.
            }
        }

        private void AppendLog(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_log)
            {
                _log.Enqueue(line);
                while (_log.Count > MaxLogLines)
                {
                    _log.Dequeue();
                }
            }
        }

        private string LogTail()
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }

        private ProcessStartInfo CreateStartInfo(string executable, IReadOnlyList<string> arguments)
        {
            var start = new ProcessStartInfo
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = RootDirectory,
            };
            if (RunsAsPostgresUser)
            {
                start.FileName = "runuser";
                foreach (var a in (string[])["-u", "postgres", "--", executable])
                {
                    start.ArgumentList.Add(a);
                }
            }
            else
            {
                start.FileName = executable;
            }

            foreach (var a in arguments)
            {
                start.ArgumentList.Add(a);
            }

            start.Environment["LC_ALL"] = "C.UTF-8";
            start.Environment["LANG"] = "C.UTF-8";
            start.Environment.Remove("PGDATA");
            start.Environment.Remove("PGPORT");
            start.Environment.Remove("PGHOST");
            return start;
        }

        private async Task RunToolAsync(string tool, IReadOnlyList<string> arguments, TimeSpan timeout,
            CancellationToken cancellationToken)
        {
            var start = CreateStartInfo(Path.Combine(BinDirectory, tool), arguments);
            var result = await ProcessRunner.RunAsync(start, timeout, cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"{start.FileName} {string.Join(' ', start.ArgumentList)} exited with {result.ExitCode}:\n{result.Output}");
            }
        }

        private static async Task RunCheckedAsync(string file, IReadOnlyList<string> arguments, string? workingDirectory,
            TimeSpan timeout, CancellationToken cancellationToken)
        {
            var result = await ProcessRunner.RunAsync(file, arguments, timeout, workingDirectory, cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.Output}");
            }
        }

        private static async Task<string> FindBinDirectoryAsync(CancellationToken cancellationToken)
        {
            static bool HasServer(string? dir) =>
                !string.IsNullOrEmpty(dir) && File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "postgres"));

            var tried = new List<string>();
            var configured = Environment.GetEnvironmentVariable(BinDirVariable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                if (HasServer(configured))
                {
                    return configured;
                }

                throw new InvalidOperationException($"{BinDirVariable}={configured} holds no initdb/postgres.");
            }

            try
            {
                var result = await ProcessRunner.RunAsync("pg_config", ["--bindir"], TimeSpan.FromSeconds(10), null, cancellationToken);
                var dir = result.Output.Trim();
                tried.Add($"pg_config --bindir ({(result.ExitCode == 0 ? dir : "failed")})");
                if (result.ExitCode == 0 && HasServer(dir))
                {
                    return dir;
                }
            }
            catch (Exception ex) when (ex is Win32Exception or TimeoutException)
            {
                tried.Add("pg_config (not found)");
            }

            const string debianRoot = "/usr/lib/postgresql";
            if (Directory.Exists(debianRoot))
            {
                var versions = Directory.GetDirectories(debianRoot)
                    .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), NumberStyles.None,
                        CultureInfo.InvariantCulture, out var v) ? v : 0))
                    .OrderByDescending(x => x.Version == 15)
                    .ThenByDescending(x => x.Version);
                foreach (var (dir, _) in versions)
                {
                    if (HasServer(dir))
                    {
                        return dir;
                    }
                }
            }

            tried.Add($"{debianRoot}/*/bin");
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            {
                if (HasServer(dir))
                {
                    return dir;
                }
            }

            tried.Add("PATH");
            throw new InvalidOperationException(
                "No PostgreSQL server binaries (initdb and postgres) found; looked at " + string.Join(", ", tried) +
                $". Install them (Debian: apt-get install postgresql-15), set {BinDirVariable} to their folder, " +
                $"or set {ConnectionStringVariable} to the connection string of a PostgreSQL 15 server.");
        }

        private static int GetFreeLoopbackPort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        private static bool IsRoot()
        {
            if (OperatingSystem.IsWindows())
            {
                return false;
            }

            try
            {
                return NativeMethods.geteuid() == 0;
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return string.Equals(Environment.UserName, "root", StringComparison.Ordinal);
            }
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "geteuid")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern uint geteuid();
    }

    private static class ProcessRunner
    {
        public static Task<(int ExitCode, string Output)> RunAsync(string file, IReadOnlyList<string> arguments, TimeSpan timeout,
            string? workingDirectory, CancellationToken cancellationToken)
        {
            var start = new ProcessStartInfo
            {
                FileName = file,
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            if (workingDirectory is not null)
            {
                start.WorkingDirectory = workingDirectory;
            }

            foreach (var a in arguments)
            {
                start.ArgumentList.Add(a);
            }

            return RunAsync(start, timeout, cancellationToken);
        }

        public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo start, TimeSpan timeout,
            CancellationToken cancellationToken)
        {
            var output = new StringBuilder();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(timer.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}.");
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            lock (output)
            {
                return (process.ExitCode, output.ToString());
            }

            void Append(string? line)
            {
                if (line is null)
                {
                    return;
                }

                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }
    }
}

/// <summary>
/// xunit fixture around <see cref="ReferencePostgres"/>, for IClassFixture/ICollectionFixture sharing of one server.
/// </summary>
public sealed class ReferencePostgresFixture : IAsyncLifetime
{
    private ReferencePostgres? _server;

    public ReferencePostgres Server => _server ?? throw new InvalidOperationException("fixture not initialised");

    public async Task InitializeAsync() => _server = await ReferencePostgres.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

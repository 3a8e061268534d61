using AnnSql.Sql;

namespace AnnSql.Host.Configuration;

/// <summary>
/// Server options bound from appsettings.json, ANNSQL_* environment variables and the command line (later sources win).
/// The names are a contract (DESIGN §6): --listen / ANNSQL_LISTEN, --data / ANNSQL_DATA, --http / ANNSQL_HTTP.
/// </summary>
public sealed class AnnSqlOptions
{
    /// <summary>PostgreSQL protocol endpoint, HOST:PORT (port 0 picks a free port).</summary>
    public string Listen { get; set; } = "127.0.0.1:5433";

    /// <summary>Data directory.</summary>
    public string Data { get; set; } = "annsql-data";

    /// <summary>HTTP side port for /metrics and /health, HOST:PORT.</summary>
    public string Http { get; set; } = "127.0.0.1:9187";

    /// <summary>Log bytes since the last checkpoint that start the next one (PostgreSQL's max_wal_size).</summary>
    public long CheckpointWalBytes { get; set; } = new DatabaseOptions().CheckpointWalBytes;

    /// <summary>Time after which a checkpoint runs if anything was logged (PostgreSQL's checkpoint_timeout), e.g. <c>00:05:00</c>.</summary>
    public TimeSpan CheckpointInterval { get; set; } = new DatabaseOptions().CheckpointInterval;

    /// <summary>Bytes of hot nodes each <c>storage = 'disk'</c> diskann index caches in memory.</summary>
    public long DiskIndexCacheBytes { get; set; } = new DatabaseOptions().DiskIndexCacheBytes;

    /// <summary>Whether <c>storage = 'disk'</c> indexes read with O_DIRECT where the file system allows it.</summary>
    public bool DiskIndexDirectIo { get; set; } = new DatabaseOptions().DiskIndexDirectIo;

    /// <summary>
    /// The GPU for exact scans and PQ training: <c>auto</c> (a CUDA device when present, else ILGPU's CPU accelerator, which
    /// <c>diskann.backend = 'gpu'</c> can still select), <c>cpu</c> (the CPU accelerator only) or <c>off</c>.
    /// </summary>
    public string Gpu { get; set; } = "auto";

    /// <summary>Megabytes of device memory the column mirrors and scratch may hold; 0 takes 80% of the GPU's memory.</summary>
    public long GpuMemoryBudgetMb { get; set; }

    /// <summary>
    /// The longest the start waits for indexes to build, catch up and fill their caches before <c>/ready</c> reports
    /// ready anyway (the rest finishes in the background), e.g. <c>00:05:00</c>.
    /// </summary>
    public TimeSpan WarmupTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Authentication rules and roles (section <c>Auth</c>).</summary>
    public AuthOptions Auth { get; set; } = new();

    /// <summary>TLS certificate (section <c>Tls</c>); without one, SSLRequest is refused.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>Parses HOST:PORT; throws <see cref="FormatException"/> when malformed.</summary>
    public static System.Net.IPEndPoint ParseEndPoint(string value)
    {
        int colon = value.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(value[(colon + 1)..], out int port))
        {
            throw new FormatException($"expected HOST:PORT, got \"{value}\"");
        }

        string host = value[..colon].Trim('[', ']');
        var address = host is "" or "*" or "0.0.0.0" ? System.Net.IPAddress.Any
            : host == "localhost" ? System.Net.IPAddress.Loopback : System.Net.IPAddress.Parse(host);
        return new System.Net.IPEndPoint(address, port);
    }
}

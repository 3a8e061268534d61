using AnnSql.Host.Adapters;
using AnnSql.Host.Configuration;
using AnnSql.Sql;
using AnnSql.Sql.Storage;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace AnnSql.Host.Hosting;

/// <summary>
/// The server (<c>annsql serve</c>): configuration from appsettings.json, ANNSQL_* environment variables and the command
/// line (later sources overriding earlier ones; DESIGN §6 names the contract), then the database, the PostgreSQL listener
/// and the HTTP side port (<c>/metrics</c>, <c>/health</c>) until shutdown.
/// </summary>
internal static class Server
{
    /// <summary>Runs until shutdown; returns the process exit code (1 when the configuration or data directory is unusable).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables("ANNSQL_");
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
        {
            ["--listen"] = "Listen",
            ["--data"] = "Data",
            ["--http"] = "Http",
        });
        var options = new AnnSqlOptions();
        builder.Configuration.Bind(options);
        builder.Services.Configure<AnnSqlOptions>(builder.Configuration);
        builder.WebHost.UseUrls("http://" + options.Http);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);

        ConnectionSecurity security;
        try
        {
            security = ConnectionSecurity.Create(options);
        }
        catch (Exception ex) when (ex is FormatException or IOException or System.Security.Cryptography.CryptographicException)
        {
            Console.Error.WriteLine($"annsql: {ex.Message}");
            return 1;
        }

        var gpuMode = options.Gpu.Trim().ToLowerInvariant() switch
        {
            "auto" => AnnSql.Index.Gpu.GpuMode.Auto,
            "cpu" => AnnSql.Index.Gpu.GpuMode.ForceCpu,
            "off" or "false" => AnnSql.Index.Gpu.GpuMode.Disabled,
            _ => (AnnSql.Index.Gpu.GpuMode?)null,
        };
        if (gpuMode is null)
        {
            Console.Error.WriteLine($"annsql: --Gpu must be auto, cpu or off, not \"{options.Gpu}\"");
            return 1;
        }

        AnnSql.Index.Gpu.GpuDevice.Configure(new AnnSql.Index.Gpu.GpuOptions { Mode = gpuMode.Value, MemoryBudgetBytes = options.GpuMemoryBudgetMb << 20 });
        // The lock is taken before the host starts, so a second server on the directory exits at once; recovery and the
        // warm-up run in the background (DatabaseStartup) while /health and /ready answer.
        DataDirectory directory;
        try
        {
            directory = DataDirectory.Open(options.Data);
        }
        catch (DataDirectoryLockedException ex)
        {
            Console.Error.WriteLine($"annsql: {ex.Message}");
            return 1;
        }

        var databaseOptions = new DatabaseOptions
        {
            DataDirectory = directory.Path,
            CheckpointWalBytes = options.CheckpointWalBytes,
            CheckpointInterval = options.CheckpointInterval,
            DiskIndexCacheBytes = options.DiskIndexCacheBytes,
            DiskIndexDirectIo = options.DiskIndexDirectIo,
        };
        builder.Services.AddSingleton(security);
        builder.Services.AddSingleton(sp => new DatabaseStartup(
            directory, databaseOptions, options.WarmupTimeout, sp.GetRequiredService<ILogger<Database>>(), sp.GetRequiredService<IHostApplicationLifetime>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DatabaseStartup>());
        builder.Services.AddHostedService<PgListenerService>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("annsql"))
            .WithMetrics(m => m
                .AddMeter("AnnSql.Wire", "AnnSql.Host", "AnnSql.Sql", "AnnSql.Index", "System.Runtime")
                .AddPrometheusExporter());

        var app = builder.Build();
        var startup = app.Services.GetRequiredService<DatabaseStartup>();
        app.MapGet("/health", () => Results.Text("ok"));
        app.MapGet("/ready", () => startup.Phase switch
        {
            StartupPhase.Ready => Results.Text("ready"),
            StartupPhase.Recovering => Results.Text("recovering", statusCode: StatusCodes.Status503ServiceUnavailable),
            StartupPhase.WarmingUp => Results.Text("warming up", statusCode: StatusCodes.Status503ServiceUnavailable),
            _ => Results.Text("failed", statusCode: StatusCodes.Status503ServiceUnavailable),
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        await app.RunAsync();

        // A stop during recovery or the warm-up waits for them (recovery cannot be interrupted), so the database is always
        // closed with its shutdown checkpoint once it was opened.
        if (startup.ExecuteTask is { } starting)
        {
            await starting.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        if (startup.Database is { } database)
        {
            await database.DisposeAsync();
        }

        return Environment.ExitCode;
    }
}

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

        // The database opens (recovery, index loading) before the host is built, so it logs through its own factory.
        using var databaseLogging = LoggerFactory.Create(logging => logging
            .AddConfiguration(builder.Configuration.GetSection("Logging"))
            .AddSimpleConsole(o => o.SingleLine = true));
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
        Database database;
        try
        {
            database = Database.Open(
                new DatabaseOptions
                {
                    DataDirectory = options.Data,
                    CheckpointWalBytes = options.CheckpointWalBytes,
                    CheckpointInterval = options.CheckpointInterval,
                    DiskIndexCacheBytes = options.DiskIndexCacheBytes,
                    DiskIndexDirectIo = options.DiskIndexDirectIo,
                },
                databaseLogging.CreateLogger<Database>());
        }
        catch (DataDirectoryLockedException ex)
        {
            Console.Error.WriteLine($"annsql: {ex.Message}");
            return 1;
        }

        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton(security);
        builder.Services.AddSingleton<SqlSessionHandlerFactory>();
        builder.Services.AddHostedService<PgListenerService>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("annsql"))
            .WithMetrics(m => m
                .AddMeter("AnnSql.Wire", "AnnSql.Sql", "AnnSql.Index")
                .AddPrometheusExporter());

        var app = builder.Build();
        app.MapGet("/health", () => Results.Text("ok"));
        app.MapPrometheusScrapingEndpoint("/metrics");
        await app.RunAsync();
        await database.DisposeAsync();
        return 0;
    }
}

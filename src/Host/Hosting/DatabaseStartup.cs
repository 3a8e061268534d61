using AnnSql.Sql;
using AnnSql.Sql.Storage;

namespace AnnSql.Host.Hosting;

/// <summary>Where the server is in its start: what <c>/ready</c> reports.</summary>
public enum StartupPhase
{
    /// <summary>Loading the last checkpoint and replaying the log; the PostgreSQL port is not open yet.</summary>
    Recovering,

    /// <summary>Accepting connections while indexes finish building, catch up with replayed rows and fill their caches.</summary>
    WarmingUp,

    /// <summary>Recovered and warmed up (or the warm-up's time bound ran out).</summary>
    Ready,

    /// <summary>Recovery failed; the server is shutting down with exit code 1.</summary>
    Failed,
}

/// <summary>
/// Opens the database in the background once the host runs, so <c>/health</c> and <c>/ready</c> answer from the first
/// moment: recovery (checkpoint load, log replay), then the warm-up (<see cref="Database.WarmUpAsync"/>) bounded by
/// <c>WarmupTimeout</c>. The PostgreSQL listener waits for <see cref="Opened"/>. The data directory was locked before the
/// host started, so a second server fails at once; a recovery failure stops the server with exit code 1.
/// </summary>
public sealed partial class DatabaseStartup(
    DataDirectory directory,
    DatabaseOptions options,
    TimeSpan warmupTimeout,
    ILogger<Database> databaseLogger,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    private readonly TaskCompletionSource<Database> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _phase = (int)StartupPhase.Recovering;

    /// <summary>Completes with the database once recovery finished; faults when it failed.</summary>
    public Task<Database> Opened => _opened.Task;

    /// <summary>The current phase.</summary>
    public StartupPhase Phase => (StartupPhase)Volatile.Read(ref _phase);

    /// <summary>The database once opened, else null (before recovery finished, or after it failed).</summary>
    public Database? Database => _opened.Task.IsCompletedSuccessfully ? _opened.Task.Result : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Database database;
        try
        {
            database = await Task.Run(() => Database.Open(directory, options, databaseLogger), stoppingToken);
        }
        catch (Exception e)
        {
            // The start's boundary: whatever stopped recovery (a damaged log or checkpoint, I/O, a defect) ends the server
            // with exit code 1 and the reason, never a silent exit 0 or a server that listens without its data.
            Volatile.Write(ref _phase, (int)StartupPhase.Failed);
            _opened.TrySetException(e);
            if (e is OperationCanceledException)
            {
                // Stopped before recovery began; a failed Database.Open has released the directory itself.
                directory.Dispose();
            }
            else
            {
                LogRecoveryFailed(databaseLogger, e);
                Console.Error.WriteLine($"annsql: {e.Message}");
                Environment.ExitCode = 1;
                lifetime.StopApplication();
            }

            return;
        }

        _opened.TrySetResult(database);
        Volatile.Write(ref _phase, (int)StartupPhase.WarmingUp);
        try
        {
            await database.WarmUpAsync(warmupTimeout, stoppingToken);

            // Recovery read the checkpoint's files and the log through buffers that are garbage now; one compacting
            // collection hands that memory back to the operating system instead of leaving it in the heap's reserve.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            Volatile.Write(ref _phase, (int)StartupPhase.Ready);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The database is open and answers (an index that did not warm up falls back to the exact scan): report ready.
            LogWarmUpFailed(databaseLogger, e);
            Volatile.Write(ref _phase, (int)StartupPhase.Ready);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "warm-up failed; the server goes on without it")]
    private static partial void LogWarmUpFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "recovery failed")]
    private static partial void LogRecoveryFailed(ILogger logger, Exception exception);
}

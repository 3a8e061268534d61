using AnnSql.Sql.Storage.Tables;
using Microsoft.Extensions.Logging;

namespace AnnSql.Sql;

public sealed partial class Database
{
    /// <summary>
    /// The warm-up after <see cref="Open(DatabaseOptions, ILogger?)"/>: every vector index built (those rebuilt at startup),
    /// caught up with the rows replayed from the log, and with its disk file's hot-node cache loaded, so the first queries
    /// run at full speed. Queries are answered meanwhile (unready indexes fall back to the exact scan). Returns false
    /// when <paramref name="budget"/> ran out first, leaving the rest to finish in the background.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (shutdown).</exception>
    public async Task<bool> WarmUpAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        bounded.CancelAfter(budget);
        var indexes = Volatile.Read(ref _tables).Values.SelectMany(t => t.VectorIndexes).ToList();
        try
        {
            await Task.WhenAll(indexes.Select(i => i.WarmUpAsync(bounded.Token)));
            LogWarmedUp(_logger, indexes.Count, clock.Elapsed.TotalSeconds);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogWarmUpStopped(_logger, budget.TotalSeconds, indexes.Count(i => i.State != Indexing.VectorIndexState.Ready));
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "warm-up finished: {Indexes} indexes ready in {Seconds:F2} s")]
    private static partial void LogWarmedUp(ILogger logger, int indexes, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "warm-up stopped after {Seconds} s with {NotReady} indexes not built; they finish in the background")]
    private static partial void LogWarmUpStopped(ILogger logger, double seconds, int notReady);

    /// <summary>How often the background worker looks for work when nothing wakes it.</summary>
    private static readonly TimeSpan BackgroundTick = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _backgroundWake = new(0, 1);
    private Task? _background;
    private int _checkpointRequested;

    /// <summary>
    /// Starts the background worker: the checkpointer (by log size and by time) and the autovacuum of row versions and
    /// diskann tombstones that the vacuum horizon has passed.
    /// </summary>
    private void StartBackgroundWorker() => _background = Task.Run(RunBackgroundAsync);

    private async Task StopBackgroundWorkerAsync()
    {
        if (_background is { } background)
        {
            await background;
        }

        _backgroundWake.Dispose();
    }

    /// <summary>
    /// Asks the background worker for a checkpoint soon, whatever the log size: after CREATE INDEX or REINDEX, so a
    /// restart loads the new graph instead of building it again.
    /// </summary>
    public void RequestCheckpoint()
    {
        Volatile.Write(ref _checkpointRequested, 1);
        WakeBackground();
    }

    /// <summary>Wakes the background worker now (a checkpoint is due).</summary>
    private void WakeBackground()
    {
        try
        {
            if (_backgroundWake.CurrentCount == 0)
            {
                _backgroundWake.Release();
            }
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // Already awake, or shutting down.
        }
    }

    private async Task RunBackgroundAsync()
    {
        var ct = _shutdown.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _backgroundWake.WaitAsync(BackgroundTick, ct);
                Vacuum(consolidate: false);
                if (Interlocked.Exchange(ref _checkpointRequested, 0) == 1 || CheckpointDue(byTime: true))
                {
                    await CheckpointAsync(ct);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                LogBackgroundFailed(_logger, e);
            }
        }
    }

    /// <summary>
    /// Vacuums every table (VACUUM without a table list), or the tables given: removes the row versions deleted at or
    /// before the vacuum horizon (their slots become empty; row ids are never reused) and applies the deletes to the
    /// diskann indexes. With <paramref name="consolidate"/> (the VACUUM statement) every index with tombstones is
    /// consolidated now; otherwise only those past the consolidation threshold, and indexes busy with other maintenance
    /// are left for the next round.
    /// </summary>
    public void Vacuum(bool consolidate, IReadOnlyCollection<uint>? tableOids = null)
    {
        foreach (var (oid, table) in Volatile.Read(ref _tables))
        {
            if (tableOids is not null && !tableOids.Contains(oid))
            {
                continue;
            }

            if (table.Previous is not null && OldestSnapshot() > table.RewrittenAt)
            {
                lock (_commitLock)
                {
                    table.ReleasePrevious();
                }
            }

            if (table.DeadRows > 0)
            {
                long horizon = OldestSnapshot();
                lock (_commitLock)
                {
                    table.DeadRows -= table.Data.RemoveDead(horizon);
                }
            }

            foreach (var index in table.VectorIndexes)
            {
                if (consolidate)
                {
                    index.Maintain(consolidate: true);
                }
                else if (index.HasPendingDeletes)
                {
                    index.TryMaintain();
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "background checkpoint or vacuum failed; retrying")]
    private static partial void LogBackgroundFailed(ILogger logger, Exception exception);
}

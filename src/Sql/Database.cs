using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Session;
using AnnSql.Sql.Storage;
using AnnSql.Sql.Storage.Tables;
using AnnSql.Sql.Transactions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnnSql.Sql;

/// <summary>
/// One AnnSql database: the data directory, the catalog, the tables' committed rows, the write-ahead log and checkpoints
/// (DESIGN §2). Commits are serialized by a commit lock, logged, made durable by group commit, and only then made visible
/// and acknowledged. Startup loads the latest checkpoint and replays the log after its redo LSN.
/// </summary>
public sealed partial class Database : IAsyncDisposable
{
    private const byte CatalogRecord = 1;
    private const byte CommitRecord = 2;
    private const byte OpInsert = 1;
    private const byte OpDelete = 2;

    private static readonly JsonSerializerOptions JsonOptions = new() { IncludeFields = false };

    private readonly Lock _commitLock = new();
    private readonly SemaphoreSlim _checkpointGate = new(1, 1);
    private readonly DataDirectory _directory;
    private readonly WriteAheadLog _wal;
    private readonly CheckpointStore _checkpoints;
    private readonly ILogger _logger;
    private readonly DatabaseOptions _options;
    private Dictionary<uint, TableRuntime> _tables = [];
    private readonly DatabaseMetrics _metrics;
    private CatalogState _catalog = new();
    private long _appliedSeq;
    private long _visibleSeq;
    private ulong _lastCheckpointLsn;
    private long _lastCheckpointTime;

    /// <summary>During recovery: the tables a replayed TRUNCATE emptied (their checkpointed index files are stale).</summary>
    private HashSet<uint>? _replayTruncated;
    private int _nextSessionId;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _snapshotLock = new();
    private readonly Dictionary<int, SqlSession> _sessions = [];

    private Database(DataDirectory directory, WriteAheadLog wal, CheckpointStore checkpoints, DatabaseOptions options, ILogger logger)
    {
        _metrics = new DatabaseMetrics(this);
        _directory = directory;
        _wal = wal;
        _checkpoints = checkpoints;
        _options = options;
        _logger = logger;
        IndexEnvironment = new Indexing.VectorIndexEnvironment(
            System.IO.Path.Combine(directory.Path, IndexDirectoryName), options.DiskIndexCacheBytes, options.DiskIndexDirectIo,
            DefaultBuildMemoryBytes, logger);
    }

    /// <summary>The subdirectory of the data directory holding the files of <c>storage = 'disk'</c> diskann indexes.</summary>
    public const string IndexDirectoryName = "index";

    /// <summary>The build memory budget of index builds no session starts (at startup): PostgreSQL's default maintenance_work_mem.</summary>
    private const long DefaultBuildMemoryBytes = 64L * 1024 * 1024;

    /// <summary>What the diskann indexes share: their file directory, cache and build budgets.</summary>
    public Indexing.VectorIndexEnvironment IndexEnvironment { get; }

    /// <summary>CREATE INDEX builds in progress, by index OID (pg_stat_progress_create_index).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<uint, Indexing.IndexBuildProgress> IndexBuilds { get; } = new();

    /// <summary>The current catalog snapshot.</summary>
    public CatalogState Catalog => Volatile.Read(ref _catalog);

    /// <summary>Where exact scans run (CPU or GPU) and the GPU mirrors of the columns scanned there.</summary>
    public Execution.Gpu.DeviceScanBackend DeviceScans { get; } = new();

    /// <summary>The row locks of open transactions (UPDATE, DELETE, ON CONFLICT DO UPDATE).</summary>
    public RowLockTable RowLocks { get; } = new();

    /// <summary>The sequence number of the last commit applied to the tables (or being applied), durable or not yet.</summary>
    public long AppliedSequence => Volatile.Read(ref _appliedSeq);

    /// <summary>The highest commit sequence number that is durable and visible to new statements.</summary>
    public long VisibleSequence => Interlocked.Read(ref _visibleSeq);

    public DatabaseOptions Options => _options;

    /// <summary>The runtime state of every table (a snapshot of the current set).</summary>
    internal IEnumerable<TableRuntime> AllTables() => Volatile.Read(ref _tables).Values;

    public string DataDirectoryPath => _directory.Path;

    /// <summary>
    /// Opens (creating if needed) the data directory, takes its lock, loads the last checkpoint and replays the log.
    /// </summary>
    /// <exception cref="DataDirectoryLockedException">Another server holds the directory.</exception>
    public static Database Open(DatabaseOptions options, ILogger? logger = null) =>
        Open(DataDirectory.Open(options.DataDirectory), options, logger);

    /// <summary>
    /// Opens the database in <paramref name="directory"/>, which the caller has already locked (so a second server fails
    /// before anything else starts); the database owns it from here on and releases it on dispose or when opening fails.
    /// <see cref="DatabaseOptions.DataDirectory"/> is not used.
    /// </summary>
    /// <exception cref="InvalidDataException">a checkpoint or the log is damaged beyond the torn tail recovery discards.</exception>
    /// <exception cref="IOException">the files cannot be read or written.</exception>
    public static Database Open(DataDirectory directory, DatabaseOptions options, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        try
        {
            var checkpoints = new CheckpointStore(directory.CheckpointDirectory);
            var wal = WriteAheadLog.Open(directory.WalDirectory, new WalOptions());
            var db = new Database(directory, wal, checkpoints, options, logger);
            db.Recover();
            db.StartIndexBuilds();
            db.StartBackgroundWorker();
            return db;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// After recovery: lets the indexes loaded from the checkpoint index the rows replayed from the log, and builds the
    /// others from their tables in the background (index files are derived state; until an index is ready, queries use
    /// the exact scan), then checkpoints so the next start loads them.
    /// </summary>
    private void StartIndexBuilds()
    {
        foreach (var table in _tables.Values)
        {
            foreach (var index in table.VectorIndexes)
            {
                if (index.State == Indexing.VectorIndexState.Ready)
                {
                    index.ScheduleMaintenance();
                    continue;
                }

                BuildInBackground(index);
            }
        }
    }

    /// <summary>Builds an unbuilt diskann index on a pool thread; until it is ready, queries use the exact scan.</summary>
    private void BuildInBackground(Indexing.VectorIndex index) =>
        _ = Task.Run(() =>
        {
            // Shown in pg_stat_progress_create_index (with no backend: pid 0) and the build-progress metric meanwhile.
            var progress = new Indexing.IndexBuildProgress(0, index.Info.TableOid, index.Info.Oid);
            IndexBuilds[index.Info.Oid] = progress;
            try
            {
                index.Build(Environment.ProcessorCount, progress, _shutdown.Token);
                LogIndexBuilt(_logger, index.Info.Name, index.Points, index.BuildTime.TotalSeconds);
                RequestCheckpoint();
            }
            catch (OperationCanceledException)
            {
                // Shutting down.
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or OutOfMemoryException)
            {
                LogIndexBuildFailed(_logger, e, index.Info.Name);
            }
            finally
            {
                IndexBuilds.TryRemove(index.Info.Oid, out _);
            }
        });

    /// <summary>Creates a session for a client connection (or an embedded caller); <see cref="SqlSession.Dispose"/> ends it.</summary>
    public SqlSession CreateSession(string user, string database)
    {
        var session = new SqlSession(this, user, database, Interlocked.Increment(ref _nextSessionId));
        lock (_snapshotLock)
        {
            _sessions.Add(session.SessionId, session);
        }

        return session;
    }

    /// <summary>
    /// A statement's snapshot (READ COMMITTED: the latest visible commit). The session holds its first snapshot until it
    /// releases it, so row versions that snapshot may see are not removed meanwhile (<see cref="OldestSnapshot"/>).
    /// </summary>
    internal long TakeSnapshot(SqlSession session)
    {
        lock (_snapshotLock)
        {
            long snapshot = VisibleSequence;
            if (session.HeldSnapshot == 0)
            {
                session.HeldSnapshot = snapshot;
            }

            return snapshot;
        }
    }

    /// <summary>Lets the rows <paramref name="session"/>'s held snapshot kept be removed.</summary>
    internal void ReleaseSnapshot(SqlSession session)
    {
        lock (_snapshotLock)
        {
            session.HeldSnapshot = 0;
        }
    }

    /// <summary>Forgets a closed session.</summary>
    internal void EndSession(SqlSession session)
    {
        lock (_snapshotLock)
        {
            _sessions.Remove(session.SessionId);
        }
    }

    /// <summary>
    /// The vacuum horizon: the oldest snapshot any statement may still read with (the visible sequence when none is
    /// held). A row version deleted at or before it is invisible to every current and future statement, so it may be
    /// removed from the table and its index points tombstoned and consolidated.
    /// </summary>
    public long OldestSnapshot()
    {
        lock (_snapshotLock)
        {
            long oldest = VisibleSequence;
            foreach (var session in _sessions.Values)
            {
                long held = session.HeldSnapshot;
                if (held != 0 && held < oldest)
                {
                    oldest = held;
                }
            }

            return oldest;
        }
    }

    internal TableRuntime GetTable(uint oid) =>
        Volatile.Read(ref _tables).TryGetValue(oid, out var t) ? t : throw new SqlException(SqlState.UndefinedTable, $"relation with OID {oid} does not exist");

    /// <summary>
    /// The generation of a table whose rows have the layout of <paramref name="table"/>, the catalog entry a statement was
    /// planned with: the current one, or the one an ALTER TABLE has just replaced while the statement was starting, so a
    /// statement sees the table wholly before or wholly after the change.
    /// </summary>
    /// <exception cref="SqlException">40001 when the rows were rewritten more than once since the statement was planned.</exception>
    internal TableRuntime GetTable(TableInfo table)
    {
        var runtime = GetTable(table.Oid);
        if (runtime.Info.Layout == table.Layout)
        {
            return runtime;
        }

        return runtime.Previous is { } previous && previous.Info.Layout == table.Layout ? previous
            : throw new SqlException(SqlState.SerializationFailure, $"could not serialize access due to concurrent ALTER TABLE of relation \"{table.Name}\"");
    }

    /// <summary>
    /// Publishes a catalog change: <paramref name="change"/> computes the new catalog from the current one (under the commit
    /// lock, so DDL is serialized with commits); the change is logged and fsynced before it returns. DDL is not transactional
    /// in AnnSql: it takes effect at once, even inside a transaction block.
    /// </summary>
    public async ValueTask ChangeCatalogAsync(Func<CatalogState, CatalogChange> change, CancellationToken ct)
    {
        ulong lsn;
        lock (_commitLock)
        {
            var result = change(_catalog);
            if (ReferenceEquals(result.State, _catalog) && result.Truncated.Count == 0 && result.Rewrites.Count == 0)
            {
                return;
            }

            lsn = _wal.Append(EncodeCatalogRecord(result));
            ApplyCatalog(result);
        }

        await _wal.FlushAsync(lsn, ct);
        RequestCheckpointIfDue();
    }

    /// <summary>
    /// Commits a transaction's changes: validates them against concurrent commits (unique keys, rows deleted meanwhile), logs
    /// one commit record, applies it, waits until the log is durable (group commit), then makes it visible and releases the
    /// transaction's row locks. Returns once the client may be told it is committed. The row locks are released on failure
    /// too: the transaction is over either way.
    /// </summary>
    /// <exception cref="SqlException">23505 on a unique violation found at commit; 40001 when a deleted row was changed concurrently.</exception>
    public async ValueTask CommitAsync(Transaction txn, CancellationToken ct)
    {
        try
        {
            if (txn.HasChanges)
            {
                await CommitChangesAsync(txn, ct);
            }
        }
        finally
        {
            RowLocks.ReleaseAll(txn);
        }
    }

    /// <summary>Ends a transaction that rolled back (or whose session closed): releases its row locks.</summary>
    public void Rollback(Transaction txn) => RowLocks.ReleaseAll(txn);

    private async ValueTask CommitChangesAsync(Transaction txn, CancellationToken ct)
    {
        long seq;
        ulong lsn;
        lock (_commitLock)
        {
            var ops = new List<(TableRuntime Table, long RowId, object?[]? Values)>();
            var successors = new List<(TableRuntime Table, long RowId, long SuccessorId)>();
            foreach (var (oid, changes) in txn.Changes)
            {
                if (changes.IsEmpty)
                {
                    continue;
                }

                if (!_tables.TryGetValue(oid, out var table))
                {
                    throw new SqlException(SqlState.UndefinedTable, $"relation with OID {oid} was dropped by a concurrent transaction");
                }

                if (changes.Layout != table.Info.Layout)
                {
                    throw new SqlException(SqlState.SerializationFailure,
                        $"could not serialize access due to concurrent ALTER TABLE of relation \"{table.Info.Name}\"");
                }

                foreach (long rowId in changes.Deleted)
                {
                    var row = table.Data.Get(rowId);
                    if (row is null || row.DeletedSeq != 0)
                    {
                        throw new SqlException(SqlState.SerializationFailure, "could not serialize access due to concurrent update");
                    }

                    ops.Add((table, rowId, null));
                }

                long first = table.Data.SlotCount, next = first;
                var placed = changes.Successors.Count == 0 ? null : new long[changes.Inserted.Count];
                for (int i = 0; i < changes.Inserted.Count; i++)
                {
                    if (changes.Inserted[i] is not { } values)
                    {
                        continue;
                    }

                    CheckUniqueAtCommit(table, values, changes);
                    placed?[i] = next;
                    ops.Add((table, next++, values));
                }

                foreach (var (rowId, index) in changes.Successors)
                {
                    if (changes.Inserted[index] is not null && changes.Deleted.Contains(rowId))
                    {
                        successors.Add((table, rowId, placed![index]));
                    }
                }
            }

            seq = _appliedSeq + 1;
            lsn = _wal.Append(EncodeCommitRecord(seq, ops));

            // Announced before the rows change, so a reader whose key lookup misses a row this commit deletes sees it.
            Volatile.Write(ref _appliedSeq, seq);
            ApplyCommit(seq, ops, successors);
        }

        await _wal.FlushAsync(lsn, ct);
        PublishVisible(seq);
        MaintainIndexes(txn);
        RequestCheckpointIfDue();
    }

    /// <summary>
    /// Lets the diskann indexes of the tables a commit changed index its new rows and tombstone its deleted ones in the
    /// background; when an index has fallen more than <see cref="Indexing.VectorIndex.MaxLagRows"/> rows behind (a bulk
    /// load), the committing session brings it up to date itself before the commit returns.
    /// </summary>
    private void MaintainIndexes(Transaction txn)
    {
        var tables = Volatile.Read(ref _tables);
        foreach (var (oid, changes) in txn.Changes)
        {
            if (changes.IsEmpty || !tables.TryGetValue(oid, out var table))
            {
                continue;
            }

            foreach (var index in table.VectorIndexes)
            {
                if (index.LagRows > Indexing.VectorIndex.MaxLagRows)
                {
                    index.Maintain();
                }
                else
                {
                    index.ScheduleMaintenance();
                }
            }
        }
    }

    private static void CheckUniqueAtCommit(TableRuntime table, object?[] values, PendingTableChanges changes)
    {
        foreach (var unique in table.UniqueIndexes)
        {
            var key = unique.KeyOf(values);
            if (key.HasNull)
            {
                continue;
            }

            var existing = unique.Find(key);
            if (existing is not null && !changes.Deleted.Contains(existing.RowId))
            {
                throw UniqueViolation(table.Info, unique, key);
            }
        }
    }

    internal static SqlException UniqueViolation(TableInfo table, UniqueIndex unique, RowKey key)
    {
        var names = string.Join(", ", unique.KeyOrdinals.Select(o => table.Columns[o].Name));
        var vals = string.Join(", ", key.Values.Select((v, i) => v is null ? "null"
            : Types.TypeIO.FormatText(v, table.Columns[unique.KeyOrdinals[i]].Type)));
        return new SqlException(SqlState.UniqueViolation, $"duplicate key value violates unique constraint \"{unique.Index.Name}\"",
            detail: $"Key ({names})=({vals}) already exists.")
        {
            SchemaName = table.Schema,
            TableName = table.Name,
            ConstraintName = unique.Index.Name,
        };
    }

    private void PublishVisible(long seq)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _visibleSeq);
            if (current >= seq)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _visibleSeq, seq, current) != current);
    }

    /// <summary>
    /// Applies a commit's operations: the new versions first, each linked to the version it replaces
    /// (<paramref name="successors"/>), then the deletes, so a unique-key lookup that races the commit finds the old
    /// version or the new one (and from it the old one), never neither.
    /// </summary>
    private void ApplyCommit(
        long seq, List<(TableRuntime Table, long RowId, object?[]? Values)> ops,
        List<(TableRuntime Table, long RowId, long SuccessorId)>? successors = null)
    {
        foreach (var (table, rowId, values) in ops)
        {
            if (values is not null)
            {
                table.Data.Place(rowId, values, seq);
            }
        }

        foreach (var (table, rowId, successorId) in successors ?? [])
        {
            table.Data.Get(successorId)?.SetPredecessor(rowId);
            table.Data.Get(rowId)?.SetSuccessor(successorId);
        }

        foreach (var (table, rowId, values) in ops)
        {
            if (values is not null)
            {
                var row = table.Data.Get(rowId)!;
                foreach (var u in table.UniqueIndexes)
                {
                    u.Add(row);
                }

                foreach (var index in table.VectorIndexes)
                {
                    index.Statistics.Add(values);
                }

                AdvanceIdentity(table, values);
            }
        }

        foreach (var (table, rowId, values) in ops)
        {
            if (values is null && table.Data.Get(rowId) is { } row)
            {
                row.MarkDeleted(seq);
                table.DeadRows++;
                foreach (var u in table.UniqueIndexes)
                {
                    u.Remove(row);
                }

                foreach (var index in table.VectorIndexes)
                {
                    index.Statistics.Remove(row.Values);
                    index.RowDeleted(rowId, seq);
                }
            }
        }
    }

    private static void AdvanceIdentity(TableRuntime table, object?[] values)
    {
        var columns = table.Info.Columns;
        for (int i = 0; i < columns.Count; i++)
        {
            if ((columns[i].Identity != '\0' || columns[i].SequenceName is not null) && values[i] is { } v && Types.SqlValues.IsNumber(v))
            {
                table.Data.AdvanceIdentityPast(Types.SqlValues.ToInt64(v));
            }
        }
    }

    private void ApplyCatalog(CatalogChange change)
    {
        var tables = new Dictionary<uint, TableRuntime>(_tables);
        foreach (var oid in tables.Keys.ToList())
        {
            if (!change.State.Tables.ContainsKey(oid))
            {
                foreach (var index in tables[oid].VectorIndexes)
                {
                    index.Close();
                }

                tables.Remove(oid);
                DeviceScans.Forget(oid);
            }
        }

        foreach (var rewrite in change.Rewrites)
        {
            DeviceScans.Forget(rewrite.TableOid);
            var old = tables[rewrite.TableOid];
            var runtime = old.Rewrite(change.State.Tables[rewrite.TableOid], rewrite, _appliedSeq, out var unbuilt);
            tables[rewrite.TableOid] = runtime;
            foreach (var row in runtime.Data.Slots)
            {
                if (row is not null)
                {
                    AdvanceIdentity(runtime, row.Values);
                }
            }

            // During recovery every index is set up afresh afterwards; a live ALTER builds the indexes whose columns moved.
            if (_replayTruncated is null)
            {
                foreach (var index in unbuilt)
                {
                    BuildInBackground(index);
                }
            }
        }

        foreach (var (oid, info) in change.State.Tables)
        {
            if (!tables.TryGetValue(oid, out var runtime))
            {
                runtime = new TableRuntime(info, OldestSnapshot, IndexEnvironment);
                tables[oid] = runtime;
            }

            runtime.Info = info;
            bool truncated = change.Truncated.Contains(oid);
            if (truncated)
            {
                runtime.Data.Clear();
                runtime.DeadRows = 0;
                _replayTruncated?.Add(oid);
            }

            runtime.RebuildUniqueIndexes();
            var unbuilt = runtime.SyncVectorIndexes(reset: truncated);
            if (truncated)
            {
                // The index of an emptied table is built at once (it is empty); a new index is built by CREATE INDEX.
                foreach (var index in unbuilt)
                {
                    index.Build(1, null, CancellationToken.None);
                }
            }
        }

        Volatile.Write(ref _tables, tables);
        Volatile.Write(ref _catalog, change.State);
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync();
        await StopBackgroundWorkerAsync();
        try
        {
            await CheckpointAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or SqlException or ObjectDisposedException)
        {
            LogShutdownCheckpointFailed(_logger, ex);
        }

        await _wal.DisposeAsync();
        DeviceScans.Dispose();
        _metrics.Dispose();
        _directory.Dispose();
        _checkpointGate.Dispose();
        _shutdown.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "diskann index {Index} built: {Points} points in {Seconds:F1} s")]
    private static partial void LogIndexBuilt(ILogger logger, string index, long points, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "building diskann index {Index} failed; queries use the exact scan")]
    private static partial void LogIndexBuildFailed(ILogger logger, Exception exception, string index);

    [LoggerMessage(Level = LogLevel.Information, Message = "diskann index {Index} loaded from the checkpoint: {Points} points in {Seconds:F2} s")]
    private static partial void LogIndexLoaded(ILogger logger, string index, long points, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the checkpointed graph of diskann index {Index} cannot be used; it is rebuilt")]
    private static partial void LogIndexLoadFailed(ILogger logger, Exception exception, string index);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the unused index file {File} could not be deleted")]
    private static partial void LogIndexFileRemovalFailed(ILogger logger, Exception exception, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "checkpoint at shutdown failed; the log will be replayed at the next start")]
    private static partial void LogShutdownCheckpointFailed(ILogger logger, Exception exception);
}

/// <summary>A new catalog state, the tables whose rows a TRUNCATE removed and those whose rows ALTER TABLE rewrote.</summary>
public sealed record CatalogChange(CatalogState State, IReadOnlyList<uint> Truncated)
{
    /// <summary>The tables whose rows change to a new layout (ALTER TABLE), applied after the catalog state.</summary>
    public IReadOnlyList<TableRewrite> Rewrites { get; init; } = [];

    public static CatalogChange Of(CatalogState state) => new(state, []);
}

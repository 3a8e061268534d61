using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Storage.Tables;

namespace AnnSql.Sql.Indexing;

/// <summary>The life cycle of a <see cref="VectorIndex"/>.</summary>
public enum VectorIndexState
{
    /// <summary>Declared in the catalog; the graph is not built yet (queries use the exact scan).</summary>
    NotBuilt,

    /// <summary>The first graph is being built.</summary>
    Building,

    /// <summary>The graph answers queries.</summary>
    Ready,
}

/// <summary>
/// The live state of one diskann index: a Vamana graph over a table's vector column kept current as the table changes
/// (FreshDiskANN, Singh et al., arXiv 2105.09613), plus the map from the graph's point ids to the table's row ids.
/// </summary>
/// <remarks>
/// <para>
/// Inserts: rows are indexed in row-id order up to a watermark (<see cref="IndexedGraph.Watermark"/>); rows committed
/// since are not yet points, and a scan ranks them exactly until the catch-up inserts them (FreshDiskANN insert). A commit
/// that leaves more than <see cref="MaxLagRows"/> rows behind runs the catch-up itself before it returns, so bulk loads
/// wait for the index as they do with pgvector.
/// </para>
/// <para>
/// Deletes: a committed delete is queued. Once no snapshot can see the row any more (its deleting commit is at or
/// below the vacuum horizon) its point is tombstoned: still navigable, never returned. When tombstones reach
/// <see cref="ConsolidateFraction"/> of the points, or on VACUUM, consolidation repairs the neighbours of the deleted
/// points and recycles their ids (FreshDiskANN Algorithm 4). Until then a deleted row's point fails the executor's
/// visibility check, so a delete is invisible to the very next statement. An UPDATE is a delete and an insert.
/// </para>
/// <para>
/// Maintenance (catch-up, tombstones, consolidation, checkpoint saves, REINDEX) runs under one lock, one writer at a
/// time; searches take no lock and read one <see cref="IndexedGraph"/> generation. With a label column (the index's
/// second key) each point carries its row's labels (Filtered-DiskANN), and exact per-label counts of live rows are kept
/// for the planner.
/// </para>
/// </remarks>
public sealed partial class VectorIndex
{
    /// <summary>Rows a commit may leave unindexed before it waits for the catch-up.</summary>
    public const int MaxLagRows = 4096;

    /// <summary>Share of the graph's points that, once tombstoned, triggers a consolidation.</summary>
    public const double ConsolidateFraction = 0.1;

    /// <summary>Fewest tombstones worth a consolidation outside VACUUM.</summary>
    private const int MinConsolidation = 64;

    /// <summary>Batches of at least this many rows are inserted in parallel.</summary>
    private const int ParallelInsertBatch = 256;

    private static ReadOnlySpan<byte> FileMagic => "ANNSQLIX"u8;

    private const int FileVersion = 2;

    /// <summary>
    /// Bytes of the index file header: magic, version, OID, metric, dimensions, label ordinal, watermark, points, storage,
    /// disk file generation.
    /// </summary>
    private const int FileHeaderBytes = 8 + (6 * sizeof(int)) + (3 * sizeof(long));

    private readonly Lock _maintenance = new();
    private TableData _data;
    private readonly Func<long> _horizon;
    private readonly VectorIndexEnvironment _environment;
    private readonly ConcurrentQueue<(long RowId, long DeletedSeq)> _deletes = new();
    private IndexedGraph? _current;
    private int _maintenanceScheduled;
    private int _state;

    /// <summary>
    /// The runtime of <paramref name="info"/> on <paramref name="table"/>, whose rows are <paramref name="data"/>; the graph is
    /// built or loaded later. The statistics are counted from the live rows now (the caller holds the commit lock).
    /// <paramref name="horizon"/> gives the vacuum horizon (the oldest snapshot still in use); <paramref name="environment"/>
    /// where a <c>storage = 'disk'</c> index keeps its files and its memory budgets.
    /// </summary>
    /// <exception cref="Errors.SqlException">The index definition is not a valid diskann index (checked at CREATE INDEX).</exception>
    public VectorIndex(IndexInfo info, TableInfo table, TableData data, Func<long> horizon, VectorIndexEnvironment environment)
    {
        Info = info;
        _data = data;
        _horizon = horizon;
        _environment = environment;
        ColumnOrdinal = table.OrdinalOf(info.KeyColumns[0]);
        var column = table.Columns[ColumnOrdinal];
        Options = DiskAnnIndexOptions.Parse(info.Options);
        Metric = DiskAnnIndexOptions.OperatorClass(info.OperatorClasses.Count > 0 ? info.OperatorClasses[0] ?? "" : "")?.Metric
            ?? Metric.Cosine;
        Dimensions = column.Type.Modifier;
        LabelOrdinal = info.KeyColumns.Count > 1 ? table.OrdinalOf(info.KeyColumns[1]) : -1;
        Statistics = new IndexStatistics(ColumnOrdinal, LabelOrdinal, data);
    }

    /// <summary>
    /// Moves the index onto <paramref name="data"/>, the rows of its table after ALTER TABLE rewrote them with the same row
    /// ids, the indexed columns at the same ordinals and of the same types: the graph stays valid as it is. A build or
    /// catch-up running meanwhile may read either generation: a row id has the same vector and labels in both. Takes no
    /// lock, so the commit lock the caller holds is never held for the length of a build.
    /// </summary>
    internal void Retarget(TableData data) => Volatile.Write(ref _data, data);

    /// <summary>The catalog entry.</summary>
    public IndexInfo Info { get; }

    /// <summary>0-based ordinal of the indexed vector column.</summary>
    public int ColumnOrdinal { get; }

    /// <summary>0-based ordinal of the label column (the index's second key), or -1 without one.</summary>
    public int LabelOrdinal { get; }

    /// <summary>Exact counts of live rows, rows without a vector, and rows per label.</summary>
    public IndexStatistics Statistics { get; }

    /// <summary>The opclass metric; the index answers ORDER BY with this metric's operator only.</summary>
    public Metric Metric { get; }

    /// <summary>Vector dimensions (the column's typmod).</summary>
    public int Dimensions { get; }

    /// <summary>Build parameters from the index's WITH options.</summary>
    public DiskAnnIndexOptions Options { get; }

    /// <summary>Where the index is in its life cycle.</summary>
    public VectorIndexState State => (VectorIndexState)Volatile.Read(ref _state);

    /// <summary>
    /// The in-memory graph, once <see cref="State"/> is Ready (null before): the whole index, or for <c>storage = 'disk'</c>
    /// the delta of rows inserted since the disk file was written.
    /// </summary>
    public VamanaIndex? Graph => Current?.Graph;

    /// <summary>Point slots of the graph and the disk file together (tombstoned and free ones included); 0 before a build.</summary>
    public long Points => Current?.Points ?? 0;

    /// <summary>Rows with a smaller row id are in the graph (or have no vector, or were dead when indexed); 0 before a build.</summary>
    public long IndexedSlots => Current?.Watermark ?? 0;

    /// <summary>Rows committed but not yet in the graph.</summary>
    public long LagRows => Current is { } current ? Math.Max(0, _data.SlotCount - current.Watermark) : 0;

    /// <summary>Wall time of the last build.</summary>
    public TimeSpan BuildTime { get; private set; }

    /// <summary>The published generation, once <see cref="State"/> is Ready.</summary>
    internal IndexedGraph? Current => Volatile.Read(ref _current);

    /// <summary>
    /// Builds a graph over the table's current rows (two Vamana passes on <paramref name="threads"/> threads), publishes it,
    /// then indexes the rows committed meanwhile. An index that is already Ready keeps answering from its old graph until
    /// the new one replaces it (REINDEX).
    /// </summary>
    /// <remarks>
    /// A <c>storage = 'disk'</c> index is built into a new file within <paramref name="memoryBudgetBytes"/> (0: the
    /// environment's default; PostgreSQL's maintenance_work_mem for CREATE INDEX and REINDEX), in overlapping partitions
    /// when the vectors and graph do not fit (<see cref="AnnSql.Index.Disk.DiskIndexBuilder"/>).
    /// </remarks>
    /// <exception cref="OperationCanceledException">Cancelled; the index keeps its previous state.</exception>
    public void Build(int threads, IProgress<VamanaBuildProgress>? progress, CancellationToken ct, long memoryBudgetBytes = 0)
    {
        lock (_maintenance)
        {
            bool first = State != VectorIndexState.Ready;
            if (first)
            {
                Volatile.Write(ref _state, (int)VectorIndexState.Building);
            }

            var clock = Stopwatch.StartNew();
            try
            {
                long slots = _data.SlotCount;
                var rows = _data.Slots[..(int)slots];
                long horizon = _horizon();
                var indexed = new List<RowVersion>();
                foreach (var row in rows)
                {
                    if (row is not null && Indexable(row, horizon))
                    {
                        indexed.Add(row);
                        if (row.DeletedSeq != 0)
                        {
                            // Deleted, but some snapshot still sees it: tombstoned once the horizon passes.
                            _deletes.Enqueue((row.RowId, row.DeletedSeq));
                        }
                    }
                }

                IndexedGraph built;
                if (Options.Storage == DiskAnnStorage.Disk)
                {
                    built = BuildDisk(indexed, slots, threads, memoryBudgetBytes > 0 ? memoryBudgetBytes : _environment.BuildMemoryBytes, progress, ct);
                }
                else
                {
                    var rowIds = indexed.ConvertAll(row => row.RowId);
                    float[] vectors = new float[(long)rowIds.Count * Dimensions];
                    int[]?[]? labels = LabelOrdinal >= 0 ? new int[]?[rowIds.Count] : null;
                    for (int i = 0; i < rowIds.Count; i++)
                    {
                        var values = indexed[i].Values;
                        CopyVector(values[ColumnOrdinal]!, vectors.AsSpan(i * Dimensions, Dimensions));
                        if (labels is not null)
                        {
                            labels[i] = LabelValues.Distinct(values[LabelOrdinal]);
                        }
                    }

                    var graph = NewGraph();
                    if (rowIds.Count > 0)
                    {
                        graph.Build(vectors, rowIds.Count, labels, threads, progress, ct);
                    }

                    built = new IndexedGraph(graph, rowIds, slots);
                }

                var replaced = Current;
                Volatile.Write(ref _current, built);
                Volatile.Write(ref _state, (int)VectorIndexState.Ready);
                BuildTime = clock.Elapsed;
                IndexMetrics.Built(Info.Name, Options.Storage == DiskAnnStorage.Disk, BuildTime);
                Retire(replaced);
            }
            catch when (first)
            {
                Volatile.Write(ref _state, (int)VectorIndexState.NotBuilt);
                throw;
            }

            // Rows committed or deleted during the build are inserted or tombstoned by the maintenance below.
            MaintainLocked(consolidate: false, Environment.ProcessorCount);
        }
    }

    /// <summary>
    /// Index maintenance: inserts the rows committed since the watermark (FreshDiskANN insert, in parallel for large
    /// batches), tombstones the points of rows no snapshot can see any more, and consolidates when the tombstones reach
    /// <see cref="ConsolidateFraction"/> of the points (always, when <paramref name="consolidate"/> is set: VACUUM).
    /// A no-op until the graph is built.
    /// </summary>
    public void Maintain(bool consolidate = false)
    {
        lock (_maintenance)
        {
            MaintainLocked(consolidate, Environment.ProcessorCount);
        }
    }

    /// <summary>Runs <see cref="Maintain"/> (without forcing a consolidation) unless other maintenance holds the index.</summary>
    public void TryMaintain()
    {
        if (_maintenance.TryEnter())
        {
            try
            {
                MaintainLocked(consolidate: false, Environment.ProcessorCount);
            }
            finally
            {
                _maintenance.Exit();
            }
        }
    }

    /// <summary>Runs <see cref="Maintain"/> on the thread pool unless a run is already pending.</summary>
    public void ScheduleMaintenance()
    {
        if (Interlocked.Exchange(ref _maintenanceScheduled, 1) == 1)
        {
            return;
        }

        _ = Task.Run(() =>
        {
            Volatile.Write(ref _maintenanceScheduled, 0);
            Maintain();
        });
    }

    /// <summary>Queues the index maintenance for a committed delete of row <paramref name="rowId"/> at <paramref name="deletedSeq"/>. Commit lock held.</summary>
    internal void RowDeleted(long rowId, long deletedSeq)
    {
        if (State != VectorIndexState.NotBuilt)
        {
            _deletes.Enqueue((rowId, deletedSeq));
        }
    }

    /// <summary>Whether the queue holds deletes not yet applied to the graph.</summary>
    public bool HasPendingDeletes => !_deletes.IsEmpty;

    private void MaintainLocked(bool consolidate, int threads)
    {
        if (Current is not { } current || State != VectorIndexState.Ready)
        {
            return;
        }

        long horizon = _horizon();
        CatchUpLocked(current, horizon, threads);
        ApplyDeletesLocked(current, horizon);
        if (Options.Storage == DiskAnnStorage.Disk && MergeDue(current, consolidate))
        {
            MergeLocked(current, threads);
            return;
        }

        var graph = current.Graph;
        int deleted = graph.DeletedCount;
        if (deleted > 0 && (consolidate || (deleted >= MinConsolidation && deleted >= graph.Count * ConsolidateFraction)))
        {
            graph.Consolidate(threads);
        }
    }

    /// <summary>Inserts the rows between the watermark and the table's end that some snapshot may still see.</summary>
    private void CatchUpLocked(IndexedGraph current, long horizon, int threads)
    {
        var graph = current.Graph;
        long start = current.Watermark;
        long end = _data.SlotCount;
        if (start >= end)
        {
            return;
        }

        var rows = _data.Slots;
        var batch = new List<RowVersion>();
        for (long i = start; i < end && i < rows.Length; i++)
        {
            if (rows[(int)i] is { } row && Indexable(row, horizon))
            {
                batch.Add(row);

                // Deleted, but some snapshot still sees it: indexed now, tombstoned once the horizon passes.
                if (row.DeletedSeq != 0)
                {
                    _deletes.Enqueue((row.RowId, row.DeletedSeq));
                }
            }
        }

        current.EnsureCapacity(graph.Count + batch.Count, end);
        if (batch.Count >= ParallelInsertBatch && threads > 1)
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
            Parallel.ForEach(batch, parallel, () => new float[Dimensions], (row, _, buffer) =>
            {
                InsertRow(current, row, buffer);
                return buffer;
            }, _ => { });
        }
        else
        {
            float[] buffer = new float[Dimensions];
            foreach (var row in batch)
            {
                InsertRow(current, row, buffer);
            }
        }

        current.Advance(end);
    }

    /// <summary>Tombstones the points of queued deleted rows that no snapshot can see any more.</summary>
    private void ApplyDeletesLocked(IndexedGraph current, long horizon)
    {
        while (_deletes.TryPeek(out var next) && next.DeletedSeq <= horizon)
        {
            _deletes.TryDequeue(out _);

            // A row above the watermark is not a point yet; the catch-up skips it or queues it again.
            if (current.TryGetPoint(next.RowId, out uint point))
            {
                current.Unmap(next.RowId, point);
                current.Graph.Delete(point);
            }
            else if (current.Disk is { } disk && disk.TryGetNode(next.RowId, out uint node))
            {
                disk.Delete(next.RowId, node);
            }
        }
    }

    /// <summary>A row the graph should hold: it has a vector and is not dead to every snapshot.</summary>
    private bool Indexable(RowVersion row, long horizon)
    {
        long deleted = row.DeletedSeq;
        return row.Values[ColumnOrdinal] is not null && (deleted == 0 || deleted > horizon);
    }

    private void InsertRow(IndexedGraph current, RowVersion row, float[] buffer)
    {
        CopyVector(row.Values[ColumnOrdinal]!, buffer);
        var graph = current.Graph;
        uint point = LabelOrdinal >= 0 ? graph.Insert(buffer, LabelValues.Distinct(row.Values[LabelOrdinal])) : graph.Insert(buffer);
        current.Map(point, row.RowId);
    }

    /// <summary>Copies a <c>vector</c> (float[]) or <c>halfvec</c> (Half[]) value into <paramref name="destination"/>.</summary>
    internal static void CopyVector(object value, Span<float> destination)
    {
        switch (value)
        {
            case float[] f:
                f.CopyTo(destination);
                break;
            case Half[] h:
                for (int i = 0; i < h.Length; i++)
                {
                    destination[i] = (float)h[i];
                }

                break;
            default:
                throw new InvalidOperationException($"not a dense vector: {value.GetType().Name}");
        }
    }

    /// <summary>
    /// Writes the index for a checkpoint: a header (magic, version, index OID, metric, dimensions, label ordinal, watermark,
    /// point count, storage, disk file generation), the point → row map, then the graph (<see cref="VamanaIndex.Save"/>).
    /// A <c>storage = 'disk'</c> index writes the node → row map of its disk file instead, which names the file by its
    /// generation; its delta is not written (the rows past the file's watermark are inserted again at the next start).
    /// Returns false, writing nothing, while the index is not built. Inserts and deletes wait while it writes; searches go on.
    /// </summary>
    public bool Save(Stream destination)
    {
        lock (_maintenance)
        {
            if (Current is not { } current || State != VectorIndexState.Ready)
            {
                return false;
            }

            var disk = current.Disk;
            int count = disk?.RowIds.Length ?? current.Graph.Count;
            Span<byte> header = stackalloc byte[FileHeaderBytes];
            FileMagic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], FileVersion);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], Info.Oid);
            BinaryPrimitives.WriteInt32LittleEndian(header[16..], (int)Metric);
            BinaryPrimitives.WriteInt32LittleEndian(header[20..], Dimensions);
            BinaryPrimitives.WriteInt32LittleEndian(header[24..], LabelOrdinal);
            BinaryPrimitives.WriteInt64LittleEndian(header[28..], disk?.Watermark ?? current.Watermark);
            BinaryPrimitives.WriteInt64LittleEndian(header[36..], count);
            BinaryPrimitives.WriteInt32LittleEndian(header[44..], (int)Options.Storage);
            BinaryPrimitives.WriteInt64LittleEndian(header[48..], disk?.Number ?? -1);
            destination.Write(header);
            if (disk is not null)
            {
                WriteLongs(destination, disk.RowIds);
                _savedGeneration = disk.Number;
            }
            else
            {
                WriteLongs(destination, current.RowIds(count));
                current.Graph.Save(destination);
            }

            return true;
        }
    }

    /// <summary>
    /// Loads an index written by <see cref="Save"/> at a checkpoint and makes it Ready: points whose rows no longer exist
    /// or are dead to every snapshot are tombstoned, and the rows committed after the watermark are inserted by the next
    /// maintenance (which the caller schedules). A <c>storage = 'disk'</c> index opens its file (header and PQ codes only).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged or belongs to another index definition.</exception>
    /// <exception cref="IOException">The disk file it names cannot be opened.</exception>
    public void Load(Stream source)
    {
        lock (_maintenance)
        {
            Span<byte> header = stackalloc byte[FileHeaderBytes];
            source.ReadExactly(header);
            if (!header[..8].SequenceEqual(FileMagic) || BinaryPrimitives.ReadInt32LittleEndian(header[8..]) != FileVersion)
            {
                throw new InvalidDataException($"index file of \"{Info.Name}\" has a bad header");
            }

            if (BinaryPrimitives.ReadUInt32LittleEndian(header[12..]) != Info.Oid
                || BinaryPrimitives.ReadInt32LittleEndian(header[16..]) != (int)Metric
                || BinaryPrimitives.ReadInt32LittleEndian(header[20..]) != Dimensions
                || BinaryPrimitives.ReadInt32LittleEndian(header[24..]) != LabelOrdinal
                || BinaryPrimitives.ReadInt32LittleEndian(header[44..]) != (int)Options.Storage)
            {
                throw new InvalidDataException($"index file of \"{Info.Name}\" belongs to another index definition");
            }

            long watermark = BinaryPrimitives.ReadInt64LittleEndian(header[28..]);
            long count = BinaryPrimitives.ReadInt64LittleEndian(header[36..]);
            long generation = BinaryPrimitives.ReadInt64LittleEndian(header[48..]);
            if (count < 0 || count > int.MaxValue || watermark < 0)
            {
                throw new InvalidDataException($"index file of \"{Info.Name}\" has a bad header");
            }

            long[] rowIds = new long[count];
            ReadLongs(source, rowIds);
            IndexedGraph loaded;
            if (Options.Storage == DiskAnnStorage.Disk)
            {
                loaded = LoadDisk(rowIds, generation, watermark);
            }
            else
            {
                var graph = VamanaIndex.Load(source);
                if (graph.Count != count || graph.Dimensions != Dimensions || graph.Metric != Metric)
                {
                    throw new InvalidDataException($"index file of \"{Info.Name}\" holds a graph that does not match its map");
                }

                ForgetMissingRows(rowIds, watermark, graph.IsDeleted, graph.Delete);
                loaded = new IndexedGraph(graph, rowIds, Math.Min(watermark, _data.SlotCount));
            }

            Volatile.Write(ref _current, loaded);
            Volatile.Write(ref _state, (int)VectorIndexState.Ready);
        }
    }

    /// <summary>
    /// Tombstones the points of <paramref name="rowIds"/> whose rows are gone (deleted before the checkpoint's rows were
    /// written, or by the replayed log, or never durable: the catch-up may index a commit's rows before its log record is
    /// flushed) and marks them <see cref="IndexedGraph.NoRow"/>; queues the deletes some snapshot still sees. Row ids past
    /// the recovered table's end are handed out again, so the caller lowers the watermark to it and those rows are indexed
    /// when they arrive.
    /// </summary>
    /// <exception cref="InvalidDataException">The map names a row twice or a row at or past the watermark.</exception>
    private void ForgetMissingRows(long[] rowIds, long watermark, Func<uint, bool> isDeleted, Action<uint> delete)
    {
        var seen = new HashSet<long>();
        long horizon = _horizon();
        for (uint point = 0; point < rowIds.Length; point++)
        {
            long rowId = rowIds[point];
            if (rowId == IndexedGraph.NoRow)
            {
                continue;
            }

            if (rowId < 0 || rowId >= watermark || !seen.Add(rowId))
            {
                throw new InvalidDataException($"index file of \"{Info.Name}\" maps point {point} to row {rowId}");
            }

            var row = _data.Get(rowId);
            if (row is null || !Indexable(row, horizon))
            {
                rowIds[point] = IndexedGraph.NoRow;
                if (!isDeleted(point))
                {
                    delete(point);
                }
            }
            else if (row.DeletedSeq != 0)
            {
                _deletes.Enqueue((rowId, row.DeletedSeq));
            }
        }
    }

    private static void WriteLongs(Stream destination, ReadOnlySpan<long> values)
    {
        byte[] buffer = new byte[64 * 1024];
        while (!values.IsEmpty)
        {
            int n = Math.Min(values.Length, buffer.Length / sizeof(long));
            for (int i = 0; i < n; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(i * sizeof(long)), values[i]);
            }

            destination.Write(buffer, 0, n * sizeof(long));
            values = values[n..];
        }
    }

    private static void ReadLongs(Stream source, Span<long> values)
    {
        byte[] buffer = new byte[64 * 1024];
        while (!values.IsEmpty)
        {
            int n = Math.Min(values.Length, buffer.Length / sizeof(long));
            source.ReadExactly(buffer, 0, n * sizeof(long));
            for (int i = 0; i < n; i++)
            {
                values[i] = BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(i * sizeof(long)));
            }

            values = values[n..];
        }
    }
}

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

    /// <summary>The graph is being built.</summary>
    Building,

    /// <summary>The graph answers queries.</summary>
    Ready,
}

/// <summary>
/// The live state of one diskann index: a Vamana graph over a table's vector column, and the map from the graph's dense
/// point ids to the table's row ids. Rows are indexed in row-id order up to a watermark, <see cref="IndexedSlots"/>:
/// every row below it that existed, was not deleted and had a vector when it was indexed is a point; rows at or above it
/// (committed since) are not, and a scan covers them exactly until the background catch-up inserts them (FreshDiskANN
/// insert). Deleted rows stay in the graph as points that fail the visibility check. Searches never take a lock. With a
/// label column (the index's second key), each point carries its row's labels (Filtered-DiskANN) and the index keeps exact
/// per-label counts of live rows for the planner.
/// </summary>
public sealed class VectorIndex
{
    private readonly Lock _maintenance = new();
    private VamanaIndex? _graph;
    private long[] _rowIds = [];
    private long _indexedSlots;
    private int _catchUpScheduled;
    private int _state;

    /// <summary>
    /// The runtime of <paramref name="info"/> on <paramref name="table"/>; the graph is built later. The statistics are
    /// counted from <paramref name="data"/>'s live rows now (the caller holds the commit lock).
    /// </summary>
    /// <exception cref="Errors.SqlException">The index definition is not a valid diskann index (checked at CREATE INDEX).</exception>
    public VectorIndex(IndexInfo info, TableInfo table, TableData data)
    {
        Info = info;
        ColumnOrdinal = info.KeyColumns[0] - 1;
        var column = table.Columns[ColumnOrdinal];
        Options = DiskAnnIndexOptions.Parse(info.Options);
        Metric = DiskAnnIndexOptions.OperatorClass(info.OperatorClasses.Count > 0 ? info.OperatorClasses[0] ?? "" : "")?.Metric
            ?? Metric.Cosine;
        Dimensions = column.Type.Modifier;
        LabelOrdinal = info.KeyColumns.Count > 1 ? info.KeyColumns[1] - 1 : -1;
        Statistics = new IndexStatistics(ColumnOrdinal, LabelOrdinal, data);
    }

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

    /// <summary>The graph, once <see cref="State"/> is Ready; null before.</summary>
    public VamanaIndex? Graph => Volatile.Read(ref _graph);

    /// <summary>Rows with a smaller row id are in the graph (or have no vector, or were deleted when indexed).</summary>
    public long IndexedSlots => Volatile.Read(ref _indexedSlots);

    /// <summary>Wall time of the last build.</summary>
    public TimeSpan BuildTime { get; private set; }

    /// <summary>The row id of graph point <paramref name="point"/>, or -1 while it is not yet published.</summary>
    public long RowIdOf(uint point)
    {
        var ids = Volatile.Read(ref _rowIds);
        return point < (uint)ids.Length ? Volatile.Read(ref ids[point]) : -1;
    }

    /// <summary>
    /// Builds the graph over the table's current rows (two Vamana passes on <paramref name="threads"/> threads), publishes
    /// it, then indexes the rows committed meanwhile.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled; the index stays NotBuilt.</exception>
    public void Build(TableData data, int threads, IProgress<VamanaBuildProgress>? progress, CancellationToken ct)
    {
        lock (_maintenance)
        {
            Volatile.Write(ref _state, (int)VectorIndexState.Building);
            var clock = Stopwatch.StartNew();
            try
            {
                long slots = data.SlotCount;
                var rows = data.Slots[..(int)slots];
                var rowIds = new List<long>();
                foreach (var row in rows)
                {
                    if (row is not null && row.DeletedSeq == 0 && row.Values[ColumnOrdinal] is not null)
                    {
                        rowIds.Add(row.RowId);
                    }
                }

                float[] vectors = new float[(long)rowIds.Count * Dimensions];
                int[]?[]? labels = LabelOrdinal >= 0 ? new int[]?[rowIds.Count] : null;
                for (int i = 0; i < rowIds.Count; i++)
                {
                    var values = rows[(int)rowIds[i]]!.Values;
                    CopyVector(values[ColumnOrdinal]!, vectors.AsSpan(i * Dimensions, Dimensions));
                    if (labels is not null)
                    {
                        labels[i] = LabelValues.Distinct(values[LabelOrdinal]);
                    }
                }

                var graph = new VamanaIndex(Metric, Dimensions, Options.ToVamanaOptions());
                if (rowIds.Count > 0)
                {
                    graph.Build(vectors, rowIds.Count, labels, threads, progress, ct);
                }

                long[] map = new long[Math.Max(1024, rowIds.Count * 2)];
                Array.Fill(map, -1L);
                rowIds.CopyTo(map);
                Volatile.Write(ref _rowIds, map);
                Volatile.Write(ref _indexedSlots, slots);
                Volatile.Write(ref _graph, graph);
                Volatile.Write(ref _state, (int)VectorIndexState.Ready);
                BuildTime = clock.Elapsed;
            }
            catch
            {
                Volatile.Write(ref _state, (int)VectorIndexState.NotBuilt);
                throw;
            }
        }

        CatchUp(data);
    }

    /// <summary>
    /// Inserts the rows committed since the watermark into the graph (FreshDiskANN insert, in parallel for large batches)
    /// and advances the watermark. A no-op until the graph is built.
    /// </summary>
    public void CatchUp(TableData data)
    {
        lock (_maintenance)
        {
            var graph = Graph;
            long start = IndexedSlots;
            long end = data.SlotCount;
            if (graph is null || State != VectorIndexState.Ready || start >= end)
            {
                return;
            }

            var rows = data.Slots;
            var batch = new List<RowVersion>();
            for (long i = start; i < end && i < rows.Length; i++)
            {
                if (rows[(int)i] is { DeletedSeq: 0 } row && row.Values[ColumnOrdinal] is not null)
                {
                    batch.Add(row);
                }
            }

            EnsureCapacity(graph.Count + batch.Count);
            var map = Volatile.Read(ref _rowIds);
            if (batch.Count >= 256)
            {
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
                Parallel.ForEach(batch, parallel, () => new float[Dimensions], (row, _, buffer) =>
                {
                    InsertRow(graph, map, row, buffer);
                    return buffer;
                }, _ => { });
            }
            else
            {
                float[] buffer = new float[Dimensions];
                foreach (var row in batch)
                {
                    InsertRow(graph, map, row, buffer);
                }
            }

            Volatile.Write(ref _indexedSlots, end);
        }
    }

    /// <summary>Runs <see cref="CatchUp"/> on the thread pool unless a run is already pending.</summary>
    public void ScheduleCatchUp(TableData data)
    {
        if (Interlocked.Exchange(ref _catchUpScheduled, 1) == 1)
        {
            return;
        }

        _ = Task.Run(() =>
        {
            Volatile.Write(ref _catchUpScheduled, 0);
            CatchUp(data);
        });
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

    private void InsertRow(VamanaIndex graph, long[] map, RowVersion row, float[] buffer)
    {
        CopyVector(row.Values[ColumnOrdinal]!, buffer);
        uint point = LabelOrdinal >= 0 ? graph.Insert(buffer, LabelValues.Distinct(row.Values[LabelOrdinal])) : graph.Insert(buffer);
        Volatile.Write(ref map[point], row.RowId);
    }

    private void EnsureCapacity(long points)
    {
        var map = _rowIds;
        if (points <= map.Length)
        {
            return;
        }

        long[] grown = new long[Math.Max(points, map.Length * 2L)];
        Array.Fill(grown, -1L);
        map.CopyTo(grown, 0);
        Volatile.Write(ref _rowIds, grown);
    }
}

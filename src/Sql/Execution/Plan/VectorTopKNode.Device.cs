using System.Buffers;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Execution.Gpu;
using AnnSql.Sql.Transactions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Execution.Plan;

/// <summary>
/// The GPU form of the exact scan. The device returns the top candidates of its mirror of the column (every row version
/// not yet vacuumable); the host keeps those its snapshot sees, that its transaction did not delete and that pass the
/// filter, asks for four times as many while too few survive, and merges the transaction's own uncommitted rows, computed
/// here. Whenever the device cannot give the exact answer (rows with NULL vectors needed to fill the limit, mismatched
/// dimensions, the memory budget, a limit above <see cref="MaxDeviceK"/>), the CPU scan answers instead.
/// </summary>
public sealed partial class VectorTopKNode
{
    /// <summary>Largest LIMIT + OFFSET the device selects; larger ones scan on the CPU.</summary>
    public const int MaxDeviceK = 1024;

    /// <summary>Outer rows a LATERAL join hands to <see cref="Prefetch"/> at once.</summary>
    public const int PrefetchBatchRows = 1024;

    private ScanBackend? _plannedBackend;

    /// <summary>The backend of the last execution (EXPLAIN ANALYZE).</summary>
    public ScanBackend LastBackend { get; private set; }

    private bool _executed;

    private string ExplainBackend
    {
        get
        {
            var backend = _executed ? LastBackend : _plannedBackend ?? ScanBackend.Cpu;
            return _describe?.Invoke(backend) ?? "cpu";
        }
    }

    private Func<ScanBackend, string>? _describe;

    /// <summary>Decides, for plain EXPLAIN, which backend a scan of the table as it is now would take.</summary>
    public override void PrepareExplain(QueryContext ctx)
    {
        var db = ctx.Session.Database;
        var runtime = db.GetTable(table);
        var column = table.Columns[vectorOrdinal];
        int dimensions = column.Type.Modifier > 0 ? column.Type.Modifier : 1;
        _describe = db.DeviceScans.Describe;
        _plannedBackend = db.DeviceScans.Choose(
            ctx.Session.Settings.Get("diskann.backend", false), column.Type, operatorName, runtime.Data.SlotCount, dimensions, queries: 1);
        base.PrepareExplain(ctx);
    }

    /// <summary>
    /// Runs the queries of a batch of LATERAL outer rows on the device at once and keeps each one's candidates for its
    /// execution (<see cref="Execute"/> with that outer row), so a table of queries costs one launch per batch instead of
    /// one per query. Does nothing when the backend for the batch is the CPU.
    /// </summary>
    public void Prefetch(QueryContext ctx, EvalContext? outer, IReadOnlyList<object?[]> outerRows)
    {
        var db = ctx.Session.Database;
        var runtime = db.GetTable(table);
        var column = table.Columns[vectorOrdinal];
        int declared = column.Type.Modifier > 0 ? column.Type.Modifier : 1;
        if (outerRows.Count == 0 || Backend(ctx, runtime, declared, outerRows.Count) != ScanBackend.Gpu)
        {
            return;
        }

        var frame = new EvalContext(ctx, outer);
        var eval = new EvalContext(ctx, frame);
        var queries = new List<(object?[] Row, float[] Query, int K)>(outerRows.Count);
        foreach (var row in outerRows)
        {
            frame.Row = row;
            var q = query.Eval(eval);
            if (q is not (float[] or Half[]) || DeviceK(eval) is not int k)
            {
                continue;
            }

            queries.Add((row, q is float[] f ? f : Widen((Half[])q), k));
        }

        if (queries.Count == 0)
        {
            return;
        }

        int dimensions = queries[0].Query.Length;
        if (queries.Exists(x => x.Query.Length != dimensions)
            || Backend(ctx, runtime, dimensions, queries.Count) != ScanBackend.Gpu
            || db.DeviceScans.Mirror(runtime, vectorOrdinal, dimensions, db.OldestSnapshot()) is not { } mirror)
        {
            return;
        }

        int kk = queries.Max(x => x.K);
        var flat = ArrayPool<float>.Shared.Rent(queries.Count * dimensions);
        try
        {
            for (int i = 0; i < queries.Count; i++)
            {
                queries[i].Query.CopyTo(flat, i * dimensions);
            }

            var ids = new uint[queries.Count * kk];
            var distances = new float[queries.Count * kk];
            int found = mirror.Search(DeviceScanBackend.MetricOf(operatorName)!.Value, flat.AsSpan(0, queries.Count * dimensions), kk, ids, distances);
            ctx.DistanceComputations += (long)mirror.Count * queries.Count;
            ctx.DeviceSearches++;
            DatabaseMetrics.GpuQueries(queries.Count);
            var cache = ctx.PrefetchedCandidates(this);
            for (int i = 0; i < queries.Count; i++)
            {
                cache[queries[i].Row] = new DeviceCandidates(ids.AsMemory(i * kk, found), distances.AsMemory(i * kk, found), kk, mirror.Count);
            }
        }
        catch (Exception e) when (e is Index.Gpu.GpuBudgetExceededException or ObjectDisposedException)
        {
            // The CPU answers each query when it runs.
        }
        finally
        {
            ArrayPool<float>.Shared.Return(flat);
        }
    }

    /// <summary>
    /// The ordered (distance, row id) pairs of the best <paramref name="keep"/> rows, found on the device; null when the
    /// CPU scan must answer.
    /// </summary>
    private (double Distance, long RowId)[]? RunOnDevice(
        QueryContext ctx, EvalContext eval, EvalContext? outer, object q, long keep, PendingTableChanges? pending)
    {
        if (keep > MaxDeviceK)
        {
            return null;
        }

        var db = ctx.Session.Database;
        var runtime = db.GetTable(table);
        float[] vector = q is float[] f ? f : Widen((Half[])q);
        DeviceCandidates? prefetched = outer is not null && ctx.TakePrefetched(this, outer.Row) is { } c ? c : null;
        if (prefetched is null && Backend(ctx, runtime, vector.Length, 1) != ScanBackend.Gpu)
        {
            return null;
        }

        var mirror = db.DeviceScans.Mirror(runtime, vectorOrdinal, vector.Length, db.OldestSnapshot());
        if (mirror is null)
        {
            return null;
        }

        var metric = DeviceScanBackend.MetricOf(operatorName)!.Value;
        var data = runtime.Data;
        var best = new List<(double Distance, long RowId)>();
        int kk = prefetched?.K ?? (int)Math.Min(Math.Max((keep * 2) + 16, 64), Math.Max(1, mirror.Count));
        try
        {
            while (true)
            {
                DeviceCandidates candidates;
                if (prefetched is { } p && p.K >= kk)
                {
                    candidates = p;
                    prefetched = null;
                }
                else
                {
                    var ids = new uint[kk];
                    var distances = new float[kk];
                    int found = mirror.Search(metric, vector, kk, ids, distances);
                    ctx.DistanceComputations += mirror.Count;
                    ctx.DeviceSearches++;
                    DatabaseMetrics.GpuQueries(1);
                    candidates = new DeviceCandidates(ids.AsMemory(0, found), distances.AsMemory(0, found), kk, mirror.Count);
                }

                best.Clear();
                var ids2 = candidates.Ids.Span;
                var dists = candidates.Distances.Span;
                for (int i = 0; i < ids2.Length && best.Count < keep; i++)
                {
                    long rowId = ids2[i];
                    if (data.Get(rowId) is not { } row || !row.IsVisible(ctx.Snapshot) || pending?.Deleted.Contains(rowId) == true)
                    {
                        continue;
                    }

                    if (filter is not null)
                    {
                        eval.Row = row.Values;
                        if (filter.Eval(eval) is not true)
                        {
                            continue;
                        }
                    }

                    best.Add((ToSqlDistance(metric, dists[i]), rowId));
                }

                bool exhausted = candidates.Ids.Length < candidates.K;
                if (best.Count >= keep || exhausted)
                {
                    if (best.Count < keep)
                    {
                        // Fewer non-NULL rows than the limit: the NULL rows come after them, and the CPU scan lists those.
                        return null;
                    }

                    break;
                }

                if (candidates.K >= candidates.Slots || (long)kk * 4 > Math.Max(MaxDeviceK * 4L, candidates.Slots / 2))
                {
                    return null;
                }

                kk = (int)Math.Min((long)kk * 4, candidates.Slots);
            }
        }
        catch (Exception e) when (e is Index.Gpu.GpuBudgetExceededException or ObjectDisposedException)
        {
            return null;
        }

        if (pending is not null && !MergePending(ctx, eval, q, pending, best))
        {
            return null;
        }

        best.Sort(static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.RowId.CompareTo(b.RowId));
        LastBackend = ScanBackend.Gpu;
        _executed = true;
        _describe = db.DeviceScans.Describe;
        return [.. best.Take((int)keep)];
    }

    /// <summary>Adds the transaction's own inserted rows; false when one has a NULL vector (the CPU scan orders those).</summary>
    private bool MergePending(QueryContext ctx, EvalContext eval, object q, PendingTableChanges pending, List<(double, long)> best)
    {
        for (int i = 0; i < pending.Inserted.Count; i++)
        {
            if (pending.Inserted[i] is not { } values)
            {
                continue;
            }

            if (filter is not null)
            {
                eval.Row = values;
                if (filter.Eval(eval) is not true)
                {
                    continue;
                }
            }

            if (values[vectorOrdinal] is not { } v)
            {
                return false;
            }

            double d = distance(v, q);
            ctx.DistanceComputations++;
            best.Add((double.IsNaN(d) ? double.PositiveInfinity : d, PendingTableChanges.PendingId(i)));
        }

        return true;
    }

    private ScanBackend Backend(QueryContext ctx, Storage.Tables.TableRuntime runtime, int dimensions, int queries)
    {
        var db = ctx.Session.Database;
        return db.DeviceScans.Choose(
            ctx.Session.Settings.Get("diskann.backend", false), table.Columns[vectorOrdinal].Type, operatorName, runtime.Data.SlotCount,
            dimensions, queries);
    }

    /// <summary>LIMIT + OFFSET of one execution when the device can select that many, else null.</summary>
    private int? DeviceK(EvalContext eval)
    {
        long k = limit.Eval(eval) is { } l ? SqlValues.ToInt64(l) : long.MaxValue;
        long skip = offset?.Eval(eval) is { } o ? SqlValues.ToInt64(o) : 0;
        long keep = k == long.MaxValue || k < 0 || skip < 0 ? long.MaxValue : k + skip;
        return keep is > 0 and <= MaxDeviceK ? (int)Math.Max((keep * 2) + 16, 64) : null;
    }

    /// <summary>The SQL operator's value from the kernel's: L2 comes back squared.</summary>
    private static double ToSqlDistance(Index.Distance.Metric metric, float distance)
    {
        double d = metric == Index.Distance.Metric.L2 ? Math.Sqrt(distance) : distance;
        return double.IsNaN(d) ? double.PositiveInfinity : d;
    }

    private static float[] Widen(Half[] values)
    {
        var floats = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            floats[i] = (float)values[i];
        }

        return floats;
    }
}

/// <summary>
/// One query's candidates from the device: slot ids and kernel distances, ascending; <see cref="K"/> asked for, of
/// <see cref="Slots"/> slots in the mirror (fewer returned than asked means every live slot is in the list).
/// </summary>
internal sealed record DeviceCandidates(ReadOnlyMemory<uint> Ids, ReadOnlyMemory<float> Distances, int K, int Slots);

using AnnSql.Sql.Catalog;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Execution.Gpu;
using AnnSql.Sql.Transactions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Execution.Plan;

/// <summary>
/// Exact k-nearest-neighbour scan for <c>ORDER BY col &lt;op&gt; q LIMIT k</c>: one pass over the visible rows that pass the
/// filter, distances from the SIMD kernels, and a bounded max-heap of the k best (distance, row id) pairs; never a full sort.
/// Rows come out in exact distance order, ties broken by row id. NaN distances sort last, as PostgreSQL orders NaN. With
/// <c>diskann.backend</c> choosing the GPU, the distances and the selection run on the device instead
/// (VectorTopKNode.Device.cs); the rows are the same.
/// </summary>
public sealed partial class VectorTopKNode(
    TableInfo table,
    string alias,
    IReadOnlyList<OutputColumn> columns,
    int vectorOrdinal,
    string operatorName,
    BoundExpr query,
    BoundExpr limit,
    BoundExpr? offset,
    BoundExpr? filter,
    Func<object, object, double> distance) : PlanNode
{
    private sealed class WorstFirst : IComparer<(double Distance, long RowId)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((double Distance, long RowId) x, (double Distance, long RowId) y)
        {
            int c = y.Distance.CompareTo(x.Distance);
            return c != 0 ? c : y.RowId.CompareTo(x.RowId);
        }
    }

    public override IReadOnlyList<OutputColumn> Columns => columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        var eval = new EvalContext(ctx, outer);
        var q = query.Eval(eval);
        long k = limit.Eval(eval) is { } l ? SqlValues.ToInt64(l) : long.MaxValue;
        long skip = offset?.Eval(eval) is { } o ? SqlValues.ToInt64(o) : 0;
        if (k < 0)
        {
            throw new Errors.SqlException("2201W", "LIMIT must not be negative");
        }

        long keep = k == long.MaxValue ? long.MaxValue : k + skip;
        if (keep == 0)
        {
            yield break;
        }

        var pending = ctx.Session.Transaction?.Find(table.Oid);
        List<long>? nullRows = null;
        var ordered = q is (float[] or Half[]) ? RunOnDevice(ctx, eval, outer, q, keep, pending) : null;
        if (ordered is null)
        {
            LastBackend = ScanBackend.Cpu;
            _executed = true;
            (ordered, nullRows) = ScanCpu(ctx, eval, q, keep);
        }

        var data = ctx.Session.Database.GetTable(table).Data;
        long emitted = 0;
        foreach (long rowId in ordered.Select(x => x.RowId).Concat(nullRows ?? []))
        {
            if (emitted >= keep)
            {
                yield break;
            }

            emitted++;
            if (emitted <= skip)
            {
                continue;
            }

            yield return rowId >= 0 ? data.Get(rowId)!.Values : pending!.Inserted[PendingTableChanges.PendingIndex(rowId)]!;
        }
    }

    /// <summary>The CPU scan: every visible row through the filter and the SIMD distance, a bounded heap of the best.</summary>
    private ((double Distance, long RowId)[] Ordered, List<long> NullRows) ScanCpu(QueryContext ctx, EvalContext eval, object? q, long keep)
    {
        var heap = new PriorityQueue<(double, long), (double, long)>(WorstFirst.Instance);
        var nullRows = new List<long>();
        long computations = 0;
        foreach (var (rowId, values) in SeqScanNode.Scan(ctx, table))
        {
            if (filter is not null)
            {
                eval.Row = values;
                if (filter.Eval(eval) is not true)
                {
                    continue;
                }
            }

            var v = values[vectorOrdinal];
            if (v is null || q is null)
            {
                // NULL distances sort after every value (ORDER BY ... ASC NULLS LAST).
                nullRows.Add(rowId);
                continue;
            }

            double d = distance(v, q);
            computations++;
            if (double.IsNaN(d))
            {
                d = double.PositiveInfinity;
            }

            var item = (d, rowId);
            if (heap.Count < keep)
            {
                heap.Enqueue(item, item);
            }
            else if (WorstFirst.Instance.Compare(item, heap.Peek()) > 0)
            {
                heap.EnqueueDequeue(item, item);
            }
        }

        ctx.DistanceComputations += computations;
        var ordered = new (double Distance, long RowId)[heap.Count];
        for (int i = ordered.Length - 1; i >= 0; i--)
        {
            ordered[i] = heap.Dequeue();
        }

        return (ordered, nullRows);
    }

    public override string ExplainLabel => alias == table.Name ? $"Seq Scan on {table.Name}" : $"Seq Scan on {table.Name} {alias}";

    public override IEnumerable<string> ExplainDetails
    {
        get
        {
            var lines = new List<string>
            {
                $"Exact Top-K: {columns[vectorOrdinal].Name} {operatorName} {query.Fingerprint}",
                $"Backend: {ExplainBackend}",
            };
            if (filter is not null)
            {
                lines.Add($"Filter: {filter.Fingerprint}");
            }

            return lines;
        }
    }
}

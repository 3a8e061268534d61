using System.Buffers;
using System.Globalization;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Indexing;
using AnnSql.Sql.Transactions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Execution.Plan;

/// <summary>
/// <c>[WHERE p] ORDER BY col &lt;op&gt; q LIMIT k</c> answered by a diskann index: GreedySearch over the Vamana graph with
/// list size L = max(<c>diskann.l_search</c>, k + offset), then the candidates that are visible to the statement and pass
/// the filter, plus the rows committed since the index last caught up and the transaction's own inserts (both exactly),
/// ranked by the exact distance. When invisible (deleted) or filtered-out points crowd the list, the search continues
/// with L doubled (iterative search) until k rows are found; past a budget (L above an eighth of the graph, where a walk
/// costs about as much as a scan) it runs the exact scan. Rows always come out in exact distance order, ties by row id.
/// While the index is not built, when the query vector is NULL or of other dimensions, or when the graph cannot supply
/// k rows, it runs the exact scan instead, so it never returns fewer rows than the exact scan.
/// </summary>
public sealed class VectorIndexScanNode(
    IndexInfo index,
    VectorTopKNode exact,
    TableInfo table,
    IReadOnlyList<OutputColumn> columns,
    int vectorOrdinal,
    string operatorName,
    BoundExpr query,
    BoundExpr limit,
    BoundExpr? offset,
    BoundExpr? filter,
    Func<object, object, double> distance,
    int plannedSearchListSize) : PlanNode
{
    private int _searchListSize = plannedSearchListSize;
    private long _hops;
    private string? _fallback;
    private long _removedByFilter;

    public override IReadOnlyList<OutputColumn> Columns => columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        var eval = new EvalContext(ctx, outer);
        var q = query.Eval(eval);
        long k = limit.Eval(eval) is { } l ? SqlValues.ToInt64(l) : long.MaxValue;
        long skip = offset?.Eval(eval) is { } o ? SqlValues.ToInt64(o) : 0;
        long keep = k == long.MaxValue ? long.MaxValue : k + skip;
        var runtime = ctx.Session.Database.GetTable(table.Oid);
        var vectorIndex = runtime.VectorIndexes.FirstOrDefault(v => v.Info.Oid == index.Oid);
        _fallback = vectorIndex?.State != VectorIndexState.Ready ? "index not built yet"
            : q is null ? "query vector is NULL"
            : Dimensions(q) != vectorIndex.Dimensions ? "query dimensions differ"
            : k < 0 || keep > int.MaxValue / 4 ? "no usable LIMIT"
            : null;
        if (_fallback is not null || vectorIndex!.Graph is not { } graph)
        {
            foreach (var row in exact.Execute(ctx, outer))
            {
                yield return row;
            }

            yield break;
        }

        int want = (int)keep;
        if (want == 0)
        {
            yield break;
        }

        float[] queryVector = new float[vectorIndex.Dimensions];
        VectorIndex.CopyVector(q!, queryVector);
        var data = runtime.Data;
        var pending = ctx.Session.Transaction?.Find(table.Oid);
        long snapshot = ctx.Snapshot;
        long watermark = vectorIndex.IndexedSlots;
        var candidates = new List<(double Distance, long RowId)>();
        long computations = 0;
        int searchList = Math.Max(Math.Max(ctx.Session.Settings.GetInt("diskann.l_search"), 1), want);
        int budget = Math.Max(searchList, graph.Count / 8);
        _searchListSize = searchList;
        _hops = 0;
        _removedByFilter = 0;
        bool overBudget = false;
        while (true)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            uint[] ids = ArrayPool<uint>.Shared.Rent(searchList);
            float[] distances = ArrayPool<float>.Shared.Rent(searchList);
            try
            {
                int found = graph.Search(queryVector, searchList, ids.AsSpan(0, searchList), distances.AsSpan(0, searchList), out var stats);
                _hops += stats.Hops;
                computations += stats.DistanceComputations;
                candidates.Clear();
                long removed = 0;
                for (int i = 0; i < found; i++)
                {
                    long rowId = vectorIndex.RowIdOf(ids[i]);
                    if (rowId >= 0 && rowId < watermark && SeqScanNode.VisibleValues(data.Get(rowId), snapshot, pending) is { } values
                        && values[vectorOrdinal] is { } v)
                    {
                        if (!Passes(eval, values))
                        {
                            removed++;
                            continue;
                        }

                        candidates.Add((Rank(distance(v, q!)), rowId));
                        computations++;
                    }
                }

                _removedByFilter = removed;
                if (candidates.Count >= want || found < searchList || searchList >= graph.Count)
                {
                    break;
                }

                if (searchList >= budget)
                {
                    overBudget = true;
                    break;
                }

                searchList = (int)Math.Min(Math.Min(searchList * 2L, graph.Count), budget);
                _searchListSize = searchList;
            }
            finally
            {
                ArrayPool<uint>.Shared.Return(ids);
                ArrayPool<float>.Shared.Return(distances);
            }
        }

        // Rows committed since the index last caught up, and the transaction's own inserts, are ranked exactly.
        var slots = data.Slots;
        for (long rowId = watermark; rowId < slots.Length && !overBudget; rowId++)
        {
            if (SeqScanNode.VisibleValues(slots[(int)rowId], snapshot, pending) is { } values && values[vectorOrdinal] is { } v && Passes(eval, values))
            {
                candidates.Add((Rank(distance(v, q!)), rowId));
                computations++;
            }
        }

        if (pending is not null)
        {
            for (int i = 0; i < pending.Inserted.Count; i++)
            {
                if (pending.Inserted[i] is { } values && values[vectorOrdinal] is { } v && Passes(eval, values))
                {
                    candidates.Add((Rank(distance(v, q!)), PendingTableChanges.PendingId(i)));
                    computations++;
                }
            }
        }

        ctx.DistanceComputations += computations;
        if (candidates.Count < want || overBudget)
        {
            // The graph walk could not supply k visible rows that pass the filter within its budget (a selective filter,
            // rows without a vector, unreachable points): the exact scan can.
            _fallback = overBudget ? "filter too selective for the graph search" : "fewer than k rows found in the graph";
            foreach (var row in exact.Execute(ctx, outer))
            {
                yield return row;
            }

            yield break;
        }

        candidates.Sort((a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.RowId.CompareTo(b.RowId));
        for (long i = skip; i < want; i++)
        {
            long rowId = candidates[(int)i].RowId;
            yield return rowId >= 0 ? data.Get(rowId)!.Values : pending!.Inserted[PendingTableChanges.PendingIndex(rowId)]!;
        }
    }

    /// <summary>True when there is no filter or the row passes it.</summary>
    private bool Passes(EvalContext eval, object?[] values)
    {
        if (filter is null)
        {
            return true;
        }

        eval.Row = values;
        return filter.Eval(eval) is true;
    }

    /// <summary>NaN ranks after every number, as PostgreSQL orders NaN.</summary>
    private static double Rank(double d) => double.IsNaN(d) ? double.PositiveInfinity : d;

    private static int Dimensions(object vector) => vector switch
    {
        float[] f => f.Length,
        Half[] h => h.Length,
        _ => -1,
    };

    public override string ExplainLabel => $"Index Scan using {index.Name} on {table.Name}";

    public override IEnumerable<string> ExplainDetails
    {
        get
        {
            yield return $"Order By: ({columns[vectorOrdinal].Name} {operatorName} {query.Fingerprint})";
            if (filter is not null)
            {
                yield return $"Filter: {filter.Fingerprint}";
            }

            yield return string.Create(CultureInfo.InvariantCulture, $"Search List Size: {_searchListSize}");
            if (filter is not null && _hops > 0)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"Rows Removed by Filter: {_removedByFilter}");
            }

            if (_hops > 0)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"Hops: {_hops}");
            }

            if (_fallback is not null)
            {
                yield return $"Exact Scan Instead: {_fallback}";
            }
        }
    }
}

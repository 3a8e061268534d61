using System.Buffers;
using System.Globalization;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Indexing;
using AnnSql.Sql.Transactions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Execution.Plan;

/// <summary>
/// <c>ORDER BY col &lt;op&gt; q LIMIT k</c> answered by a diskann index: GreedySearch over the Vamana graph with list size
/// L = max(<c>diskann.l_search</c>, k + offset), then the candidates that are visible to the statement, plus the rows
/// committed since the index last caught up and the transaction's own inserts (both exactly), ranked by the exact
/// distance. When invisible (deleted) points crowd the list, L doubles until k rows are found or the graph is exhausted.
/// Rows always come out in exact distance order, ties by row id. While the index is not built, when the query vector is
/// NULL or of other dimensions, or when the graph cannot supply k rows, it runs the exact scan instead, so it never
/// returns fewer rows than the exact scan.
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
    Func<object, object, double> distance,
    int plannedSearchListSize) : PlanNode
{
    private int _searchListSize = plannedSearchListSize;
    private long _hops;
    private string? _fallback;

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
        _searchListSize = searchList;
        _hops = 0;
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
                for (int i = 0; i < found; i++)
                {
                    long rowId = vectorIndex.RowIdOf(ids[i]);
                    if (rowId >= 0 && rowId < watermark && Visible(data.Get(rowId), snapshot, pending) is { } values
                        && values[vectorOrdinal] is { } v)
                    {
                        candidates.Add((Rank(distance(v, q!)), rowId));
                        computations++;
                    }
                }

                if (candidates.Count >= want || found < searchList || searchList >= graph.Count)
                {
                    break;
                }

                searchList = (int)Math.Min(searchList * 2L, graph.Count);
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
        for (long rowId = watermark; rowId < slots.Length; rowId++)
        {
            if (Visible(slots[(int)rowId], snapshot, pending) is { } values && values[vectorOrdinal] is { } v)
            {
                candidates.Add((Rank(distance(v, q!)), rowId));
                computations++;
            }
        }

        if (pending is not null)
        {
            for (int i = 0; i < pending.Inserted.Count; i++)
            {
                if (pending.Inserted[i] is { } values && values[vectorOrdinal] is { } v)
                {
                    candidates.Add((Rank(distance(v, q!)), PendingTableChanges.PendingId(i)));
                    computations++;
                }
            }
        }

        ctx.DistanceComputations += computations;
        ctx.IndexHops += _hops;
        if (candidates.Count < want)
        {
            // The graph walk could not supply k visible rows (rows without a vector, unreachable points): the exact scan can.
            _fallback = "fewer than k rows found in the graph";
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

    /// <summary>The row's values when it is visible to the statement (committed in its snapshot, not deleted by it).</summary>
    private static object?[]? Visible(Storage.Tables.RowVersion? row, long snapshot, PendingTableChanges? pending) =>
        row is not null && row.IsVisible(snapshot) && (pending is null || !pending.Deleted.Contains(row.RowId)) ? row.Values : null;

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
            yield return string.Create(CultureInfo.InvariantCulture, $"Search List Size: {_searchListSize}");
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

using System.Buffers;
using System.Globalization;
using AnnSql.Index.Vamana;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Indexing;
using AnnSql.Sql.Session;
using AnnSql.Sql.Storage.Tables;
using AnnSql.Sql.Transactions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Execution.Plan;

/// <summary>How a diskann index scan finds its rows.</summary>
public enum IndexScanStrategy
{
    /// <summary>GreedySearch over the whole graph; no filter.</summary>
    GraphSearch,

    /// <summary>GreedySearch over the whole graph with a filter the index cannot answer, L growing until k rows pass.</summary>
    IterativeGraphSearch,

    /// <summary>Filtered GreedySearch from the labels' start points, visiting only points that carry a wanted label.</summary>
    FilteredGraphSearch,

    /// <summary>Exact distances to every point on the labels' posting lists.</summary>
    LabelPostingScan,

    /// <summary>The exact scan of the whole table.</summary>
    ExactScan,
}

/// <summary>
/// <c>[WHERE p] ORDER BY col &lt;op&gt; q LIMIT k</c> answered by a diskann index. The strategy is chosen per execution:
/// <list type="bullet">
/// <item>No filter: GreedySearch with list size L = max(<c>diskann.l_search</c>, k + offset).</item>
/// <item>A label predicate the index answers (<see cref="LabelPredicate"/>): its selectivity is estimated from the exact
/// per-label counts; when the matching rows are few (at most <see cref="PostingScanRowsPerListEntry"/> × L) their posting
/// lists are scanned exactly, otherwise a filtered GreedySearch (Filtered-DiskANN) walks only the points carrying a wanted
/// label.</item>
/// <item>Any other filter: iterative search, GreedySearch with L doubled until k visible rows pass the filter or L reaches
/// an eighth of the graph (where a walk costs about as much as a scan).</item>
/// </list>
/// Candidates are checked for visibility and the rest of the filter, joined by the rows committed since the index last
/// caught up and the transaction's own inserts (both ranked exactly), and returned in exact distance order, ties by row id.
/// A graph walk that cannot supply k rows falls back to the posting-list scan (label predicates) or the exact scan, so a
/// query never returns fewer rows than the exact scan would. <c>diskann.iterative_search = off</c> stops a walk from growing
/// L: one walk, then the fallback.
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
    LabelPredicate? labels,
    BoundExpr? residual,
    Func<object, object, double> distance) : PlanNode
{
    /// <summary>
    /// A posting-list scan is chosen while the estimated matching rows are at most this many times the search list size: a
    /// filtered walk with list size L computes about that many distances (hops × fresh neighbours carrying the label).
    /// </summary>
    public const int PostingScanRowsPerListEntry = 32;

    private Report _report = new();

    public override IReadOnlyList<OutputColumn> Columns => columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    /// <summary>Chooses the strategy for plain EXPLAIN, with the statement's parameters, without running the scan.</summary>
    public override void PrepareExplain(QueryContext ctx)
    {
        var report = new Report();
        var eval = new EvalContext(ctx, null);
        var vectorIndex = FindRuntime(ctx.Session.Database.GetTable(table));
        if (vectorIndex?.State != VectorIndexState.Ready || vectorIndex.Graph is null)
        {
            report.Strategy = IndexScanStrategy.ExactScan;
            report.Fallback = "index not built yet";
        }
        else
        {
            int searchList = SearchListSize(ctx.Session.Settings, limit.IsConstant && limit.Eval(eval) is { } l ? SqlValues.ToInt64(l) : 0);
            Decide(eval, vectorIndex, searchList, report);
            report.SearchListSize = searchList;
        }

        _report = report;
    }

    private VectorIndex? FindRuntime(TableRuntime runtime) => runtime.VectorIndexes.FirstOrDefault(v => v.Info.Oid == index.Oid);

    private static int SearchListSize(SessionSettings settings, long want) =>
        (int)Math.Max(Math.Max(settings.GetInt("diskann.l_search"), 1), Math.Min(want, int.MaxValue / 4));

    /// <summary>The strategy for this execution's label values, with its selectivity estimate; returns the query labels.</summary>
    private int[]? Decide(EvalContext eval, VectorIndex vectorIndex, int searchList, Report report)
    {
        report.Strategy = filter is null ? IndexScanStrategy.GraphSearch : IndexScanStrategy.IterativeGraphSearch;
        report.DiskResident = vectorIndex.Options.Storage == DiskAnnStorage.Disk;
        if (report.DiskResident)
        {
            report.BeamWidth = Math.Max(1, eval.Execution.Session.Settings.GetInt("diskann.beam_width"));
            report.Rescore = Math.Max(0, eval.Execution.Session.Settings.GetInt("diskann.rescore"));
        }

        if (labels is null || report.DiskResident)
        {
            // The disk file carries no labels: a label predicate is a filter like any other there.
            return null;
        }

        var stats = vectorIndex.Statistics;
        int[]? wanted = labels.Evaluate(eval);
        if (wanted is not null && labels.Match == LabelMatch.AllOf && wanted.Length == 0)
        {
            // labels @> '{}' holds for every row with labels: nothing for the index to narrow down.
            return null;
        }

        long live = stats.LiveRows;
        long estimate = 0;
        if (wanted is not null)
        {
            estimate = labels.Match == LabelMatch.AnyOf ? 0 : long.MaxValue;
            foreach (int label in wanted)
            {
                long count = stats.Count(label);
                estimate = labels.Match == LabelMatch.AnyOf ? estimate + count : Math.Min(estimate, count);
            }

            estimate = Math.Min(estimate, live);
        }

        report.EstimatedRows = estimate;
        report.LiveRows = live;
        report.Strategy = estimate <= (long)PostingScanRowsPerListEntry * searchList
            ? IndexScanStrategy.LabelPostingScan
            : IndexScanStrategy.FilteredGraphSearch;
        return wanted ?? [];
    }

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        var report = new Report();
        _report = report;
        var eval = new EvalContext(ctx, outer);
        var q = query.Eval(eval);
        long k = limit.Eval(eval) is { } l ? SqlValues.ToInt64(l) : long.MaxValue;
        long skip = offset?.Eval(eval) is { } o ? SqlValues.ToInt64(o) : 0;
        long keep = k == long.MaxValue ? long.MaxValue : k + skip;
        var runtime = ctx.Session.Database.GetTable(table);
        var vectorIndex = FindRuntime(runtime);
        report.Fallback = vectorIndex?.State != VectorIndexState.Ready ? "index not built yet"
            : q is null ? "query vector is NULL"
            : Dimensions(q) != vectorIndex.Dimensions ? "query dimensions differ"
            : k < 0 || keep > int.MaxValue / 4 ? "no usable LIMIT"
            : null;
        if (report.Fallback is not null || vectorIndex!.Current is not { } indexed)
        {
            report.Strategy = IndexScanStrategy.ExactScan;
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

        int searchList = SearchListSize(ctx.Session.Settings, want);
        report.SearchListSize = searchList;
        int[]? wanted = Decide(eval, vectorIndex, searchList, report);
        indexed = AcquireGeneration(vectorIndex, indexed);
        var scan = new ScanState(ctx, eval, runtime.Data, vectorIndex, indexed, q!, distance, want, ctx.Session.Transaction?.Find(table.Oid));
        bool growList = !string.Equals(ctx.Session.Settings.Get("diskann.iterative_search", false), "off", StringComparison.OrdinalIgnoreCase);
        bool complete;
        try
        {
            complete = SearchIndex(scan, wanted, searchList, growList, report);
        }
        finally
        {
            indexed.Disk?.Index.Release();
        }

        if (complete)
        {
            AddUnindexedRows(scan);
            complete = scan.Candidates.Count >= want || (report.Strategy == IndexScanStrategy.LabelPostingScan && !scan.MayMissRowsWithoutVector);
        }

        ctx.DistanceComputations += scan.Computations;
        IndexMetrics.Search(index.Name, report.DiskResident, scan.Computations, report.Hops, report.SectorReads, report.CacheHits);
        if (!complete)
        {
            report.Fallback ??= "fewer than k rows found in the graph";
            foreach (var row in exact.Execute(ctx, outer))
            {
                yield return row;
            }

            yield break;
        }

        var candidates = scan.Candidates;
        candidates.Sort(CompareCandidates);
        for (long i = skip; i < Math.Min(want, candidates.Count); i++)
        {
            long rowId = candidates[(int)i].RowId;
            yield return rowId >= 0 ? runtime.Data.Get(rowId)!.Values : scan.Pending!.Inserted[PendingTableChanges.PendingIndex(rowId)]!;
        }
    }

    /// <summary>
    /// Takes a reference on the disk file of <paramref name="indexed"/> (a <c>storage = 'disk'</c> index) so a merge that
    /// replaces the generation meanwhile cannot close the file under the search; a generation already replaced is passed
    /// over for the current one. The caller releases the reference.
    /// </summary>
    private static IndexedGraph AcquireGeneration(VectorIndex vectorIndex, IndexedGraph indexed)
    {
        while (indexed.Disk is { } disk && !disk.Index.TryAcquire())
        {
            indexed = vectorIndex.Current ?? indexed;
        }

        return indexed;
    }

    /// <summary>
    /// Collects the indexed candidates with the chosen strategy; false when the index could not supply k rows. Holds a
    /// read scope on the graph throughout: point ids and posting lists are looked up after the graph returns them, and
    /// consolidation must not recycle them meanwhile.
    /// </summary>
    private bool SearchIndex(ScanState scan, int[]? wanted, int searchList, bool growList, Report report)
    {
        using var scope = scan.Graph.EnterReadScope();
        switch (report.Strategy)
        {
            case IndexScanStrategy.LabelPostingScan:
                return ScanPostings(scan, wanted!, report);
            case IndexScanStrategy.FilteredGraphSearch:
                long budget = Math.Max(searchList, report.EstimatedRows / 8);
                if (WalkGraph(scan, wanted, searchList, budget, growList, report))
                {
                    return true;
                }

                // A filtered walk that cannot find k rows ends in the exact scan of the labels' posting lists.
                (report.Abandoned, report.Fallback) = (report.Fallback, null);
                scan.Candidates.Clear();
                return ScanPostings(scan, wanted!, report);
            default:
                return WalkGraph(scan, null, searchList, Math.Max(searchList, scan.Indexed.Points / 8), growList, report);
        }
    }

    /// <summary>
    /// GreedySearch (filtered by <paramref name="wanted"/> labels when given), keeping visible points that pass the rest of
    /// the filter; doubles L while fewer than k rows pass, up to <paramref name="budget"/>. False when the walk could not
    /// supply k rows.
    /// </summary>
    private bool WalkGraph(ScanState scan, int[]? wanted, int searchList, long budget, bool growList, Report report)
    {
        var graph = scan.Graph;
        var candidates = scan.Candidates;
        bool allOf = wanted is not null && labels!.Match == LabelMatch.AllOf;
        // An all-of predicate walks the subgraph of its rarest label and checks the other labels on each point.
        int[]? walkLabels = allOf ? [Rarest(scan.Index.Statistics, wanted!)] : wanted;

        BoundExpr? check = wanted is null ? filter : residual;
        while (true)
        {
            scan.Context.Cancellation.ThrowIfCancellationRequested();
            report.SearchListSize = searchList;
            uint[] ids = ArrayPool<uint>.Shared.Rent(searchList);
            float[] distances = ArrayPool<float>.Shared.Rent(searchList);
            try
            {
                candidates.Clear();
                long removed = 0;
                if (scan.Indexed.Disk is { } disk)
                {
                    removed += SearchDisk(scan, disk, searchList, check, report);
                }

                int found = 0;
                if (graph.Count > 0)
                {
                    VamanaSearchStats stats;
                    found = wanted is null
                        ? graph.Search(scan.QueryVector, searchList, ids.AsSpan(0, searchList), distances.AsSpan(0, searchList), out stats)
                        : graph.Search(scan.QueryVector, searchList, walkLabels, ids.AsSpan(0, searchList), distances.AsSpan(0, searchList), out stats);
                    report.Hops += stats.Hops;
                    scan.Computations += stats.DistanceComputations;
                }

                for (int i = 0; i < found; i++)
                {
                    if (allOf && !LabelPredicate.Matches(LabelMatch.AllOf, graph.GetLabels(ids[i]), wanted))
                    {
                        removed++;
                        continue;
                    }

                    switch (scan.Accept(scan.Indexed.RowIdOf(ids[i]), check))
                    {
                        case Acceptance.Accepted:
                            break;
                        case Acceptance.Filtered:
                            removed++;
                            break;
                    }
                }

                report.RemovedByFilter = removed;
                if (candidates.Count >= scan.Want)
                {
                    return true;
                }

                // Tombstoned points take places in ℒ without being returned, so a short result alone does not mean
                // the graph is exhausted: only a list as long as the graph does.
                if (searchList >= scan.Indexed.Points)
                {
                    report.Fallback = "fewer than k rows found in the graph";
                    return false;
                }

                if (!growList || searchList >= budget)
                {
                    report.Fallback = growList ? "filter too selective for the graph search" : "diskann.iterative_search is off";
                    return false;
                }

                searchList = (int)Math.Min(Math.Min(searchList * 2L, scan.Indexed.Points), budget);
            }
            finally
            {
                ArrayPool<uint>.Shared.Return(ids);
                ArrayPool<float>.Shared.Return(distances);
            }
        }
    }

    /// <summary>
    /// Beam search over the SSD-resident file (DiskANN §3.4) with list size <paramref name="searchList"/> and the session's
    /// beam width, keeping the visible nodes that pass <paramref name="check"/>. The file re-ranks its expanded nodes by
    /// full-precision distance; the best max(k, <c>diskann.rescore</c>) of them (with a filter, at least L) become
    /// candidates, which the scan ranks exactly again from the table. Returns the rows removed by the filter.
    /// </summary>
    private static long SearchDisk(ScanState scan, DiskGeneration disk, int searchList, BoundExpr? check, Report report)
    {
        int take = Math.Max(scan.Want, report.Rescore);
        if (check is not null)
        {
            take = Math.Max(take, searchList);
        }

        uint[] ids = ArrayPool<uint>.Shared.Rent(take);
        float[] distances = ArrayPool<float>.Shared.Rent(take);
        try
        {
            int found = disk.Index.Search(scan.QueryVector, searchList, report.BeamWidth, ids.AsSpan(0, take), distances.AsSpan(0, take), out var stats);
            scan.Index.RecordDiskSearch(stats);
            report.Hops += stats.Hops;
            report.SectorReads += stats.SectorReads;
            report.CacheHits += stats.CacheHits;
            report.PqDistances += stats.PqDistances;
            report.FullDistances += stats.FullDistances;
            scan.Computations += stats.PqDistances + stats.FullDistances;
            long removed = 0;
            for (int i = 0; i < found; i++)
            {
                removed += scan.Accept(disk.RowIdOf(ids[i]), check) == Acceptance.Filtered ? 1 : 0;
            }

            return removed;
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(ids);
            ArrayPool<float>.Shared.Return(distances);
        }
    }

    /// <summary>
    /// Exact distances to the points on the posting lists of the wanted labels (each point once), keeping the visible ones
    /// that pass the rest of the filter. Always complete for the indexed rows.
    /// </summary>
    private bool ScanPostings(ScanState scan, int[] wanted, Report report)
    {
        report.Strategy = IndexScanStrategy.LabelPostingScan;
        var graph = scan.Graph;
        long removed = 0;
        if (labels!.Match == LabelMatch.AllOf)
        {
            if (wanted.Length > 0)
            {
                foreach (uint point in graph.GetPostings(Rarest(scan.Index.Statistics, wanted)))
                {
                    if (!LabelPredicate.Matches(LabelMatch.AllOf, graph.GetLabels(point), wanted))
                    {
                        continue;
                    }

                    removed += scan.Accept(scan.Indexed.RowIdOf(point), residual) == Acceptance.Filtered ? 1 : 0;
                    scan.Trim();
                }
            }
        }
        else
        {
            for (int i = 0; i < wanted.Length; i++)
            {
                ReadOnlySpan<int> earlier = wanted.AsSpan(0, i);
                foreach (uint point in graph.GetPostings(wanted[i]))
                {
                    // A point carrying an earlier wanted label was taken from that label's list.
                    if (i > 0 && LabelPredicate.Matches(LabelMatch.AnyOf, graph.GetLabels(point), earlier))
                    {
                        continue;
                    }

                    removed += scan.Accept(scan.Indexed.RowIdOf(point), residual) == Acceptance.Filtered ? 1 : 0;
                    scan.Trim();
                }
            }
        }

        report.RemovedByFilter = removed;
        return true;
    }

    /// <summary>Rows committed since the index last caught up, and the transaction's own inserts, ranked exactly.</summary>
    private void AddUnindexedRows(ScanState scan)
    {
        var slots = scan.Data.Slots;
        for (long rowId = scan.Watermark; rowId < slots.Length; rowId++)
        {
            if (SeqScanNode.VisibleValues(slots[(int)rowId], scan.Context.Snapshot, scan.Pending) is { } values)
            {
                scan.AddExact(rowId, values, filter);
            }
        }

        if (scan.Pending is { } pending)
        {
            for (int i = 0; i < pending.Inserted.Count; i++)
            {
                if (pending.Inserted[i] is { } values)
                {
                    scan.AddExact(PendingTableChanges.PendingId(i), values, filter);
                }
            }
        }
    }

    /// <summary>The wanted label with the fewest live rows.</summary>
    private static int Rarest(IndexStatistics stats, int[] wanted)
    {
        int best = wanted[0];
        long bestCount = stats.Count(best);
        foreach (int label in wanted)
        {
            long count = stats.Count(label);
            if (count < bestCount)
            {
                (best, bestCount) = (label, count);
            }
        }

        return best;
    }

    private static int CompareCandidates((double Distance, long RowId) a, (double Distance, long RowId) b) =>
        a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.RowId.CompareTo(b.RowId);

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
            var report = _report;
            yield return $"Order By: ({columns[vectorOrdinal].Name} {operatorName} {query.Fingerprint})";
            if (labels is not null)
            {
                yield return $"Index Cond: {labels.Condition.Fingerprint}";
            }

            if ((labels is null ? filter : residual) is { } shown)
            {
                yield return $"Filter: {shown.Fingerprint}";
            }

            yield return "Strategy: " + StrategyName(report.Strategy) + (report.LiveRows > 0 || report.EstimatedRows > 0
                ? string.Create(CultureInfo.InvariantCulture,
                    $" (selectivity {(report.LiveRows > 0 ? (double)report.EstimatedRows / report.LiveRows : 0):F4}, {report.EstimatedRows} of {report.LiveRows} rows)")
                : "");
            if (report.Strategy != IndexScanStrategy.ExactScan && report.Strategy != IndexScanStrategy.LabelPostingScan)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"Search List Size: {report.SearchListSize}");
            }

            if (filter is not null && ActualRows > 0 && report.Strategy != IndexScanStrategy.ExactScan)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"Rows Removed by Filter: {report.RemovedByFilter}");
            }

            if (report.DiskResident && report.Strategy != IndexScanStrategy.ExactScan)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"Storage: disk (beam width {report.BeamWidth}, rescore {report.Rescore})");
            }

            if (report.Hops > 0)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"Hops: {report.Hops}");
            }

            if (report.SectorReads > 0 || report.CacheHits > 0)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"Sector Reads: {report.SectorReads}  Cache Hits: {report.CacheHits}");
                yield return string.Create(CultureInfo.InvariantCulture, $"Distances: PQ {report.PqDistances}  Full {report.FullDistances}");
            }

            if (report.Abandoned is not null)
            {
                yield return "Graph Search Abandoned: " + report.Abandoned;
            }

            if (report.Fallback is not null)
            {
                yield return "Exact Scan Instead: " + report.Fallback;
            }
        }
    }

    private static string StrategyName(IndexScanStrategy strategy) => strategy switch
    {
        IndexScanStrategy.GraphSearch => "graph search",
        IndexScanStrategy.IterativeGraphSearch => "iterative graph search",
        IndexScanStrategy.FilteredGraphSearch => "filtered graph search",
        IndexScanStrategy.LabelPostingScan => "label posting scan",
        _ => "exact scan",
    };

    /// <summary>What the last execution (or plain EXPLAIN's planning) did, for EXPLAIN.</summary>
    private sealed class Report
    {
        public IndexScanStrategy Strategy;
        public long EstimatedRows;
        public long LiveRows;
        public int SearchListSize;
        public long Hops;
        public long RemovedByFilter;
        public bool DiskResident;
        public int BeamWidth;
        public int Rescore;
        public long SectorReads;
        public long CacheHits;
        public long PqDistances;
        public long FullDistances;
        public string? Abandoned;
        public string? Fallback;
    }

    private enum Acceptance
    {
        Accepted,
        Filtered,
        Invisible,
    }

    /// <summary>One execution's inputs and its candidate list of (exact distance, row id).</summary>
    private sealed class ScanState(QueryContext ctx, EvalContext eval, TableData data, VectorIndex index, IndexedGraph indexed, object query,
        Func<object, object, double> distance, int want, PendingTableChanges? pending)
    {
        public QueryContext Context { get; } = ctx;

        public VectorIndex Index { get; } = index;

        /// <summary>The index generation this scan reads: graph, point → row map and watermark together.</summary>
        public IndexedGraph Indexed { get; } = indexed;

        public VamanaIndex Graph { get; } = indexed.Graph;

        public TableData Data { get; } = data;

        public long Watermark { get; } = indexed.Watermark;

        public int Want { get; } = want;

        public PendingTableChanges? Pending { get; } = pending;

        public float[] QueryVector { get; } = ToFloats(query, index.Dimensions);

        public List<(double Distance, long RowId)> Candidates { get; } = [];

        public long Computations { get; set; }

        /// <summary>A row without a vector passed the filter (the exact scan would return it after every row with one).</summary>
        public bool MayMissRowsWithoutVector { get; private set; } = index.Statistics.RowsWithoutVector > 0;

        /// <summary>Adds indexed row <paramref name="rowId"/> when it is below the watermark, visible and passes <paramref name="check"/>.</summary>
        public Acceptance Accept(long rowId, BoundExpr? check)
        {
            if (rowId < 0 || rowId >= Watermark
                || SeqScanNode.VisibleValues(Data.Get(rowId), Context.Snapshot, Pending) is not { } values
                || values[Index.ColumnOrdinal] is not { } v)
            {
                return Acceptance.Invisible;
            }

            if (!Passes(check, values))
            {
                return Acceptance.Filtered;
            }

            Candidates.Add((Rank(v), rowId));
            return Acceptance.Accepted;
        }

        /// <summary>Adds an unindexed row (or pending insert) when it passes the whole filter.</summary>
        public void AddExact(long rowId, object?[] values, BoundExpr? filter)
        {
            if (!Passes(filter, values))
            {
                return;
            }

            if (values[Index.ColumnOrdinal] is { } v)
            {
                Candidates.Add((Rank(v), rowId));
            }
            else
            {
                MayMissRowsWithoutVector = true;
            }
        }

        /// <summary>Keeps the candidate list near k entries during long scans: sorts and drops the tail now and then.</summary>
        public void Trim()
        {
            if (Candidates.Count >= (4 * Want) + 256)
            {
                Candidates.Sort(CompareCandidates);
                Candidates.RemoveRange(Want, Candidates.Count - Want);
            }
        }

        private double Rank(object v)
        {
            Computations++;
            double d = distance(v, query);
            return double.IsNaN(d) ? double.PositiveInfinity : d;
        }

        private bool Passes(BoundExpr? check, object?[] values)
        {
            if (check is null)
            {
                return true;
            }

            eval.Row = values;
            return check.Eval(eval) is true;
        }

        private static float[] ToFloats(object query, int dimensions)
        {
            float[] vector = new float[dimensions];
            VectorIndex.CopyVector(query, vector);
            return vector;
        }
    }
}

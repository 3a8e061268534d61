using AnnSql.Index.Distance;

namespace AnnSql.Index.Vamana;

public sealed partial class VamanaIndex
{
    /// <summary>
    /// Links point <paramref name="p"/> into the graph, the body of the Vamana build loop (DiskANN §2.3) and of the
    /// FreshDiskANN insert (Algorithm 2): V = GreedySearch(s, x_p, L); N(p) = RobustPrune(p, V ∪ N(p), alpha, R); then for
    /// each j in N(p), p is added to N(j), which is pruned with RobustPrune(j, N(j) ∪ {p}, alpha, R) when it would exceed R.
    /// </summary>
    /// <remarks>
    /// Tombstoned candidates are dropped from the pool (FreshDiskANN, arXiv 2105.09613: no new edges to deleted points),
    /// so p gets no edge to them and they get no back edge to p.
    /// A point with labels F_p is linked as in Filtered-DiskANN (Gollapudi et al., WWW 2023, Algorithms 3 and 4), on top of
    /// the unfiltered search: V also takes the expanded set of the filtered GreedySearch from {st(f) : f ∈ F_p} over the
    /// points sharing a label with p (and, for a point with several labels, of a search within each label that V holds
    /// too few points of: <see cref="SearchScarceLabels{TDistance}"/>), and the prunes are FilteredRobustPrune. The
    /// unfiltered search keeps the whole graph navigable from the medoid; the filtered ones and the label-aware prune keep
    /// each label's subgraph navigable from its start point. A point without labels costs one label-slot read more than
    /// the plain Vamana insert, and its prunes are the plain RobustPrune.
    /// </remarks>
    private void LinkPoint<TDistance>(uint p, float alpha, SearchScratch scratch)
        where TDistance : struct, IDistance
    {
        ReadOnlySpan<float> point = _store.Vector(p);
        int[] labels = _store.Labels(p);
        scratch.PoolCount = 0;
        GreedySearch<TDistance>(point, _options.BuildListSize, default, scratch, collectExpanded: true);
        if (labels.Length != 0)
        {
            GreedySearch<TDistance>(point, _options.BuildListSize, labels, scratch, collectExpanded: true);
            if (labels.Length > 1)
            {
                SearchScarceLabels<TDistance>(point, labels, scratch);
            }
        }

        uint[] outNeighbors;
        lock (_store.LockFor(p))
        {
            foreach (uint j in _store.Neighbors(p))
            {
                if (!_store.IsDeleted(j))
                {
                    scratch.AddToPool(j, Distance<TDistance>(point, j));
                }
            }

            int degree = labels.Length == 0
                ? RobustPrune<TDistance>(p, alpha, scratch)
                : FilteredRobustPrune<TDistance>(p, labels, alpha, scratch);
            outNeighbors = scratch.Pruned.AsSpan(0, degree).ToArray();
            _store.SetNeighbors(p, outNeighbors);
        }

        foreach (uint j in outNeighbors)
        {
            AddBackEdge<TDistance>(j, p, alpha, scratch);
        }
    }

    /// <summary>
    /// For a point with several labels: for each label f of <paramref name="labels"/> that fewer candidates in
    /// <see cref="SearchScratch.Pool"/> carry than f's out-edge quota (<see cref="LabelEdgeQuota"/>), runs a filtered
    /// GreedySearch from st(f) over label f alone, with L = min(L_build, R / 2), appending its expanded set to the pool.
    /// </summary>
    /// <remarks>
    /// The search over any label of F_p (Filtered-DiskANN Algorithm 4) visits points in proportion to their labels'
    /// frequencies, so a label carried by 1% of the points contributes about one candidate in a hundred, and its subgraph
    /// gets almost no edges: on MNIST with Zipf labels, labels of 1–5% had mean recall@10 0.70 at L = 64 without this
    /// search (0.84 with the label quota of FilteredRobustPrune alone), 0.99 with it. A scarce label's subgraph is small,
    /// so searching it is cheap (about 55 distances a point there, against about 1,300 for the two other searches); a
    /// short list suffices because only the label's quota of neighbours is wanted. Frequent labels are already well
    /// represented and are not searched again.
    /// </remarks>
    private void SearchScarceLabels<TDistance>(ReadOnlySpan<float> point, int[] labels, SearchScratch scratch)
        where TDistance : struct, IDistance
    {
        int quota = LabelEdgeQuota(labels.Length);
        int listSize = Math.Min(_options.BuildListSize, Math.Max(1, _options.MaxDegree / 2));
        Span<int> carriers = scratch.EnsureLabelCounts(labels.Length);
        carriers.Clear();
        ReadOnlySpan<Neighbor> pool = scratch.Pool.AsSpan(0, scratch.PoolCount);
        foreach (Neighbor candidate in pool)
        {
            AddShared(_store.Labels(candidate.Id), labels, carriers, 1);
        }

        for (int f = 0; f < labels.Length; f++)
        {
            if (carriers[f] < quota)
            {
                GreedySearch<TDistance>(point, listSize, labels.AsSpan(f, 1), scratch, collectExpanded: true);
            }
        }
    }

    /// <summary>
    /// The out-edges each label of a point with <paramref name="labelCount"/> labels is guaranteed (when it has unoccluded
    /// candidates): a fair share max(1, R / (|F_p| + 1)) of R, the extra share being the unfiltered graph's.
    /// </summary>
    private int LabelEdgeQuota(int labelCount) => Math.Max(1, _options.MaxDegree / (labelCount + 1));

    /// <summary>
    /// Adds <paramref name="delta"/> to <paramref name="counts"/>[i] for each label <paramref name="point"/>[i] that
    /// <paramref name="candidate"/> carries (both sets sorted).
    /// </summary>
    private static void AddShared(ReadOnlySpan<int> candidate, ReadOnlySpan<int> point, Span<int> counts, int delta)
    {
        int i = 0;
        int j = 0;
        while (i < candidate.Length && j < point.Length)
        {
            int a = candidate[i];
            int b = point[j];
            if (a < b)
            {
                i++;
            }
            else if (a > b)
            {
                j++;
            }
            else
            {
                counts[j] += delta;
                i++;
                j++;
            }
        }
    }

    /// <summary>
    /// Adds the edge j → p, running RobustPrune(j, N(j) ∪ {p}, alpha, R) when N(j) is already full (FilteredRobustPrune
    /// when j has labels, Filtered-DiskANN Algorithm 4); the prune drops j's tombstoned neighbours. Nothing is done when j
    /// is tombstoned (a deleted point needs no new edge: its list is only kept for navigation until consolidation) or when
    /// p was deleted while being inserted (no new edge may lead to a tombstoned point).
    /// </summary>
    private void AddBackEdge<TDistance>(uint j, uint p, float alpha, SearchScratch scratch)
        where TDistance : struct, IDistance
    {
        if (_store.IsDeleted(j) || _store.IsDeleted(p))
        {
            return;
        }

        int maxDegree = _options.MaxDegree;
        lock (_store.LockFor(j))
        {
            uint[] current = _store.Neighbors(j);
            if (current.AsSpan().Contains(p))
            {
                return;
            }

            if (current.Length < maxDegree)
            {
                uint[] extended = new uint[current.Length + 1];
                current.CopyTo(extended, 0);
                extended[^1] = p;
                _store.SetNeighbors(j, extended);
                return;
            }

            ReadOnlySpan<float> point = _store.Vector(j);
            scratch.PoolCount = 0;
            foreach (uint k in current)
            {
                if (!_store.IsDeleted(k))
                {
                    scratch.AddToPool(k, Distance<TDistance>(point, k));
                }
            }

            scratch.AddToPool(p, Distance<TDistance>(point, p));
            int[] labels = _store.Labels(j);
            int degree = labels.Length == 0
                ? RobustPrune<TDistance>(j, alpha, scratch)
                : FilteredRobustPrune<TDistance>(j, labels, alpha, scratch);
            _store.SetNeighbors(j, scratch.Pruned.AsSpan(0, degree).ToArray());
        }
    }

    /// <summary>
    /// RobustPrune(p, V, alpha, R) of DiskANN Algorithm 2 over the candidates in <see cref="SearchScratch.Pool"/> (with
    /// their distances to p; duplicates, p itself and tombstoned points are dropped): repeatedly keeps the closest
    /// remaining candidate p* and removes every candidate p' that p* occludes, until R are kept or none remain. Writes the
    /// kept ids to <see cref="SearchScratch.Pruned"/>, closest first, and returns how many.
    /// </summary>
    private int RobustPrune<TDistance>(uint p, float alpha, SearchScratch scratch)
        where TDistance : struct, IDistance
    {
        int n = SortAndDeduplicatePool(p, scratch);
        Span<Neighbor> pool = scratch.Pool.AsSpan(0, n);
        int maxDegree = _options.MaxDegree;
        scratch.EnsurePruneBuffers(maxDegree);
        Span<bool> occluded = scratch.Occluded.AsSpan(0, n);
        occluded.Clear();
        uint[] pruned = scratch.Pruned;
        int kept = 0;
        for (int i = 0; i < n && kept < maxDegree; i++)
        {
            if (occluded[i])
            {
                continue;
            }

            uint star = pool[i].Id;
            pruned[kept++] = star;
            ReadOnlySpan<float> starVector = _store.Vector(star);
            for (int k = i + 1; k < n && kept < maxDegree; k++)
            {
                if (!occluded[k] && Occludes<TDistance>(alpha, Distance<TDistance>(starVector, pool[k].Id), pool[k].Distance))
                {
                    occluded[k] = true;
                }
            }
        }

        return kept;
    }

    /// <summary>
    /// FilteredRobustPrune(p, V, alpha, R) of Filtered-DiskANN Algorithm 3 for a point with labels
    /// <paramref name="pointLabels"/> (F_p, not empty): as <see cref="RobustPrune{TDistance}"/>, but the kept candidate p*
    /// occludes p' only when, besides alpha · d(p*, p') ≤ d(p, p'), every label p' shares with p is also a label of p*
    /// (F_p' ∩ F_p ⊆ F_p*), so an edge that serves a label's subgraph is removed only in favour of one that serves it too.
    /// The label condition is tested first: it costs no distance. When R neighbours are kept before the pool is exhausted,
    /// <see cref="CoverLabels{TDistance}"/> then trades the farthest of them for edges into p's under-served labels.
    /// </summary>
    private int FilteredRobustPrune<TDistance>(uint p, int[] pointLabels, float alpha, SearchScratch scratch)
        where TDistance : struct, IDistance
    {
        int n = SortAndDeduplicatePool(p, scratch);
        Span<Neighbor> pool = scratch.Pool.AsSpan(0, n);
        int maxDegree = _options.MaxDegree;
        scratch.EnsurePruneBuffers(maxDegree);
        Span<bool> occluded = scratch.Occluded.AsSpan(0, n);
        occluded.Clear();

        // shared[k]: F_p' when p' shares a label with p; null when it shares none, so any p* may occlude it.
        Span<int[]?> shared = scratch.EnsurePoolLabels().AsSpan(0, n);
        for (int k = 0; k < n; k++)
        {
            int[] candidateLabels = _store.Labels(pool[k].Id);
            shared[k] = LabelSets.Intersects(candidateLabels, pointLabels) ? candidateLabels : null;
        }

        uint[] pruned = scratch.Pruned;
        int[] keptAt = scratch.PrunedAt;
        int kept = 0;
        int next = 0;
        while (next < n && kept < maxDegree)
        {
            int i = next++;
            if (occluded[i])
            {
                continue;
            }

            uint star = pool[i].Id;
            keptAt[kept] = i;
            pruned[kept++] = star;
            ReadOnlySpan<float> starVector = _store.Vector(star);
            int[] starLabels = _store.Labels(star);

            // A p* carrying all of p's labels passes every candidate's label condition.
            bool starCoversPoint = LabelSets.IsSubset(pointLabels, starLabels);
            for (int k = i + 1; k < n && kept < maxDegree; k++)
            {
                if (!occluded[k]
                    && (starCoversPoint
                        || shared[k] is not { } candidateLabels
                        || LabelSets.SharedLabelsAreIn(candidateLabels, pointLabels, starLabels))
                    && Occludes<TDistance>(alpha, Distance<TDistance>(starVector, pool[k].Id), pool[k].Distance))
                {
                    occluded[k] = true;
                }
            }
        }

        if (kept == maxDegree && next < n)
        {
            kept = CoverLabels<TDistance>(pool, occluded, shared, next, pointLabels, alpha, scratch);
        }

        // The scratch outlives the index: drop the references to its label sets.
        shared.Clear();
        return kept;
    }

    /// <summary>
    /// After FilteredRobustPrune stopped at R kept neighbours (pool entries before <paramref name="next"/> examined), brings
    /// every label f of p up to <see cref="LabelEdgeQuota"/> out-edges to points carrying f where the pool has unoccluded
    /// candidates: the nearest such candidates past the cut replace the farthest kept neighbours whose removal leaves every
    /// label of p at or above its quota (a candidate for which no such neighbour is left is dropped). Returns the new
    /// degree (still at most R); <see cref="SearchScratch.Pruned"/> holds the ids, no longer sorted by distance.
    /// </summary>
    /// <remarks>
    /// Needed because the R cut, not occlusion, removes a label's edges: the nearest candidate carrying a label that no kept
    /// neighbour carries cannot be occluded (the condition F_p' ∩ F_p ⊆ F_p* fails for every kept p*), but such
    /// label-specific neighbours are far and sort last. Hubs (medoids, labels' start points) fill R with near neighbours
    /// and lost every edge into some labels' subgraphs, which then could not be searched from their start point at all
    /// (on MNIST with Zipf labels, five labels of 1–2% had recall@10 under 0.06; with the quota, all are above 0.97).
    /// </remarks>
    private int CoverLabels<TDistance>(
        Span<Neighbor> pool,
        Span<bool> occluded,
        Span<int[]?> shared,
        int next,
        int[] pointLabels,
        float alpha,
        SearchScratch scratch)
        where TDistance : struct, IDistance
    {
        int quota = LabelEdgeQuota(pointLabels.Length);
        int maxDegree = _options.MaxDegree;
        int[] keptAt = scratch.PrunedAt;
        Span<int> counts = scratch.EnsureLabelCounts(pointLabels.Length);
        counts.Clear();
        for (int j = 0; j < maxDegree; j++)
        {
            if (shared[keptAt[j]] is { } labels)
            {
                AddShared(labels, pointLabels, counts, 1);
            }
        }

        // Candidates past the cut, nearest first per label; the last kept star never ran its occlusion loop.
        Span<int> added = scratch.EnsureRepairs(maxDegree);
        int addedCount = 0;
        for (int f = 0; f < pointLabels.Length && addedCount < maxDegree; f++)
        {
            int label = pointLabels[f];
            for (int k = next; k < pool.Length && counts[f] < quota && addedCount < maxDegree; k++)
            {
                if (occluded[k] || shared[k] is not { } candidateLabels || !LabelSets.Contains(candidateLabels, label)
                    || added[..addedCount].Contains(k)
                    || OccludedBy<TDistance>(pool, shared, keptAt[maxDegree - 1], k, pointLabels, alpha))
                {
                    continue;
                }

                bool occludedByAdded = false;
                foreach (int m in added[..addedCount])
                {
                    if (m < k && OccludedBy<TDistance>(pool, shared, m, k, pointLabels, alpha))
                    {
                        occludedByAdded = true;
                        break;
                    }
                }

                if (!occludedByAdded)
                {
                    added[addedCount++] = k;
                    AddShared(candidateLabels, pointLabels, counts, 1);
                }
            }
        }

        if (addedCount == 0)
        {
            return maxDegree;
        }

        // Drop the farthest kept neighbours that no label of p needs to stay at its quota.
        uint[] pruned = scratch.Pruned;
        int removed = 0;
        for (int j = maxDegree - 1; j >= 0 && removed < addedCount; j--)
        {
            int[]? labels = shared[keptAt[j]];
            if (labels is not null && !AllAboveQuota(labels, pointLabels, counts, quota))
            {
                continue;
            }

            if (labels is not null)
            {
                AddShared(labels, pointLabels, counts, -1);
            }

            pruned[j] = uint.MaxValue;
            removed++;
        }

        int degree = 0;
        for (int j = 0; j < maxDegree; j++)
        {
            if (pruned[j] != uint.MaxValue)
            {
                pruned[degree++] = pruned[j];
            }
        }

        for (int a = 0; a < removed; a++)
        {
            pruned[degree++] = pool[added[a]].Id;
        }

        return degree;
    }

    /// <summary>FilteredRobustPrune's full test: does pool entry <paramref name="star"/> occlude pool entry <paramref name="k"/>?</summary>
    private bool OccludedBy<TDistance>(Span<Neighbor> pool, Span<int[]?> shared, int star, int k, int[] pointLabels, float alpha)
        where TDistance : struct, IDistance
    {
        int[] starLabels = _store.Labels(pool[star].Id);
        return (shared[k] is not { } candidateLabels || LabelSets.SharedLabelsAreIn(candidateLabels, pointLabels, starLabels))
            && Occludes<TDistance>(alpha, Distance<TDistance>(_store.Vector(pool[star].Id), pool[k].Id), pool[k].Distance);
    }

    private static bool AllAboveQuota(ReadOnlySpan<int> candidate, ReadOnlySpan<int> point, ReadOnlySpan<int> counts, int quota)
    {
        int i = 0;
        int j = 0;
        while (i < candidate.Length && j < point.Length)
        {
            int a = candidate[i];
            int b = point[j];
            if (a < b)
            {
                i++;
            }
            else if (a > b)
            {
                j++;
            }
            else
            {
                if (counts[j] <= quota)
                {
                    return false;
                }

                i++;
                j++;
            }
        }

        return true;
    }

    /// <summary>
    /// Sorts <see cref="SearchScratch.Pool"/> by (distance, id) and compacts it in place, dropping duplicate ids,
    /// <paramref name="p"/> itself and tombstoned points (no new edge may lead to a deleted point); returns the entries left.
    /// </summary>
    private int SortAndDeduplicatePool(uint p, SearchScratch scratch)
    {
        Span<Neighbor> pool = scratch.Pool.AsSpan(0, scratch.PoolCount);
        pool.Sort(default(NeighborComparer));
        int n = 0;
        for (int i = 0; i < pool.Length; i++)
        {
            uint id = pool[i].Id;
            if (id != p && (n == 0 || pool[n - 1].Id != id) && !_store.IsDeleted(id))
            {
                pool[n++] = pool[i];
            }
        }

        return n;
    }

    /// <summary>
    /// RobustPrune's test "alpha · d(p*, p') ≤ d(p, p')": p* occludes p' when p' is (alpha times) closer to p* than to p.
    /// For the inner product, whose distance is negative, DiskANN's MIPS form is used instead: p* occludes p' when
    /// &lt;p*, p'&gt; &gt; alpha · &lt;p, p'&gt;, i.e. d(p*, p') &lt; alpha · d(p, p'), so alpha &gt; 1 still keeps more
    /// edges. NaN distances never occlude.
    /// </summary>
    private static bool Occludes<TDistance>(float alpha, float starToCandidate, float pointToCandidate)
        where TDistance : struct, IDistance =>
        TDistance.Metric == Metric.InnerProduct
            ? starToCandidate < alpha * pointToCandidate
            : alpha * starToCandidate <= pointToCandidate;
}

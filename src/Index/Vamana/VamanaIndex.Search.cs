using AnnSql.Index.Distance;

namespace AnnSql.Index.Vamana;

public sealed partial class VamanaIndex
{

    /// <summary>
    /// GreedySearch from the start point with search list size <paramref name="searchListSize"/>: writes up to
    /// min(L, ids.Length) nearest live points found, nearest first (ties: lower id first), with their kernel distances
    /// (squared L2, negative inner product, or cosine distance; NaN ranks last), and returns how many it wrote.
    /// Allocation-free after a thread's first call.
    /// </summary>
    /// <remarks>
    /// DiskANN Algorithm 1, with FreshDiskANN's deletes (arXiv 2105.09613): tombstoned points stay in ℒ and are
    /// expanded, so the search navigates through them, but are never written to <paramref name="ids"/>; the results are
    /// the live points of the final ℒ, so fewer than L may be returned while deletes are pending. L below 1 is taken as 1.
    /// Lock-free, inside an internal <see cref="ReadScope"/>, so it may run concurrently with inserts, deletes and
    /// consolidations; a point inserted or deleted meanwhile may or may not be found. Hold a <see cref="ReadScope"/> across
    /// the call and the use of the ids if they are looked up afterwards. <paramref name="stats"/> counts the nodes expanded
    /// (hops) and the distances computed.
    /// </remarks>
    /// <exception cref="ArgumentException">Query length is not <see cref="Dimensions"/>, or the two spans differ in length.</exception>
    public int Search(ReadOnlySpan<float> query, int searchListSize, Span<uint> ids, Span<float> distances, out VamanaSearchStats stats)
    {
        if (query.Length != _dimensions)
        {
            ThrowDimensionMismatch(query.Length, nameof(query));
        }

        if (ids.Length != distances.Length)
        {
            throw new ArgumentException($"ids has {ids.Length} slots but distances has {distances.Length}", nameof(distances));
        }

        return _metric switch
        {
            Metric.L2 => Search<L2Kernel>(query, searchListSize, default, ids, distances, out stats),
            Metric.InnerProduct => Search<InnerProductKernel>(query, searchListSize, default, ids, distances, out stats),
            _ => Search<CosineKernel>(query, searchListSize, default, ids, distances, out stats),
        };
    }

    /// <summary>
    /// The search behind both public overloads: GreedySearch (unfiltered when <paramref name="filter"/> is empty) and the
    /// copy of the live points of ℒ into the caller's spans, inside a read scope.
    /// </summary>
    private int Search<TDistance>(
        ReadOnlySpan<float> query,
        int searchListSize,
        ReadOnlySpan<int> filter,
        Span<uint> ids,
        Span<float> distances,
        out VamanaSearchStats stats)
        where TDistance : struct, IDistance
    {
        if (Count == 0 || ids.Length == 0)
        {
            stats = default;
            return 0;
        }

        using ReadScope scope = EnterReadScope();
        SearchScratch scratch = SearchScratch.Current;
        stats = GreedySearch<TDistance>(query, Math.Max(searchListSize, 1), filter, scratch, collectExpanded: false);
        ReadOnlySpan<Neighbor> found = scratch.Candidates.Items;
        int n = 0;
        for (int i = 0; i < found.Length && n < ids.Length; i++)
        {
            uint id = found[i].Id;
            if (!_store.IsDeleted(id))
            {
                ids[n] = id;
                distances[n] = found[i].Distance;
                n++;
            }
        }

        return n;
    }

    /// <summary>
    /// GreedySearch(s, x_q, L) of DiskANN Algorithm 1 from the start point s: repeatedly expands the closest unexpanded
    /// candidate, offering its unvisited out-neighbours to the candidate list ℒ (at most L kept). With a non-empty
    /// <paramref name="filter"/> (F_q, sorted, distinct) it is FilteredGreedySearch(S, x_q, L, F_q) of Filtered-DiskANN
    /// Algorithm 1: ℒ starts with the start points of the filter's labels, and only out-neighbours carrying a label of F_q
    /// are offered; the rest are marked visited without a distance. Leaves ℒ in <see cref="SearchScratch.Candidates"/>
    /// (empty when no filter label has a start point); with <paramref name="collectExpanded"/> also appends the expanded set
    /// V, with distances, to <see cref="SearchScratch.Pool"/>. Tombstoned points are searched through like any other. ℒ is
    /// empty when there is no start point.
    /// </summary>
    private VamanaSearchStats GreedySearch<TDistance>(
        ReadOnlySpan<float> query,
        int listSize,
        ReadOnlySpan<int> filter,
        SearchScratch scratch,
        bool collectExpanded)
        where TDistance : struct, IDistance
    {
        NeighborPriorityQueue candidates = scratch.Candidates;
        VisitedSet visited = scratch.Visited;
        int capacity = _store.Capacity;

        // ℒ never holds more points than exist, so a huge L costs no more memory than the index size.
        candidates.Reset(Math.Min(listSize, capacity));
        visited.Reset(capacity);

        bool filtered = !filter.IsEmpty;
        int computed = 0;
        if (!filtered)
        {
            uint start = StartPoint;
            if (start != NoStart)
            {
                visited.Add(start);
                candidates.Insert(start, Distance<TDistance>(query, start));
                computed++;
            }
        }
        else
        {
            // Start points are set after their point is published, so every one found here is a published point; a label
            // whose points were all consolidated has none.
            foreach (int label in filter)
            {
                if (_labels.Find(label) is { } entry)
                {
                    uint start = entry.StartPoint;
                    if (start != NoStart && visited.Add(start))
                    {
                        candidates.Insert(start, Distance<TDistance>(query, start));
                        computed++;
                    }
                }
            }
        }

        int hops = 0;
        int prefetchLines = _prefetchLines;
        while (candidates.HasUnexpanded)
        {
            Neighbor closest = candidates.ExpandClosest();
            hops++;
            if (collectExpanded)
            {
                scratch.AddToPool(closest.Id, closest.Distance);
            }

            // First pass: filter out visited neighbours (and, filtered, those without a filter label: marked visited, so
            // tested once) and start loading the rest, so their rows are (partly) in cache by the time the second pass
            // computes distances.
            uint[] neighbors = _store.Neighbors(closest.Id);
            uint[] fresh = scratch.EnsureFresh(neighbors.Length);
            int freshCount = 0;
            foreach (uint neighbor in neighbors)
            {
                if (visited.Add(neighbor) && (!filtered || LabelSets.Intersects(_store.Labels(neighbor), filter)))
                {
                    fresh[freshCount++] = neighbor;
                    _store.Prefetch(neighbor, prefetchLines);
                }
            }

            for (int i = 0; i < freshCount; i++)
            {
                uint neighbor = fresh[i];
                candidates.Insert(neighbor, Distance<TDistance>(query, neighbor));
            }

            computed += freshCount;
        }

        return new VamanaSearchStats(hops, computed);
    }
}

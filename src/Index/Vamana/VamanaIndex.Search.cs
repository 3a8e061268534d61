using AnnSql.Index.Distance;

namespace AnnSql.Index.Vamana;

public sealed partial class VamanaIndex
{

    /// <summary>
    /// GreedySearch from the start point with search list size <paramref name="searchListSize"/>: writes up to
    /// min(L, Count, ids.Length) nearest points found, nearest first (ties: lower id first), with their kernel distances
    /// (squared L2, negative inner product, or cosine distance; NaN ranks last), and returns how many it wrote.
    /// Allocation-free after a thread's first call.
    /// </summary>
    /// <remarks>
    /// DiskANN Algorithm 1. L below 1 is taken as 1. Lock-free, so it may run concurrently with inserts; a point inserted
    /// meanwhile may or may not be found. <paramref name="stats"/> counts the nodes expanded (hops) and the distances
    /// computed.
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
    /// copy of ℒ into the caller's spans.
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

        SearchScratch scratch = SearchScratch.Current;
        stats = GreedySearch<TDistance>(query, Math.Max(searchListSize, 1), filter, scratch, collectExpanded: false);
        ReadOnlySpan<Neighbor> found = scratch.Candidates.Items;
        int n = Math.Min(found.Length, ids.Length);
        for (int i = 0; i < n; i++)
        {
            ids[i] = found[i].Id;
            distances[i] = found[i].Distance;
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
    /// V, with distances, to <see cref="SearchScratch.Pool"/>. The index must hold at least one point.
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
            visited.Add(start);
            candidates.Insert(start, Distance<TDistance>(query, start));
            computed++;
        }
        else
        {
            // Start points are created after Count covers their point, so every one found here is a published point.
            foreach (int label in filter)
            {
                if (_labels.Find(label) is { } entry && visited.Add(entry.StartPoint))
                {
                    candidates.Insert(entry.StartPoint, Distance<TDistance>(query, entry.StartPoint));
                    computed++;
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

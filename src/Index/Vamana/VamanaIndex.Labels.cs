using AnnSql.Index.Distance;

namespace AnnSql.Index.Vamana;

public sealed partial class VamanaIndex
{
    /// <summary>
    /// Filtered GreedySearch with search list size <paramref name="searchListSize"/>: the nearest live points that carry
    /// at least one label of <paramref name="anyOfLabels"/>. Writes up to min(L, ids.Length) of them, nearest first (ties:
    /// lower id first), with their kernel distances as the unfiltered search does, and returns how many it wrote: 0 when
    /// no label of the filter has a start point (no point carries it, or a consolidation removed all its points) and when
    /// <paramref name="anyOfLabels"/> is empty. Allocation-free after a thread's first call.
    /// </summary>
    /// <remarks>
    /// Filtered-DiskANN (Gollapudi et al., WWW 2023) Algorithm 1: ℒ starts with the start point st(f) of every label f of
    /// the filter, and expanding a node offers only its unvisited out-neighbours that carry a filter label, so only such
    /// points are visited, have a distance computed and can be returned. The graph must have been built or grown with
    /// labels for the label subgraphs to be navigable. Tombstoned points are navigated through but never returned
    /// (FreshDiskANN, arXiv 2105.09613), so fewer than L may be returned while deletes are pending. L below 1 is taken
    /// as 1. Lock-free, inside an internal <see cref="ReadScope"/>, so it may run concurrently with
    /// <see cref="Insert(ReadOnlySpan{float}, ReadOnlySpan{int})"/>, <see cref="Delete"/> and <see cref="Consolidate"/>; a
    /// point inserted or deleted meanwhile may or may not be found. <paramref name="stats"/> counts the nodes expanded and
    /// the distances computed (label tests are not counted).
    /// </remarks>
    /// <param name="query">The query vector, <see cref="Dimensions"/> floats.</param>
    /// <param name="searchListSize">L, the candidate list size.</param>
    /// <param name="anyOfLabels">The filter F_q: labels sorted ascending, distinct; a point matches when it carries any.</param>
    /// <param name="ids">Receives the ids found.</param>
    /// <param name="distances">Receives their distances; as long as <paramref name="ids"/>.</param>
    /// <param name="stats">Hops and distance computations of this search.</param>
    /// <exception cref="ArgumentException">
    /// Query length is not <see cref="Dimensions"/>, the two spans differ in length, or <paramref name="anyOfLabels"/> is
    /// not sorted ascending without duplicates.
    /// </exception>
    public int Search(
        ReadOnlySpan<float> query,
        int searchListSize,
        ReadOnlySpan<int> anyOfLabels,
        Span<uint> ids,
        Span<float> distances,
        out VamanaSearchStats stats)
    {
        if (query.Length != _dimensions)
        {
            ThrowDimensionMismatch(query.Length, nameof(query));
        }

        if (ids.Length != distances.Length)
        {
            throw new ArgumentException($"ids has {ids.Length} slots but distances has {distances.Length}", nameof(distances));
        }

        if (!LabelSets.IsStrictlyAscending(anyOfLabels))
        {
            throw new ArgumentException("the labels of a filter must be sorted ascending and distinct", nameof(anyOfLabels));
        }

        if (anyOfLabels.IsEmpty)
        {
            // An empty filter matches no point (an empty span means "unfiltered" to the private search).
            stats = default;
            return 0;
        }

        return _metric switch
        {
            Metric.L2 => Search<L2Kernel>(query, searchListSize, anyOfLabels, ids, distances, out stats),
            Metric.InnerProduct => Search<InnerProductKernel>(query, searchListSize, anyOfLabels, ids, distances, out stats),
            _ => Search<CosineKernel>(query, searchListSize, anyOfLabels, ids, distances, out stats),
        };
    }

    /// <summary>
    /// Number of distinct labels points have carried (labels are never removed: a label whose points were all deleted and
    /// consolidated keeps its entry, without a start point, until a new point carries it).
    /// </summary>
    public int LabelCount => _labels.Count;

    /// <summary>
    /// Point <paramref name="id"/>'s labels, sorted ascending and distinct; empty when it has none and for a free slot (a
    /// tombstoned point keeps its labels until consolidated).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not below <see cref="Count"/>.</exception>
    public ReadOnlySpan<int> GetLabels(uint id)
    {
        int count = Count;
        if (id >= (uint)count)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"the index holds {count} points");
        }

        return _store.Labels(id);
    }

    /// <summary>
    /// The ids of the points carrying <paramref name="label"/>, in insertion order (ascending until ids are reused: an
    /// insert that reuses a recycled id appends it at the end); empty when none does. A lock-free snapshot: later inserts
    /// and consolidations do not change it. It may include tombstoned ids (check <see cref="IsDeleted"/>), and never
    /// includes a free id, except in a snapshot taken before a consolidation recycled it: hold a <see cref="ReadScope"/>
    /// from before this call until the ids have been used, so none of them is recycled and reused meanwhile. Lets a caller
    /// answer a filter on a rare label by scanning exactly its points.
    /// </summary>
    public ReadOnlySpan<uint> GetPostings(int label)
    {
        // A build fills the postings before it publishes Count, which stays 0 until the build is done; every other writer
        // appends a point's id only after the point is published.
        if (Count == 0)
        {
            return [];
        }

        return _labels.Find(label) is { } entry ? entry.Postings : [];
    }

    /// <summary>
    /// The start point st(f) of <paramref name="label"/>; <see cref="uint.MaxValue"/> when no point carries it or a
    /// consolidation removed all its points.
    /// </summary>
    internal uint StartPointOf(int label) => _labels.Find(label)?.StartPoint ?? NoStart;

    /// <summary>
    /// Sets every label's start point to its medoid: the point carrying the label nearest (by squared L2) to the centroid of
    /// the label's points, on up to <paramref name="maxDegreeOfParallelism"/> threads. Filtered-DiskANN §3.2 picks start
    /// points for load balance among sampled points; the per-label medoid, like the global one of DiskANN, is a point
    /// central to its label's subgraph, which keeps filtered searches short.
    /// </summary>
    private void ChooseLabelStartPoints(int maxDegreeOfParallelism, CancellationToken cancellationToken)
    {
        LabelDirectory.Entry[] entries = _labels.Entries();
        ParallelOptions parallel = new() { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(
            0,
            entries.Length,
            parallel,
            () => (Sum: new double[_dimensions], Centroid: new float[_dimensions]),
            (e, _, buffers) =>
            {
                LabelDirectory.Entry entry = entries[e];
                ReadOnlySpan<uint> points = entry.Postings;
                entry.StartPoint = points.Length <= 2 ? points[0] : NearestToCentroid(points, buffers.Sum, buffers.Centroid);
                return buffers;
            },
            _ => { });
    }

    /// <summary>The point of <paramref name="points"/> (not empty) nearest by squared L2 to their centroid; ties: first.</summary>
    private uint NearestToCentroid(ReadOnlySpan<uint> points, double[] sum, float[] centroid)
    {
        Array.Clear(sum);
        foreach (uint id in points)
        {
            ReadOnlySpan<float> row = _store.Vector(id);
            for (int d = 0; d < row.Length; d++)
            {
                sum[d] += row[d];
            }
        }

        for (int d = 0; d < centroid.Length; d++)
        {
            centroid[d] = (float)(sum[d] / points.Length);
        }

        uint best = points[0];
        float bestDistance = float.PositiveInfinity;
        foreach (uint id in points)
        {
            float distance = L2Kernel.Distance(centroid, _store.Vector(id));
            if (distance < bestDistance)
            {
                best = id;
                bestDistance = distance;
            }
        }

        return best;
    }
}

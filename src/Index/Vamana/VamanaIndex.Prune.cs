using AnnSql.Index.Distance;

namespace AnnSql.Index.Vamana;

public sealed partial class VamanaIndex
{
    /// <summary>
    /// Links point <paramref name="p"/> into the graph, the body of the Vamana build loop (DiskANN §2.3) and of the
    /// FreshDiskANN insert (Algorithm 2): V = GreedySearch(s, x_p, L); N(p) = RobustPrune(p, V ∪ N(p), alpha, R); then for
    /// each j in N(p), p is added to N(j), which is pruned with RobustPrune(j, N(j) ∪ {p}, alpha, R) when it would exceed R.
    /// </summary>
    private void LinkPoint<TDistance>(uint p, float alpha, SearchScratch scratch)
        where TDistance : struct, IDistance
    {
        ReadOnlySpan<float> point = _store.Vector(p);
        scratch.PoolCount = 0;
        GreedySearch<TDistance>(point, _options.BuildListSize, scratch, collectExpanded: true);

        uint[] outNeighbors;
        lock (_store.LockFor(p))
        {
            foreach (uint j in _store.Neighbors(p))
            {
                scratch.AddToPool(j, Distance<TDistance>(point, j));
            }

            int degree = RobustPrune<TDistance>(p, alpha, scratch);
            outNeighbors = scratch.Pruned.AsSpan(0, degree).ToArray();
            _store.SetNeighbors(p, outNeighbors);
        }

        foreach (uint j in outNeighbors)
        {
            AddBackEdge<TDistance>(j, p, alpha, scratch);
        }
    }

    /// <summary>Adds the edge j → p, running RobustPrune(j, N(j) ∪ {p}, alpha, R) when N(j) is already full.</summary>
    private void AddBackEdge<TDistance>(uint j, uint p, float alpha, SearchScratch scratch)
        where TDistance : struct, IDistance
    {
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
                scratch.AddToPool(k, Distance<TDistance>(point, k));
            }

            scratch.AddToPool(p, Distance<TDistance>(point, p));
            int degree = RobustPrune<TDistance>(j, alpha, scratch);
            _store.SetNeighbors(j, scratch.Pruned.AsSpan(0, degree).ToArray());
        }
    }

    /// <summary>
    /// RobustPrune(p, V, alpha, R) of DiskANN Algorithm 2 over the candidates in <see cref="SearchScratch.Pool"/> (with
    /// their distances to p; duplicates and p itself are dropped): repeatedly keeps the closest remaining candidate p* and
    /// removes every candidate p' that p* occludes, until R are kept or none remain. Writes the kept ids to
    /// <see cref="SearchScratch.Pruned"/>, closest first, and returns how many.
    /// </summary>
    private int RobustPrune<TDistance>(uint p, float alpha, SearchScratch scratch)
        where TDistance : struct, IDistance
    {
        Span<Neighbor> pool = scratch.Pool.AsSpan(0, scratch.PoolCount);
        pool.Sort(default(NeighborComparer));
        int n = 0;
        for (int i = 0; i < pool.Length; i++)
        {
            uint id = pool[i].Id;
            if (id != p && (n == 0 || pool[n - 1].Id != id))
            {
                pool[n++] = pool[i];
            }
        }

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

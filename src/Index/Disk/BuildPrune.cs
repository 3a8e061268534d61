using System.Runtime.CompilerServices;
using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// RobustPrune (DiskANN, Subramanya et al., NeurIPS 2019, Algorithm 2) over a candidate list the caller has already scored,
/// for the disk index's build and merge, which hold no <see cref="VamanaIndex"/>: the distances from the pruned point to
/// the candidates come with the candidates, and the distances between candidates come from an
/// <see cref="ICandidateDistances"/> the caller supplies (full-precision vectors read into a buffer, PQ codes, ...).
/// </summary>
/// <remarks>
/// The same rule as the in-memory index's prune: candidates are taken nearest first; each kept p* occludes every later p'
/// with alpha · d(p*, p') ≤ d(p, p') (for the inner product, DiskANN's MIPS form d(p*, p') &lt; alpha · d(p, p')); NaN
/// distances never occlude; the scan stops at R kept neighbours.
/// </remarks>
internal static class DiskPrune
{
    /// <summary>Distances between two candidates of a prune, addressed by the <see cref="Neighbor.Id"/>s they carry.</summary>
    public interface ICandidateDistances
    {
        /// <summary>The ranking distance (smaller = closer) between the candidates carrying ids <paramref name="a"/> and <paramref name="b"/>.</summary>
        float Between(uint a, uint b);
    }

    /// <summary>
    /// Candidates whose full-precision vectors sit row-major in one buffer: a candidate's <see cref="Neighbor.Id"/> is its
    /// row. Callers relabel their candidates with row numbers before pruning and map the kept rows back afterwards.
    /// </summary>
    public readonly ref struct CandidateRows<TDistance> : ICandidateDistances
        where TDistance : struct, IDistance
    {
        private readonly ReadOnlySpan<float> _rows;
        private readonly int _dimensions;

        /// <summary>Rows of <paramref name="dimensions"/> floats in <paramref name="rows"/>.</summary>
        public CandidateRows(ReadOnlySpan<float> rows, int dimensions)
        {
            _rows = rows;
            _dimensions = dimensions;
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Between(uint a, uint b) =>
            TDistance.Distance(_rows.Slice((int)a * _dimensions, _dimensions), _rows.Slice((int)b * _dimensions, _dimensions));
    }

    /// <summary>
    /// Sorts <paramref name="candidates"/> by (distance, id) (<see cref="Neighbor.Precedes"/>) and compacts it in place,
    /// dropping repeated ids and <paramref name="point"/> itself; returns how many are left (the prefix to prune). A repeated
    /// id must carry the same distance each time.
    /// </summary>
    public static int SortAndDeduplicate(Span<Neighbor> candidates, uint point)
    {
        candidates.Sort(default(NeighborComparer));
        int n = 0;
        for (int i = 0; i < candidates.Length; i++)
        {
            uint id = candidates[i].Id;
            if (id == point)
            {
                continue;
            }

            // Equal ids carry equal distances, so repeats sort next to each other.
            if (n == 0 || candidates[n - 1].Id != id)
            {
                candidates[n++] = candidates[i];
            }
        }

        return n;
    }

    /// <summary>
    /// RobustPrune(p, V, alpha, R): writes the kept candidates' ids into <paramref name="result"/>, nearest first, and
    /// returns how many (at most <paramref name="maxDegree"/>).
    /// </summary>
    /// <param name="metric">The metric of the distances (selects the inner product's occlusion form).</param>
    /// <param name="candidates">V: distinct candidates without p, sorted by (distance to p, id), e.g. by <see cref="SortAndDeduplicate"/>.</param>
    /// <param name="alpha">The occlusion factor (1 keeps the fewest long edges).</param>
    /// <param name="maxDegree">R.</param>
    /// <param name="distances">Distances between candidates, by their ids.</param>
    /// <param name="occluded">Scratch of at least candidates.Length entries (its contents are overwritten).</param>
    /// <param name="result">Room for min(R, candidates.Length) ids.</param>
    /// <exception cref="ArgumentException">A scratch or result span that is too short.</exception>
    public static int RobustPrune<TDistances>(
        Metric metric, ReadOnlySpan<Neighbor> candidates, float alpha, int maxDegree, ref TDistances distances, Span<bool> occluded, Span<uint> result)
        where TDistances : ICandidateDistances, allows ref struct
    {
        int n = candidates.Length;
        if (occluded.Length < n)
        {
            throw new ArgumentException($"{n} candidates need {n} occlusion marks, not {occluded.Length}", nameof(occluded));
        }

        if (result.Length < Math.Min(maxDegree, n))
        {
            throw new ArgumentException($"room for {Math.Min(maxDegree, n)} neighbours is needed, not {result.Length}", nameof(result));
        }

        bool innerProduct = metric == Metric.InnerProduct;
        occluded = occluded[..n];
        occluded.Clear();
        int kept = 0;
        for (int i = 0; i < n && kept < maxDegree; i++)
        {
            if (occluded[i])
            {
                continue;
            }

            uint star = candidates[i].Id;
            result[kept++] = star;
            for (int k = i + 1; k < n && kept < maxDegree; k++)
            {
                if (!occluded[k] && Occludes(innerProduct, alpha, distances.Between(star, candidates[k].Id), candidates[k].Distance))
                {
                    occluded[k] = true;
                }
            }
        }

        return kept;
    }

    /// <summary>
    /// RobustPrune's test: does a kept p* at <paramref name="starToCandidate"/> from p' occlude p', which is at
    /// <paramref name="pointToCandidate"/> from p? NaN never occludes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Occludes(bool innerProduct, float alpha, float starToCandidate, float pointToCandidate) =>
        innerProduct ? starToCandidate < alpha * pointToCandidate : alpha * starToCandidate <= pointToCandidate;
}

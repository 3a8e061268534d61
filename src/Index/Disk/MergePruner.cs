using System.Runtime.CompilerServices;
using AnnSql.Index.Distance;
using AnnSql.Index.Quantization;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// RobustPrune (DiskANN Algorithm 2, <see cref="DiskPrune.RobustPrune"/>) as StreamingMerge runs it with the
/// full-precision vectors on the SSD (FreshDiskANN, arXiv 2105.09613, §5): the distance of each candidate to the pruned
/// point p comes from p's full vector (read with its record) through a PQ table, or from the full-precision re-rank of a
/// beam search; the distance from a kept neighbour p* to a later candidate p' is the symmetric PQ distance between their
/// codes (<see cref="MergeSymmetricDistances"/>). So a prune reads nothing from the disk.
/// </summary>
/// <remarks>
/// PQ distances for Cosine are −cos of the approximate unit vectors; one is added to them so that they are on the scale of
/// the full-precision 1 − cos distances and RobustPrune's ratio test holds.
/// </remarks>
internal sealed class MergePruner(ProductQuantizer quantizer, MergeSymmetricDistances symmetric, int maxDegree, float alpha)
{
    private readonly float _pqOffset = quantizer.Metric == Metric.Cosine ? 1f : 0f;

    /// <summary>R.</summary>
    public int MaxDegree => maxDegree;

    /// <summary>The quantizer of the codes.</summary>
    public ProductQuantizer Quantizer => quantizer;

    /// <summary>
    /// Prunes the <paramref name="collected"/> candidate ids in <see cref="MergeScratch.Candidates"/> (duplicates allowed;
    /// <paramref name="self"/> is dropped) for the point whose distance table is in <see cref="MergeScratch.Table"/>:
    /// writes at most R kept ids to <paramref name="result"/>, closest first, and returns how many.
    /// </summary>
    public int PruneWithTable(uint self, int collected, MergeCodeSource codes, MergeScratch scratch, Span<uint> result)
    {
        int chunks = codes.Chunks;
        ReadOnlySpan<uint> candidates = scratch.Candidates.AsSpan(0, collected);
        Span<byte> poolCodes = scratch.PoolCodes.AsSpan(0, collected * chunks);
        codes.Gather(candidates, poolCodes);
        Span<uint> rows = scratch.Rows.AsSpan(0, collected);
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = (uint)i;
        }

        Span<float> distances = scratch.Distances.AsSpan(0, collected);
        ProductQuantizer.Distances(scratch.Table, poolCodes, chunks, rows, distances);
        Span<Neighbor> pool = scratch.Pool.AsSpan(0, collected);
        for (int i = 0; i < pool.Length; i++)
        {
            pool[i] = new Neighbor(candidates[i], distances[i] + _pqOffset);
        }

        return PrunePool(DiskPrune.SortAndDeduplicate(pool, self), codes, scratch, result);
    }

    /// <summary>
    /// Prunes the <paramref name="count"/> distinct candidates in <see cref="MergeScratch.Pool"/> (with their distances to
    /// the pruned point, which is not among them; any order): writes at most R kept ids to <paramref name="result"/>,
    /// closest first, and returns how many.
    /// </summary>
    public int PrunePool(int count, MergeCodeSource codes, MergeScratch scratch, Span<uint> result)
    {
        int chunks = codes.Chunks;
        Span<Neighbor> pool = scratch.Pool.AsSpan(0, count);
        pool.Sort(default(NeighborComparer));

        // Candidates are relabelled with their pool rows, whose codes sit row-major in PoolCodes.
        Span<uint> ids = scratch.Candidates.AsSpan(0, count);
        Span<byte> poolCodes = scratch.PoolCodes.AsSpan(0, count * chunks);
        for (int i = 0; i < count; i++)
        {
            ids[i] = pool[i].Id;
            codes.Code(ids[i]).CopyTo(poolCodes.Slice(i * chunks, chunks));
            pool[i].Id = (uint)i;
        }

        PoolDistances between = new(symmetric, poolCodes, chunks, _pqOffset);
        Span<uint> kept = scratch.Rows.AsSpan(0, Math.Min(count, maxDegree));
        int degree = DiskPrune.RobustPrune(quantizer.Metric, pool, alpha, maxDegree, ref between, scratch.Occluded, kept);
        for (int k = 0; k < degree; k++)
        {
            result[k] = ids[(int)kept[k]];
        }

        return degree;
    }

    /// <summary>Distances between pool rows: the symmetric distance of their codes, in <see cref="MergeScratch.PoolCodes"/>.</summary>
    private readonly ref struct PoolDistances(MergeSymmetricDistances symmetric, ReadOnlySpan<byte> codes, int chunks, float offset)
        : DiskPrune.ICandidateDistances
    {
        private readonly ReadOnlySpan<byte> _codes = codes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Between(uint a, uint b) =>
            symmetric.Between(_codes.Slice((int)a * chunks, chunks), _codes.Slice((int)b * chunks, chunks)) + offset;
    }
}

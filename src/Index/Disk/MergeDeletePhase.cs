using AnnSql.Index.Quantization;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// StreamingMerge's delete phase (FreshDiskANN, arXiv 2105.09613, §5.1, Algorithm 4 over the SSD-resident graph): streams
/// the old file in id order into an intermediate file where the nodes of D are free slots and every other node p with an
/// out-neighbour in D has N(p) = RobustPrune(p, N(p) \ D ∪ ⋃_{d ∈ N(p) ∩ D} N(d) \ D \ {p}, alpha, R), its candidates'
/// distances taken from p's full vector (read with its record) through a PQ table.
/// </summary>
internal static class MergeDeletePhase
{
    /// <summary>Live ids whose codes are compared at a time when the medoid is replaced.</summary>
    private const int MedoidBlock = 4096;

    /// <summary>
    /// Writes the intermediate index to <paramref name="path"/> (completed and fsynced): slots of D and free slots free,
    /// the other nodes repaired, their codes and the quantizer carried over, and the medoid replaced when it is in D
    /// (<see cref="ChooseMedoid"/>). Returns whether a live node remains.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static bool Run(
        DiskIndex current, MergeTombstones tombstones, string path, MergePruner pruner, MergeScratchPool scratches, int threads,
        CancellationToken cancellationToken)
    {
        uint medoid = ChooseMedoid(current, tombstones);
        bool anyLive = medoid != uint.MaxValue;
        MergeCodeSource codes = new(current, null);
        ProductQuantizer quantizer = current.Quantizer;
        using DiskIndexWriter writer = new(
            path, current.Metric, current.Dimensions, pruner.MaxDegree, tombstones.Count, anyLive ? medoid : current.Medoid, quantizer);
        using MergeNodeReader reader = new(current);
        MergeBatch batch = new(current.Dimensions, pruner.MaxDegree);
        batch.Stream(
            writer,
            tombstones.Count,
            reader,
            codes,
            scratches,
            (rows, id, row, scratch) => RepairNode(reader, tombstones, pruner, codes, rows, id, row, scratch),
            threads,
            cancellationToken);
        writer.Complete();
        return anyLive;
    }

    /// <summary>
    /// The intermediate's medoid: the old one when it survives, else the live node whose PQ code is closest to the old
    /// medoid's full vector (ties to the lower id); <see cref="uint.MaxValue"/> when no node is live.
    /// </summary>
    public static uint ChooseMedoid(DiskIndex current, MergeTombstones tombstones)
    {
        uint medoid = current.Medoid;
        float[]? medoidVector = tombstones.DeletedMedoid;
        bool anyLive = tombstones.Count - tombstones.FreeCount - tombstones.DeletedIds.Length > 0;
        if (medoidVector is null || !anyLive)
        {
            return anyLive ? medoid : uint.MaxValue;
        }

        ProductQuantizer quantizer = current.Quantizer;
        float[] table = new float[quantizer.TableLength];
        quantizer.ComputeDistanceTable(medoidVector, table);
        uint[] ids = new uint[MedoidBlock];
        float[] distances = new float[MedoidBlock];
        uint best = uint.MaxValue;
        float bestDistance = float.NaN;
        int n = 0;
        for (uint id = 0; id <= (uint)tombstones.Count; id++)
        {
            if (id < (uint)tombstones.Count && !tombstones.IsGone(id))
            {
                ids[n++] = id;
            }

            if (n == MedoidBlock || (id == (uint)tombstones.Count && n > 0))
            {
                ProductQuantizer.Distances(table, current.Codes, quantizer.Chunks, ids.AsSpan(0, n), distances.AsSpan(0, n));
                for (int i = 0; i < n; i++)
                {
                    if (best == uint.MaxValue || Neighbor.Precedes(distances[i], ids[i], bestDistance, best))
                    {
                        best = ids[i];
                        bestDistance = distances[i];
                    }
                }

                n = 0;
            }
        }

        return best;
    }

    /// <summary>Fills <paramref name="row"/> with node <paramref name="id"/> of the intermediate index.</summary>
    private static void RepairNode(
        MergeNodeReader reader, MergeTombstones tombstones, MergePruner pruner, MergeCodeSource codes, MergeBatch batch, uint id, int row,
        MergeScratch scratch)
    {
        if (tombstones.IsGone(id))
        {
            batch.SetFree(row);
            return;
        }

        Span<float> vector = batch.Vector(row);
        int degree = reader.Read(id, vector, scratch.Neighbors);
        ReadOnlySpan<uint> neighbors = scratch.Neighbors.AsSpan(0, degree);
        Span<uint> output = batch.NeighborRow(row);
        bool repair = degree > pruner.MaxDegree;
        int bound = 0;
        foreach (uint v in neighbors)
        {
            if (tombstones.IsGone(v))
            {
                repair = true;
                bound += tombstones.IsDeleted(v) ? tombstones.NeighborsOf(v).Length : 0;
            }
            else
            {
                bound++;
            }
        }

        if (!repair)
        {
            neighbors.CopyTo(output);
            batch.SetDegree(row, degree);
            return;
        }

        scratch.EnsureCandidates(bound, codes.Chunks);
        uint[] candidates = scratch.Candidates;
        int n = 0;
        foreach (uint v in neighbors)
        {
            if (!tombstones.IsGone(v))
            {
                candidates[n++] = v;
            }
            else if (tombstones.IsDeleted(v))
            {
                // N(d) \ D: one level only, as in Algorithm 4; p itself is dropped by the prune.
                foreach (uint w in tombstones.NeighborsOf(v))
                {
                    if (!tombstones.IsGone(w))
                    {
                        candidates[n++] = w;
                    }
                }
            }
        }

        pruner.Quantizer.ComputeDistanceTable(vector, scratch.Table);
        batch.SetDegree(row, pruner.PruneWithTable(id, n, codes, scratch, output));
    }
}

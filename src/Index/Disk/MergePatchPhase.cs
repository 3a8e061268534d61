using AnnSql.Index.Quantization;

namespace AnnSql.Index.Disk;

/// <summary>
/// StreamingMerge's patch phase (FreshDiskANN, arXiv 2105.09613, §5.3): streams the intermediate file in id order into
/// the final one, adding each node's pending back-edges from the insert phase, N(j) ∪ pending(j), pruned back to R with
/// RobustPrune (distances from j's full vector, read with its record, through a PQ table) only when the union exceeds R;
/// the inserted nodes are written in their slots with their vectors (read again from the insert source), codes and
/// out-neighbours.
/// </summary>
internal static class MergePatchPhase
{
    /// <summary>
    /// Writes the merged index to <paramref name="path"/> (completed and fsynced) with <paramref name="inserts"/>.NewCount
    /// slots and medoid <paramref name="medoid"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static void Run(
        DiskIndex intermediate, IVectorSource source, MergeInserts inserts, uint medoid, string path, MergePruner pruner,
        MergeScratchPool scratches, int threads, CancellationToken cancellationToken)
    {
        MergeCodeSource codes = new(intermediate, inserts);
        ProductQuantizer quantizer = intermediate.Quantizer;
        using DiskIndexWriter writer = new(
            path, intermediate.Metric, intermediate.Dimensions, pruner.MaxDegree, inserts.NewCount, medoid, quantizer);
        using MergeNodeReader reader = new(intermediate);
        MergeBatch batch = new(intermediate.Dimensions, pruner.MaxDegree);
        batch.Stream(
            writer,
            inserts.NewCount,
            reader,
            codes,
            scratches,
            (rows, id, row, scratch) => PatchNode(intermediate, reader, source, inserts, pruner, codes, rows, id, row, scratch),
            threads,
            cancellationToken);
        writer.Complete();
    }

    /// <summary>Fills <paramref name="row"/> with node <paramref name="id"/> of the merged index.</summary>
    private static void PatchNode(
        DiskIndex intermediate, MergeNodeReader reader, IVectorSource source, MergeInserts inserts, MergePruner pruner,
        MergeCodeSource codes, MergeBatch batch, uint id, int row, MergeScratch scratch)
    {
        Span<uint> output = batch.NeighborRow(row);
        if (inserts.TryInsertOf(id, out int insert))
        {
            source.Read(insert, batch.Vector(row));
            ReadOnlySpan<uint> neighbors = inserts.Neighbors(insert);
            neighbors.CopyTo(output);
            batch.SetDegree(row, neighbors.Length);
            return;
        }

        if (intermediate.IsFree(id))
        {
            batch.SetFree(row);
            return;
        }

        Span<float> vector = batch.Vector(row);
        int degree = reader.Read(id, vector, scratch.Neighbors);
        int pending = inserts.PendingCount(id);
        int total = degree + pending;

        // The pending sources are inserted slots, which no list of the intermediate index holds: the union is disjoint.
        if (total <= pruner.MaxDegree)
        {
            scratch.Neighbors.AsSpan(0, degree).CopyTo(output);
            inserts.PendingOf(id, output[degree..total]);
            batch.SetDegree(row, total);
            return;
        }

        scratch.EnsureCandidates(total, codes.Chunks);
        scratch.Neighbors.AsSpan(0, degree).CopyTo(scratch.Candidates);
        inserts.PendingOf(id, scratch.Candidates.AsSpan(degree, pending));
        pruner.Quantizer.ComputeDistanceTable(vector, scratch.Table);
        batch.SetDegree(row, pruner.PruneWithTable(id, total, codes, scratch, output));
    }
}

using AnnSql.Index.Quantization;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// StreamingMerge's insert phase (FreshDiskANN, arXiv 2105.09613, §5.2): each inserted vector gets a slot, its PQ code,
/// and out-neighbours RobustPrune(p, V, alpha, R) where V is the expanded set of a beam search for it over the
/// intermediate index (L = L_build), with the full-precision distances of that search's re-rank; it is then queued as a
/// back-edge on each out-neighbour. Nothing is written: the patch phase applies it all.
/// </summary>
internal static class MergeInsertPhase
{
    /// <summary>W of the insert searches: DiskANN's default beam width.</summary>
    public const int BeamWidth = 4;

    /// <summary>Inserts a worker claims at a time.</summary>
    private const int Chunk = 8;

    /// <summary>
    /// Links every vector of <paramref name="source"/> into <paramref name="intermediate"/> on up to
    /// <paramref name="threads"/> threads (results do not depend on the thread count). When no node of the intermediate
    /// index is live, the inserts are linked among themselves instead (<see cref="LinkAmongThemselves"/>).
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static MergeInserts Run(
        DiskIndex intermediate, IVectorSource source, VamanaOptions options, MergePruner pruner, MergeScratchPool scratches, int threads,
        CancellationToken cancellationToken)
    {
        int count = intermediate.Count;
        int inserts = source.Count;
        int reusable = Math.Min(inserts, intermediate.FreeCount);
        uint[] reused = new uint[reusable];
        int found = 0;
        for (uint id = 0; id < (uint)count && found < reusable; id++)
        {
            if (intermediate.IsFree(id))
            {
                reused[found++] = id;
            }
        }

        if ((long)count + inserts - found > int.MaxValue)
        {
            throw new ArgumentException(
                $"the merged index would hold {(long)count + inserts - found} slots, over {int.MaxValue}", nameof(source));
        }

        ProductQuantizer quantizer = intermediate.Quantizer;
        MergeInserts result = new(reused.AsSpan(0, found).ToArray(), count, inserts, quantizer.Chunks, pruner.MaxDegree);
        if (inserts == 0)
        {
            return result;
        }

        if (intermediate.LiveCount == 0)
        {
            LinkAmongThemselves(intermediate, source, options, result, threads, cancellationToken);
            return result;
        }

        MergeCodeSource codes = new(intermediate, null);
        int listSize = options.BuildListSize;
        CallerParallel.For(inserts, Chunk, threads, (start, end) =>
        {
            MergeScratch scratch = scratches.Rent();
            try
            {
                for (int i = start; i < end; i++)
                {
                    LinkInsert(intermediate, source, i, listSize, pruner, codes, result, scratch);
                }
            }
            finally
            {
                scratches.Return(scratch);
            }
        }, cancellationToken);
        result.QueueBackEdges();
        return result;
    }

    /// <summary>Insert <paramref name="insert"/>: its code, then RobustPrune over its search's expanded set.</summary>
    private static void LinkInsert(
        DiskIndex intermediate, IVectorSource source, int insert, int listSize, MergePruner pruner, MergeCodeSource codes,
        MergeInserts result, MergeScratch scratch)
    {
        float[] vector = scratch.Vector;
        source.Read(insert, vector);
        pruner.Quantizer.Encode(vector, result.Code(insert));
        int found = intermediate.Search(vector, listSize, BeamWidth, scratch.SearchIds, scratch.SearchDistances, out _);
        scratch.EnsureCandidates(found, codes.Chunks);
        Neighbor[] pool = scratch.Pool;
        for (int k = 0; k < found; k++)
        {
            pool[k] = new Neighbor(scratch.SearchIds[k], scratch.SearchDistances[k]);
        }

        result.SetDegree(insert, pruner.PrunePool(found, codes, scratch, result.NeighborRow(insert)));
    }

    /// <summary>
    /// With no live node to link to (every point deleted), builds a Vamana graph over the inserted vectors in memory
    /// (DiskANN §2.3, the options' R, L and alpha) and takes its out-neighbours and start point; queues no back-edge.
    /// Holds every inserted vector in memory meanwhile.
    /// </summary>
    private static void LinkAmongThemselves(
        DiskIndex intermediate, IVectorSource source, VamanaOptions options, MergeInserts result, int threads,
        CancellationToken cancellationToken)
    {
        int dimensions = source.Dimensions;
        int inserts = source.Count;
        float[] vectors = new float[(long)inserts * dimensions];
        for (int i = 0; i < inserts; i++)
        {
            Span<float> vector = vectors.AsSpan(i * dimensions, dimensions);
            source.Read(i, vector);
            intermediate.Quantizer.Encode(vector, result.Code(i));
        }

        VamanaIndex graph = new(intermediate.Metric, dimensions, options);
        graph.Build(vectors, inserts, threads, progress: null, cancellationToken);
        for (int i = 0; i < inserts; i++)
        {
            Span<uint> row = result.NeighborRow(i);
            int degree = graph.CopyNeighbors((uint)i, row);
            for (int k = 0; k < degree; k++)
            {
                row[k] = result.SlotOf((int)row[k]);
            }

            result.SetDegree(i, degree);
        }

        result.Medoid = result.SlotOf((int)graph.StartPoint);
    }
}

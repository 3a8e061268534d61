using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// Builds the Vamana graphs of a disk index build in memory (DiskANN, NeurIPS 2019, §3.2): one
/// <see cref="VamanaIndex"/> over all points when they fit the budget, or one per partition in turn, each spilled to its
/// shard file with neighbour ids translated to global ids and dropped before the next is built.
/// </summary>
internal static class PartitionGraphs
{
    /// <summary>Points one parallel work item reads from the source.</summary>
    private const int ReadChunk = 64;

    /// <summary>
    /// Builds partition p's graph over the points whose <paramref name="assignment"/> names p (<paramref name="sizes"/>[p]
    /// of them) and writes it to <paramref name="shardPaths"/>[p], for every p in turn.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static void BuildShards(
        IVectorSource source,
        Metric metric,
        VamanaOptions options,
        ushort[] assignment,
        int[] sizes,
        string[] shardPaths,
        int threads,
        PartitionProgress? progress,
        CancellationToken cancellationToken)
    {
        uint[] neighbors = new uint[options.MaxDegree];
        for (int p = 0; p < sizes.Length; p++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            uint[] members = Members(assignment, (ushort)p, sizes[p]);
            VamanaIndex index = Build(source, metric, options, members, members.Length, threads, progress?.Start(members.Length), cancellationToken);
            progress?.Finish();
            using PartitionShardWriter shard = new(shardPaths[p], BuildMemoryModel.ShardWriterBufferBytes);
            for (int i = 0; i < members.Length; i++)
            {
                int degree = index.CopyNeighbors((uint)i, neighbors);
                Span<uint> list = neighbors.AsSpan(0, degree);
                for (int j = 0; j < list.Length; j++)
                {
                    list[j] = members[list[j]];
                }

                shard.Append(members[i], list);
            }
        }
    }

    /// <summary>
    /// Builds a <see cref="VamanaIndex"/> over the source's points <paramref name="members"/> (ascending; null for all
    /// <paramref name="count"/> points), which become its points 0..count-1. The copy of the vectors handed to the build
    /// is unreachable once this returns.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static VamanaIndex Build(
        IVectorSource source,
        Metric metric,
        VamanaOptions options,
        uint[]? members,
        int count,
        int threads,
        IProgress<VamanaBuildProgress>? progress,
        CancellationToken cancellationToken)
    {
        int dimensions = source.Dimensions;
        float[] vectors = GC.AllocateUninitializedArray<float>(checked(count * dimensions));
        CallerParallel.For(
            count,
            ReadChunk,
            threads,
            (start, end) =>
            {
                for (int i = start; i < end; i++)
                {
                    source.Read(members is null ? i : (int)members[i], vectors.AsSpan(i * dimensions, dimensions));
                }
            },
            cancellationToken);
        VamanaIndex index = new(metric, dimensions, options);
        index.Build(vectors, count, threads, progress, cancellationToken);
        return index;
    }

    /// <summary>The points (ascending) whose assignment names <paramref name="partition"/>; <paramref name="size"/> of them.</summary>
    private static uint[] Members(ushort[] assignment, ushort partition, int size)
    {
        uint[] members = new uint[size];
        int n = 0;
        for (int i = 0; i < assignment.Length; i++)
        {
            if (assignment[i] == partition)
            {
                members[n++] = (uint)(i / 2);
            }
        }

        return members;
    }
}

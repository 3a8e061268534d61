using System.Collections.Concurrent;
using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// The merge step of DiskANN's build for data larger than memory (NeurIPS 2019, §3.2): every point's out-neighbours in
/// the two partitions it joined are united ("simply merge all the graphs into a single graph by taking the union of
/// edges"), and a union larger than R is cut back with RobustPrune over full-precision distances; the nodes go to the
/// sink in id order with their vectors and PQ codes.
/// </summary>
/// <remarks>
/// The shards are read sequentially, one reader each, since every shard lists its members in ascending id. Nodes are
/// merged a batch at a time: the batch's lists are read in order, the unions are formed and pruned in parallel (each
/// reading its own and its candidates' vectors from the source), and the batch is written in order.
/// </remarks>
internal sealed class BuildGraphMerge
{
    /// <summary>Nodes one parallel work item merges.</summary>
    private const int Chunk = 16;

    private readonly IVectorSource _source;
    private readonly Metric _metric;
    private readonly int _dimensions;
    private readonly int _maxDegree;
    private readonly float _alpha;
    private readonly ConcurrentStack<Scratch> _scratch = new();

    private BuildGraphMerge(IVectorSource source, Metric metric, int maxDegree, float alpha)
    {
        _source = source;
        _metric = metric;
        _dimensions = source.Dimensions;
        _maxDegree = maxDegree;
        _alpha = alpha;
    }

    /// <summary>
    /// Merges the shards at <paramref name="shardPaths"/> (node g is in shards <paramref name="assignment"/>[2g] and
    /// [2g + 1]) into <paramref name="sink"/>, then completes it.
    /// </summary>
    /// <exception cref="InvalidDataException">A shard that does not hold the expected records.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static void Run(
        IVectorSource source,
        Metric metric,
        VamanaOptions options,
        ReadOnlySpan<byte> codes,
        int chunks,
        ushort[] assignment,
        string[] shardPaths,
        int readerBufferBytes,
        int batch,
        int threads,
        IBuildNodeSink sink,
        CancellationToken cancellationToken)
    {
        BuildGraphMerge merge = new(source, metric, options.MaxDegree, options.Alpha);
        PartitionShardReader[] readers = new PartitionShardReader[shardPaths.Length];
        try
        {
            for (int p = 0; p < readers.Length; p++)
            {
                readers[p] = new PartitionShardReader(shardPaths[p], readerBufferBytes);
            }

            merge.Merge(codes, chunks, assignment, readers, batch, threads, sink, cancellationToken);
        }
        finally
        {
            foreach (PartitionShardReader? reader in readers)
            {
                reader?.Dispose();
            }
        }

        sink.Complete();
    }

    private void Merge(
        ReadOnlySpan<byte> codes,
        int chunks,
        ushort[] assignment,
        PartitionShardReader[] readers,
        int batch,
        int threads,
        IBuildNodeSink sink,
        CancellationToken cancellationToken)
    {
        int count = _source.Count;
        int width = 2 * _maxDegree;
        uint[] lists = new uint[batch * width];
        int[] degrees = new int[batch];
        float[] vectors = new float[batch * _dimensions];
        for (int start = 0; start < count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int size = Math.Min(batch, count - start);
            for (int i = 0; i < size; i++)
            {
                uint id = (uint)(start + i);
                Span<uint> row = lists.AsSpan(i * width, width);
                int first = readers[assignment[2 * id]].Read(id, row[.._maxDegree]);
                int second = readers[assignment[(2 * id) + 1]].Read(id, row.Slice(first, _maxDegree));
                degrees[i] = first + second;
            }

            int batchStart = start;
            CallerParallel.For(
                size,
                Chunk,
                threads,
                (from, to) =>
                {
                    Scratch scratch = RentScratch();
                    for (int i = from; i < to; i++)
                    {
                        Span<float> vector = vectors.AsSpan(i * _dimensions, _dimensions);
                        _source.Read(batchStart + i, vector);
                        degrees[i] = MergeNode((uint)(batchStart + i), vector, lists.AsSpan(i * width, width), degrees[i], scratch);
                    }

                    _scratch.Push(scratch);
                },
                cancellationToken);

            for (int i = 0; i < size; i++)
            {
                long node = start + i;
                sink.Append(
                    vectors.AsSpan(i * _dimensions, _dimensions),
                    lists.AsSpan(i * width, degrees[i]),
                    codes.Slice((int)(node * chunks), chunks));
            }
        }
    }

    /// <summary>
    /// Unites node <paramref name="id"/>'s lists (the first <paramref name="degree"/> ids of <paramref name="row"/>) into
    /// distinct ids other than itself, pruned to R when more; leaves them at the start of the row and returns how many.
    /// </summary>
    private int MergeNode(uint id, ReadOnlySpan<float> vector, Span<uint> row, int degree, Scratch scratch)
    {
        Span<uint> ids = scratch.Ids.AsSpan(0, degree);
        row[..degree].CopyTo(ids);
        ids.Sort();
        int distinct = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] != id && (distinct == 0 || ids[distinct - 1] != ids[i]))
            {
                ids[distinct++] = ids[i];
            }
        }

        ids = ids[..distinct];
        if (distinct <= _maxDegree)
        {
            ids.CopyTo(row);
            return distinct;
        }

        for (int c = 0; c < distinct; c++)
        {
            _source.Read((int)ids[c], scratch.Rows.AsSpan(c * _dimensions, _dimensions));
        }

        return _metric switch
        {
            Metric.L2 => Prune<L2Kernel>(vector, ids, row, scratch),
            Metric.InnerProduct => Prune<InnerProductKernel>(vector, ids, row, scratch),
            _ => Prune<CosineKernel>(vector, ids, row, scratch),
        };
    }

    /// <summary>
    /// RobustPrune(p, ids, alpha, R) with the candidates' vectors in the scratch rows (row c is ids[c]); writes the kept
    /// global ids, nearest first, into <paramref name="destination"/> and returns how many.
    /// </summary>
    private int Prune<TDistance>(ReadOnlySpan<float> vector, ReadOnlySpan<uint> ids, Span<uint> destination, Scratch scratch)
        where TDistance : struct, IDistance
    {
        int n = ids.Length;
        ReadOnlySpan<float> rows = scratch.Rows.AsSpan(0, n * _dimensions);
        Span<float> distances = scratch.Distances.AsSpan(0, n);
        VectorDistances.ComputeBatch<TDistance>(vector, rows, _dimensions, distances);

        // Rows follow ascending ids, so ranking ties by row is ranking them by id.
        Span<Neighbor> candidates = scratch.Candidates.AsSpan(0, n);
        for (int c = 0; c < n; c++)
        {
            candidates[c] = new Neighbor((uint)c, distances[c]);
        }

        candidates.Sort(default(NeighborComparer));
        DiskPrune.CandidateRows<TDistance> between = new(rows, _dimensions);
        Span<uint> kept = scratch.Kept;
        int degree = DiskPrune.RobustPrune(_metric, candidates, _alpha, _maxDegree, ref between, scratch.Occluded, kept);
        for (int k = 0; k < degree; k++)
        {
            destination[k] = ids[(int)kept[k]];
        }

        return degree;
    }

    private Scratch RentScratch() => _scratch.TryPop(out Scratch? scratch) ? scratch : new Scratch(_maxDegree, _dimensions);

    /// <summary>One thread's buffers for merging a node: up to 2R candidates with their vectors.</summary>
    private sealed class Scratch(int maxDegree, int dimensions)
    {
        public readonly uint[] Ids = new uint[2 * maxDegree];
        public readonly float[] Rows = new float[2 * maxDegree * dimensions];
        public readonly float[] Distances = new float[2 * maxDegree];
        public readonly Neighbor[] Candidates = new Neighbor[2 * maxDegree];
        public readonly bool[] Occluded = new bool[2 * maxDegree];
        public readonly uint[] Kept = new uint[maxDegree];
    }
}

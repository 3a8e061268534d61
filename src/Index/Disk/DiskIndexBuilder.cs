using System.Diagnostics;
using System.Globalization;
using AnnSql.Index.Distance;
using AnnSql.Index.Quantization;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>What a <see cref="DiskIndexBuilder.Build"/> did: points, graph partitions, the build's peak memory estimate and phase times.</summary>
/// <param name="Points">Nodes written.</param>
/// <param name="Partitions">Graph partitions built (1: the graph was built in one piece).</param>
/// <param name="PeakMemoryBytes">
/// The largest estimated live bytes of the build's own allocations over its phases (<see cref="BuildMemoryModel"/>): the
/// sample and training, the codes with the largest partition's index, or the merge's buffers with the writer.
/// </param>
/// <param name="QuantizerTraining">Sampling, PQ training and the pass that encodes every point (and assigns partitions).</param>
/// <param name="GraphBuild">The partition centres' k-means and the Vamana builds with their shard files.</param>
/// <param name="Write">The merge of the partition graphs and the writing and fsync of the index file.</param>
public sealed record DiskBuildSummary(int Points, int Partitions, long PeakMemoryBytes, TimeSpan QuantizerTraining, TimeSpan GraphBuild, TimeSpan Write);

/// <summary>
/// Builds a <see cref="DiskIndex"/> file from a vector source within a memory budget (DiskANN §3.2): trains the product
/// quantizer on a sample, then builds the Vamana graph in one piece when the vectors and graph fit the budget, or else in
/// overlapping partitions: k-means on a sample gives the partition centres, every point joins the partitions of its two
/// nearest centres, each partition's graph is built in memory alone and spilled to a temporary file, and the partition
/// graphs are merged (union of a point's out-neighbours, RobustPrune back to R) while the final file is written.
/// </summary>
/// <remarks>
/// Phases: (1) a seeded sample of up to 20,000 points (fewer when the budget requires) trains the quantizer (10 k-means
/// iterations) and, for a partitioned build, the partition centres; (2) one parallel pass over the source encodes every
/// point, finds the point nearest the sample mean (the medoid of a partitioned build; a build in one piece starts at its
/// index's own medoid) and assigns each point to two partitions, capped at 1.2 times their average share; (3) the graphs;
/// (4) the merge and write. The number of partitions is the smallest whose capped partition's graph fits the budget next
/// to the codes (<see cref="BuildMemoryModel"/>). Shard files are written beside the output (path.shardN.tmp) and deleted
/// however the build ends.
/// </remarks>
public static class DiskIndexBuilder
{
    /// <summary>Lloyd iterations of the quantizer's training.</summary>
    internal const int QuantizerIterations = 10;

    /// <summary>
    /// Builds the index over <paramref name="source"/> (ids 0..Count-1 become node ids) into <paramref name="path"/>.
    /// <paramref name="pqChunks"/> 0 picks <see cref="Quantization.ProductQuantizer.DefaultChunks"/>.
    /// </summary>
    /// <param name="path">The index file to create (replaced if it exists).</param>
    /// <param name="source">The vectors; read several times (sample, pass, graph builds, merge), from several threads.</param>
    /// <param name="metric">L2, InnerProduct or Cosine.</param>
    /// <param name="options">R, L, alpha and the seed of the graph builds, the sample and the k-means.</param>
    /// <param name="pqChunks">PQ chunks (bytes a code), 0..Dimensions; 0 for the default.</param>
    /// <param name="memoryBudgetBytes">Bytes the build's own allocations may take at once (see <see cref="DiskBuildSummary.PeakMemoryBytes"/>).</param>
    /// <param name="threads">Threads of every parallel phase, at least 1.</param>
    /// <param name="progress">
    /// Hears the graph builds' progress across all partitions: PointsTotal counts two insertions (one a pass) of each point
    /// in each partition it joins, PointsDone those made so far, and Pass is the current partition's pass.
    /// </param>
    /// <param name="cancellationToken">Checked between blocks of work.</param>
    /// <param name="trainingDevice">
    /// A GPU for the Lloyd rounds of the PQ training (<see cref="Quantization.ProductQuantizer.Train(Metric, int, int, ReadOnlySpan{float}, int, int, int, int, Gpu.GpuDevice?, CancellationToken)"/>),
    /// or null for the CPU (same seeding, same Lloyd rounds).
    /// </param>
    /// <exception cref="ArgumentException">
    /// An empty source, a bad metric or options, or a budget that cannot hold the PQ codes and the graph of one partition
    /// of <see cref="BuildMemoryModel.MinPartitionPoints"/> points (the message gives the sizes).
    /// </exception>
    /// <exception cref="OperationCanceledException">Cancelled; the partial file is deleted.</exception>
    public static DiskBuildSummary Build(
        string path, IVectorSource source, Metric metric, VamanaOptions options, int pqChunks, long memoryBudgetBytes, int threads,
        IProgress<VamanaBuildProgress>? progress, CancellationToken cancellationToken, Gpu.GpuDevice? trainingDevice = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        DiskIndexWriter? writer = null;
        bool completed = false;
        try
        {
            DiskBuildSummary summary = BuildInto(
                source,
                metric,
                options,
                pqChunks,
                memoryBudgetBytes,
                threads,
                path,
                (medoid, quantizer) =>
                {
                    writer = new DiskIndexWriter(path, metric, source.Dimensions, options.MaxDegree, source.Count, medoid, quantizer);
                    return new BuildWriterSink(writer);
                },
                progress,
                cancellationToken,
                trainingDevice);
            completed = true;
            return summary;
        }
        finally
        {
            writer?.Dispose();
            if (!completed && writer is not null)
            {
                TryDelete(path);
            }
        }
    }

    /// <summary>
    /// The build with the finished nodes going to the sink <paramref name="openSink"/>(medoid, quantizer) returns, opened
    /// once the graph is built; shard files are named <paramref name="shardPrefix"/>.shardN.tmp.
    /// </summary>
    internal static DiskBuildSummary BuildInto(
        IVectorSource source,
        Metric metric,
        VamanaOptions options,
        int pqChunks,
        long memoryBudgetBytes,
        int threads,
        string shardPrefix,
        Func<uint, ProductQuantizer, IBuildNodeSink> openSink,
        IProgress<VamanaBuildProgress>? progress,
        CancellationToken cancellationToken,
        Gpu.GpuDevice? trainingDevice = null)
    {
        int chunks = Validate(source, metric, options, pqChunks, memoryBudgetBytes, threads);
        int count = source.Count;
        int dimensions = source.Dimensions;
        BuildMemoryModel model = BuildMemoryModel.Plan(
            count, dimensions, chunks, options.MaxDegree, options.BuildListSize, threads, memoryBudgetBytes);
        int partitions = model.Partitions;

        // (1) Sample, quantizer and partition centres.
        Stopwatch clock = Stopwatch.StartNew();
        float[] sample = ReadSample(source, model.SampleCount, options.Seed, threads, cancellationToken);
        ProductQuantizer quantizer = ProductQuantizer.Train(
            metric, dimensions, chunks, sample.AsSpan(0, model.SampleCount * dimensions), model.SampleCount, QuantizerIterations, options.Seed,
            threads, trainingDevice, cancellationToken);
        model.SetQuantizerBytes(quantizer.MemoryBytes);
        TimeSpan training = clock.Elapsed;
        clock.Restart();
        float[]? mean = null;
        float[]? centres = null;
        if (partitions > 1)
        {
            mean = Mean(sample, model.SampleCount, dimensions);
            centres = PartitionCentres.Train(sample, model.SampleCount, dimensions, partitions, options.Seed, threads, cancellationToken);
        }

        TimeSpan centring = clock.Elapsed;
        sample = [];

        // (2) Codes, medoid and partition assignment in one pass.
        clock.Restart();
        byte[] codes = new byte[(long)count * chunks];
        ushort[]? assignment = partitions > 1 ? new ushort[2L * count] : null;
        int[] sizes = new int[partitions];
        uint medoid = BuildPointPass.Run(
            source, quantizer, codes, mean, centres, model.PartitionCap, assignment, sizes, threads, cancellationToken);
        centres = null;
        training += clock.Elapsed;

        // (3) and (4): the graph, then the merge and write.
        PartitionProgress? graphProgress = progress is null ? null : new PartitionProgress(progress, 2L * Sum(sizes, count, partitions));
        TimeSpan graph;
        TimeSpan write;
        int largest;
        if (partitions == 1)
        {
            clock.Restart();
            VamanaIndex index = PartitionGraphs.Build(
                source, metric, options, null, count, threads, graphProgress?.Start(count), cancellationToken);
            graph = centring + clock.Elapsed;
            clock.Restart();
            IBuildNodeSink sink = openSink(index.StartPoint, quantizer);
            WriteIndex(index, codes, chunks, sink, cancellationToken);
            write = clock.Elapsed;
            largest = count;
        }
        else
        {
            string[] shardPaths = new string[partitions];
            for (int p = 0; p < partitions; p++)
            {
                shardPaths[p] = string.Create(CultureInfo.InvariantCulture, $"{shardPrefix}.shard{p}.tmp");
            }

            try
            {
                clock.Restart();
                PartitionGraphs.BuildShards(source, metric, options, assignment!, sizes, shardPaths, threads, graphProgress, cancellationToken);
                graph = centring + clock.Elapsed;
                clock.Restart();
                IBuildNodeSink sink = openSink(medoid, quantizer);
                BuildGraphMerge.Run(
                    source, metric, options, codes, chunks, assignment!, shardPaths, model.ReaderBufferBytes, model.MergeBatch, threads, sink,
                    cancellationToken);
                write = clock.Elapsed;
            }
            finally
            {
                foreach (string shard in shardPaths)
                {
                    TryDelete(shard);
                }
            }

            largest = 0;
            foreach (int size in sizes)
            {
                largest = Math.Max(largest, size);
            }
        }

        return new DiskBuildSummary(count, partitions, model.PeakBytes(largest), training, graph, write);
    }

    /// <summary>Checks the arguments; returns the PQ chunk count to use.</summary>
    private static int Validate(IVectorSource source, Metric metric, VamanaOptions options, int pqChunks, long memoryBudgetBytes, int threads)
    {
        if (metric is not (Metric.L2 or Metric.InnerProduct or Metric.Cosine))
        {
            throw new ArgumentException($"a disk index supports the L2, InnerProduct and Cosine metrics, not {metric}", nameof(metric));
        }

        if (source.Count <= 0)
        {
            throw new ArgumentException("the vector source is empty", nameof(source));
        }

        int dimensions = source.Dimensions;
        if (dimensions <= 0)
        {
            throw new ArgumentException($"the vector source has {dimensions} dimensions", nameof(source));
        }

        if (options.MaxDegree < 1 || options.BuildListSize < 1 || !(options.Alpha >= 1f) || float.IsInfinity(options.Alpha))
        {
            throw new ArgumentException(
                $"options need max_degree ≥ 1, l_build ≥ 1 and a finite alpha ≥ 1, not {options.MaxDegree}, {options.BuildListSize} and {options.Alpha}",
                nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(pqChunks);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pqChunks, dimensions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryBudgetBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        int chunks = pqChunks == 0 ? ProductQuantizer.DefaultChunks(dimensions) : pqChunks;
        if ((long)source.Count * chunks > Array.MaxLength)
        {
            throw new ArgumentException(
                $"{source.Count} codes of {chunks} bytes exceed the largest array ({Array.MaxLength} bytes)", nameof(source));
        }

        return chunks;
    }

    /// <summary>
    /// Reads a seeded uniform sample of <paramref name="sampleCount"/> points in ascending id order (Knuth's selection
    /// sampling, TAOCP vol. 2 §3.4.2 Algorithm S: one pass, no id set).
    /// </summary>
    private static float[] ReadSample(IVectorSource source, int sampleCount, int seed, int threads, CancellationToken cancellationToken)
    {
        int count = source.Count;
        uint[] ids = new uint[sampleCount];
        Random random = new(seed);
        int chosen = 0;
        for (int i = 0; i < count && chosen < sampleCount; i++)
        {
            if (random.Next(count - i) < sampleCount - chosen)
            {
                ids[chosen++] = (uint)i;
            }
        }

        int dimensions = source.Dimensions;
        float[] sample = GC.AllocateUninitializedArray<float>(checked(sampleCount * dimensions));
        CallerParallel.For(
            sampleCount,
            64,
            threads,
            (start, end) =>
            {
                for (int i = start; i < end; i++)
                {
                    source.Read((int)ids[i], sample.AsSpan(i * dimensions, dimensions));
                }
            },
            cancellationToken);
        return sample;
    }

    /// <summary>The mean of the first <paramref name="count"/> rows, accumulated in double.</summary>
    private static float[] Mean(float[] rows, int count, int dimensions)
    {
        double[] sum = new double[dimensions];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> row = rows.AsSpan(i * dimensions, dimensions);
            for (int d = 0; d < dimensions; d++)
            {
                sum[d] += row[d];
            }
        }

        float[] mean = new float[dimensions];
        for (int d = 0; d < dimensions; d++)
        {
            mean[d] = (float)(sum[d] / count);
        }

        return mean;
    }

    /// <summary>Points in all partitions together (each point twice when partitioned).</summary>
    private static long Sum(int[] sizes, int count, int partitions)
    {
        if (partitions == 1)
        {
            return count;
        }

        long total = 0;
        foreach (int size in sizes)
        {
            total += size;
        }

        return total;
    }

    /// <summary>Writes a graph built in one piece: each node's vector and list from the index, its code from the pass.</summary>
    private static void WriteIndex(VamanaIndex index, byte[] codes, int chunks, IBuildNodeSink sink, CancellationToken cancellationToken)
    {
        uint[] neighbors = new uint[index.Options.MaxDegree];
        int count = index.Count;
        for (int i = 0; i < count; i++)
        {
            if ((i & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            int degree = index.CopyNeighbors((uint)i, neighbors);
            sink.Append(index.GetVector((uint)i), neighbors.AsSpan(0, degree), codes.AsSpan((int)((long)i * chunks), chunks));
        }

        sink.Complete();
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the build's own failure is the one to report.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}

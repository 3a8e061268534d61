using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AnnSql.Index.Distance;
using AnnSql.Index.Gpu;
using AnnSql.Index.Quantization;
using AnnSql.Index.Search;

using AnnSql.Tools.Datasets;

namespace AnnSql.Benchmarks;

/// <summary>
/// The device path against the SIMD CPU path: exact top-k of N queries over the base rows (queries/s and recall@k against
/// the set's gt.ibin, ties counted), batch-distance throughput (distances/s), and product quantizer training time (k-means
/// on the CPU vs assignment and update on the device) with the quantization error of each. Prints which device ran.
/// The CPU path uses every core; on a machine without CUDA the device path is ILGPU's CPU accelerator (slow), so
/// <c>--queries</c> limits N.
/// </summary>
internal static class GpuBenchmark
{
    public static Command CreateCommand(Option<string[]> dataOption, Func<string[]?, VectorDataSet> loadData)
    {
        Option<int> queries = new("--queries") { Description = "Queries for the top-k runs (at most the set's)", DefaultValueFactory = _ => 10_000 };
        Option<int> k = new("--k") { Description = "Neighbours per query", DefaultValueFactory = _ => 10 };
        Option<bool> cpu = new("--cpu-accelerator") { Description = "Use ILGPU's CPU accelerator even when CUDA is present" };
        Option<int> distanceQueries = new("--distance-queries")
        {
            Description = "Queries for the batch-distance throughput (each against every base row)",
            DefaultValueFactory = _ => 100,
        };
        Option<int> pqSample = new("--pq-sample") { Description = "Training rows for the PQ k-means (0 skips it)", DefaultValueFactory = _ => 20_000 };
        Option<int> pqIterations = new("--pq-iterations") { Description = "Lloyd iterations per chunk", DefaultValueFactory = _ => 10 };
        Option<int> pqChunks = new("--pq-chunks") { Description = "PQ chunks (0: ProductQuantizer.DefaultChunks)", DefaultValueFactory = _ => 0 };
        Command command = new("gpu", "Exact top-k, batch distances and PQ training: SIMD CPU path vs the GPU path (ILGPU)")
        {
            dataOption, queries, k, cpu, distanceQueries, pqSample, pqIterations, pqChunks,
        };
        command.SetAction(parse => Run(
            loadData(parse.GetValue(dataOption)),
            parse.GetValue(queries),
            parse.GetValue(k),
            parse.GetValue(cpu),
            parse.GetValue(distanceQueries),
            parse.GetValue(pqSample),
            parse.GetValue(pqIterations),
            parse.GetValue(pqChunks)));
        return command;
    }

    private static int Run(
        VectorDataSet data, int queryCount, int k, bool forceCpu, int distanceQueries, int pqSample, int pqIterations, int pqChunks)
    {
        queryCount = Math.Clamp(queryCount, 1, data.QueryCount);
        k = Math.Clamp(k, 1, data.GroundTruthK);
        int dim = data.Dimensions;
        Stopwatch clock = Stopwatch.StartNew();
        using GpuDevice device = GpuDevice.Create(new GpuOptions { Mode = forceCpu ? GpuMode.ForceCpu : GpuMode.Auto });
        Console.WriteLine($"# data: {data.Directory}, {data.Count} x {dim}, {queryCount} queries, k = {k}");
        Console.WriteLine($"# device: {device.Kind} \"{device.Name}\", {device.DeviceMemoryBytes >> 20} MiB, budget {device.MemoryBudgetBytes >> 20} MiB (opened in {clock.Elapsed.TotalSeconds:0.00} s)");
        Console.WriteLine($"# CPU path: SIMD kernels on {Environment.ProcessorCount} threads");

        ReadOnlySpan<float> queries = data.Queries.AsSpan(0, queryCount * dim);
        uint[] cpuIds = new uint[queryCount * k];
        float[] cpuDistances = new float[queryCount * k];
        clock.Restart();
        CpuTopK(data, queryCount, k, cpuIds, cpuDistances);
        double cpuSeconds = clock.Elapsed.TotalSeconds;
        Report("top-k", "CPU SIMD", queryCount / cpuSeconds, "queries/s", Recall(data, queryCount, k, cpuIds));

        clock.Restart();
        using GpuVectorSet set = new(device, GpuElementType.Float32, dim, data.Count);
        set.Append(data.BaseRows);
        Console.WriteLine($"# upload: {data.Count} rows in {clock.Elapsed.TotalSeconds:0.000} s");

        // Warm-up: compiles the kernels before the clock starts.
        uint[] gpuIds = new uint[queryCount * k];
        float[] gpuDistances = new float[queryCount * k];
        set.SearchTopK(Metric.L2, queries[..dim], k, gpuIds, gpuDistances);
        clock.Restart();
        set.SearchTopK(Metric.L2, queries, k, gpuIds, gpuDistances);
        double gpuSeconds = clock.Elapsed.TotalSeconds;
        Report("top-k", $"GPU ({device.Kind})", queryCount / gpuSeconds, "queries/s", Recall(data, queryCount, k, gpuIds));
        int same = 0;
        for (int i = 0; i < gpuIds.Length; i++)
        {
            same += gpuIds[i] == cpuIds[i] ? 1 : 0;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# top-k ids equal to the CPU path's, rank by rank: {same * 100.0 / gpuIds.Length:0.00} %"));

        int batch = Math.Clamp(distanceQueries, 1, data.QueryCount);
        ReadOnlySpan<float> batchQueries = data.Queries.AsSpan(0, batch * dim);
        float[] distances = new float[checked(batch * data.Count)];
        clock.Restart();
        CpuDistances(data, batch, distances);
        Report("distances", "CPU SIMD", (double)batch * data.Count / clock.Elapsed.TotalSeconds, "distances/s", null);
        set.ComputeDistances(Metric.L2, batchQueries[..dim], 0, data.Count, distances);
        clock.Restart();
        set.ComputeDistances(Metric.L2, batchQueries, 0, data.Count, distances);
        Report("distances", $"GPU ({device.Kind})", (double)batch * data.Count / clock.Elapsed.TotalSeconds, "distances/s", null);

        if (pqSample > 0)
        {
            int sample = Math.Min(pqSample, data.Count);
            int chunks = pqChunks > 0 ? pqChunks : ProductQuantizer.DefaultChunks(dim);
            ReadOnlySpan<float> rows = data.BaseRows.AsSpan(0, sample * dim);
            clock.Restart();
            ProductQuantizer cpuPq = ProductQuantizer.Train(
                Metric.L2, dim, chunks, rows, sample, pqIterations, 1, Environment.ProcessorCount, CancellationToken.None);
            double cpuTrain = clock.Elapsed.TotalSeconds;
            clock.Restart();
            ProductQuantizer gpuPq = ProductQuantizer.Train(
                Metric.L2, dim, chunks, rows, sample, pqIterations, 1, Environment.ProcessorCount, device, CancellationToken.None);
            double gpuTrain = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"# PQ training: {sample} rows, {chunks} chunks x 256 centroids, {pqIterations} iterations");
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{"pq-train",-10} {"CPU SIMD",-14} {cpuTrain,12:0.00} s   quantization error {Distortion(cpuPq, data):0.0000}"));
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{"pq-train",-10} {"GPU (" + device.Kind + ")",-14} {gpuTrain,12:0.00} s   quantization error {Distortion(gpuPq, data):0.0000}"));
        }

        return 0;
    }

    private static void Report(string what, string path, double rate, string unit, double? recall) =>
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{what,-10} {path,-14} {rate,16:N0} {unit}{(recall is { } r ? $"   recall@k {r:0.0000}" : string.Empty)}"));

    /// <summary>Exact top-k per query with the SIMD batch kernel and <see cref="TopKHeap"/>, queries spread over the cores.</summary>
    private static void CpuTopK(VectorDataSet data, int queryCount, int k, uint[] ids, float[] distances)
    {
        int dim = data.Dimensions;
        Parallel.For(
            0,
            queryCount,
            () => (Heap: new TopKHeap(k), Row: new float[data.Count], Ids: new long[k]),
            (q, _, scratch) =>
            {
                VectorDistances.ComputeBatch(Metric.L2, data.Queries.AsSpan(q * dim, dim), data.BaseRows, dim, scratch.Row);
                scratch.Heap.Reset(k);
                for (int r = 0; r < data.Count; r++)
                {
                    if (scratch.Row[r] <= scratch.Heap.WorstDistance)
                    {
                        scratch.Heap.TryAdd(scratch.Row[r], r);
                    }
                }

                int n = scratch.Heap.DrainSorted(distances.AsSpan(q * k, k), scratch.Ids);
                for (int j = 0; j < n; j++)
                {
                    ids[(q * k) + j] = (uint)scratch.Ids[j];
                }

                return scratch;
            },
            _ => { });
    }

    /// <summary>Batch distances of the first <paramref name="batch"/> queries to every row, queries spread over the cores.</summary>
    private static void CpuDistances(VectorDataSet data, int batch, float[] distances)
    {
        int dim = data.Dimensions;
        Parallel.For(0, batch, q => VectorDistances.ComputeBatch(
            Metric.L2, data.Queries.AsSpan(q * dim, dim), data.BaseRows, dim, distances.AsSpan(q * data.Count, data.Count)));
    }

    /// <summary>
    /// Recall@k against the set's ground truth: a returned id counts when it is among the true top k, or when its distance
    /// ties the k-th true distance.
    /// </summary>
    private static double Recall(VectorDataSet data, int queryCount, int k, uint[] ids)
    {
        int dim = data.Dimensions;
        long hits = 0;
        HashSet<int> truth = [];
        for (int q = 0; q < queryCount; q++)
        {
            ReadOnlySpan<int> neighbours = data.Neighbours(q, k);
            truth.Clear();
            foreach (int id in neighbours)
            {
                truth.Add(id);
            }

            ReadOnlySpan<float> query = data.Queries.AsSpan(q * dim, dim);
            float kth = VectorDistances.L2Squared(query, data.BaseRows.AsSpan(neighbours[^1] * dim, dim));
            for (int j = 0; j < k; j++)
            {
                uint id = ids[(q * k) + j];
                if (id == uint.MaxValue)
                {
                    continue;
                }

                if (truth.Contains((int)id) || VectorDistances.L2Squared(query, data.BaseRows.AsSpan((int)id * dim, dim)) <= kth)
                {
                    hits++;
                }
            }
        }

        return (double)hits / ((long)queryCount * k);
    }

    /// <summary>Mean squared L2 error of encoding then decoding the first 2,000 base rows.</summary>
    private static double Distortion(ProductQuantizer pq, VectorDataSet data)
    {
        int count = Math.Min(2000, data.Count);
        byte[] code = new byte[pq.Chunks];
        float[] decoded = new float[pq.Dimensions];
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> row = data.BaseRows.AsSpan(i * pq.Dimensions, pq.Dimensions);
            pq.Encode(row, code);
            pq.Decode(code, decoded);
            sum += VectorDistances.L2Squared(row, decoded);
        }

        return sum / count;
    }
}

using System.Diagnostics;
using AnnSql.Index.Disk;
using AnnSql.Index.Distance;
using AnnSql.Index.Quantization;
using AnnSql.Index.Vamana;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>
/// The MNIST subset (9,000 × 784, 28.2 MB of float32 vectors) built twice into <see cref="DiskIndex"/> files with
/// <see cref="DiskIndexBuilder"/>: under a 12 MiB budget, which forces the partitioned build of DiskANN §3.2, and under
/// 1 GiB, which builds the graph in one piece. Both files are opened and every node's neighbour list is read back.
/// </summary>
public sealed class DiskBuildFixture : IDisposable
{
    /// <summary>The test collection of the build tests: run one at a time, as each keeps the cores busy.</summary>
    public const string Collection = "disk index build";

    public const int K = 10;

    /// <summary>12 MB, under half the vectors' 28.2 MB.</summary>
    public const long SmallBudget = 12_000_000;

    public const long LargeBudget = 1L << 30;

    public static readonly VamanaOptions Options = new();

    public DiskBuildFixture()
    {
        MnistRows mnist = MnistRows.Shared;
        (BaseRows, Count, Dimensions) = (mnist.BaseRows, mnist.Count, mnist.Dimensions);
        (Queries, QueryCount) = (mnist.Queries, mnist.QueryCount);
        (GroundTruth, GroundTruthK, GroundTruthDistances) = (mnist.GroundTruth, mnist.GroundTruthK, mnist.GroundTruthDistances);
        Directory = System.IO.Directory.CreateTempSubdirectory("annsql-diskbuild-").FullName;
        Source = MnistRows.Shared.Source;
        int threads = Environment.ProcessorCount;

        try
        {
            Stopwatch clock = Stopwatch.StartNew();
            PartitionedPath = Path.Combine(Directory, "partitioned.diskann");
            Partitioned = DiskIndexBuilder.Build(
                PartitionedPath, Source, Metric.L2, Options, 0, SmallBudget, threads, PartitionedProgress, CancellationToken.None);
            PartitionedSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            SinglePath = Path.Combine(Directory, "single.diskann");
            Single = DiskIndexBuilder.Build(SinglePath, Source, Metric.L2, Options, 0, LargeBudget, threads, null, CancellationToken.None);
            SingleSeconds = clock.Elapsed.TotalSeconds;

            PartitionedIndex = DiskIndex.Open(PartitionedPath, directIo: false);
            SingleIndex = DiskIndex.Open(SinglePath, directIo: false);
            PartitionedGraph = ReadGraph(PartitionedIndex);
            SingleGraph = ReadGraph(SingleIndex);
        }
        catch
        {
            System.IO.Directory.Delete(Directory, recursive: true);
            throw;
        }
    }

    public float[] BaseRows { get; }

    public int Count { get; }

    public int Dimensions { get; }

    public float[] Queries { get; }

    public int QueryCount { get; }

    public int[] GroundTruth { get; }

    public int GroundTruthK { get; }

    public float[] GroundTruthDistances { get; }

    public string Directory { get; }

    public ArrayVectorSource Source { get; }

    public string PartitionedPath { get; }

    public string SinglePath { get; }

    public DiskBuildSummary Partitioned { get; }

    /// <summary>What the partitioned build reported.</summary>
    public ProgressLog PartitionedProgress { get; } = new();

    public DiskBuildSummary Single { get; }

    public double PartitionedSeconds { get; }

    public double SingleSeconds { get; }

    public DiskIndex PartitionedIndex { get; }

    public DiskIndex SingleIndex { get; }

    /// <summary>Every node's neighbour list as read back from the partitioned build's file.</summary>
    public uint[][] PartitionedGraph { get; }

    /// <summary>Every node's neighbour list as read back from the one-piece build's file.</summary>
    public uint[][] SingleGraph { get; }

    public ReadOnlySpan<float> Query(int q) => TestData.Row(Queries, Dimensions, q);

    /// <summary>
    /// recall@10 of <paramref name="search"/> over all queries: a returned id counts when it is a true neighbour or ties
    /// the 10th true distance (float rounding allowed).
    /// </summary>
    public double Recall(Func<int, uint[], float[], int> search)
    {
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        int hits = 0;
        for (int q = 0; q < QueryCount; q++)
        {
            int found = search(q, ids, distances);
            ReadOnlySpan<int> truth = GroundTruth.AsSpan(q * GroundTruthK, K);
            float kth = GroundTruthDistances[(q * GroundTruthK) + K - 1];
            for (int i = 0; i < found; i++)
            {
                if (truth.Contains((int)ids[i]) || distances[i] <= kth + (1e-5f * Math.Max(Math.Abs(kth), 1f)))
                {
                    hits++;
                }
            }
        }

        return hits / (double)(QueryCount * K);
    }

    public void Dispose()
    {
        PartitionedIndex.Dispose();
        SingleIndex.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static uint[][] ReadGraph(DiskIndex index)
    {
        float[] vector = new float[index.Dimensions];
        uint[] neighbors = new uint[index.MaxDegree];
        uint[][] graph = new uint[index.Count][];
        for (uint i = 0; i < index.Count; i++)
        {
            int degree = index.ReadNode(i, vector, neighbors);
            graph[i] = neighbors.AsSpan(0, degree).ToArray();
        }

        return graph;
    }
}

/// <summary>Collects build progress reports, which arrive from several threads.</summary>
public sealed class ProgressLog : IProgress<VamanaBuildProgress>
{
    private readonly Lock _lock = new();
    private readonly HashSet<long> _totals = [];

    public int Reports { get; private set; }

    public long MostDone { get; private set; }

    public IReadOnlyCollection<long> Totals => _totals;

    public void Report(VamanaBuildProgress value)
    {
        lock (_lock)
        {
            Reports++;
            MostDone = Math.Max(MostDone, value.PointsDone);
            _totals.Add(value.PointsTotal);
        }
    }
}

/// <summary>An <see cref="IVectorSource"/> over a row-major array, counting reads and able to cancel a build after a number of them.</summary>
public sealed class ArrayVectorSource(float[] rows, int count, int dimensions) : IVectorSource
{
    private long _reads;

    public int Count => count;

    public int Dimensions => dimensions;

    /// <summary>Reads so far.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Cancelled once <see cref="Reads"/> reaches <see cref="CancelAfter"/>.</summary>
    public CancellationTokenSource? Cancel { get; set; }

    public long CancelAfter { get; set; } = long.MaxValue;

    /// <summary>Runs on the reading thread just before the cancellation.</summary>
    public Action? BeforeCancel { get; set; }

    public void Read(int id, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)id, (uint)count, nameof(id));
        rows.AsSpan(id * dimensions, dimensions).CopyTo(destination);
        if (Interlocked.Increment(ref _reads) == CancelAfter)
        {
            BeforeCancel?.Invoke();
            Cancel?.Cancel();
        }
    }
}

[Collection(DiskBuildFixture.Collection)]
public sealed class DiskIndexBuilderTests(DiskBuildFixture fixture, ITestOutputHelper output) : IClassFixture<DiskBuildFixture>
{
    private const int K = DiskBuildFixture.K;

    [Fact]
    public void Partitioned_build_stays_within_the_budget_and_writes_a_valid_graph()
    {
        DiskBuildSummary summary = fixture.Partitioned;
        output.WriteLine(
            $"12 MB: {summary.Partitions} partitions, peak {summary.PeakMemoryBytes} bytes, PQ {summary.QuantizerTraining.TotalSeconds:F2} s, "
            + $"graph {summary.GraphBuild.TotalSeconds:F2} s, write {summary.Write.TotalSeconds:F2} s, total {fixture.PartitionedSeconds:F2} s");
        Assert.True(summary.Partitions > 1, $"a budget below the vectors' size must partition, got {summary.Partitions}");
        Assert.True(
            summary.PeakMemoryBytes <= DiskBuildFixture.SmallBudget,
            $"peak {summary.PeakMemoryBytes} bytes exceeds the {DiskBuildFixture.SmallBudget}-byte budget");
        Assert.Equal(fixture.Count, summary.Points);
        Assert.Equal(fixture.Count, fixture.PartitionedIndex.Count);
        Assert.Equal(0, fixture.PartitionedIndex.FreeCount);
        AdjacencyGraphs.AssertInvariants(fixture.PartitionedGraph, DiskBuildFixture.Options.MaxDegree);
        Assert.Empty(System.IO.Directory.GetFiles(fixture.Directory, "*.tmp"));

        // Progress spans all partitions: two passes over each point's two partitions.
        ProgressLog progress = fixture.PartitionedProgress;
        Assert.Equal([4L * fixture.Count], progress.Totals);
        Assert.Equal(4L * fixture.Count, progress.MostDone);
        Assert.True(progress.Reports >= 2 * 100, $"{progress.Reports} progress reports");
    }

    [Fact]
    public void One_piece_build_under_a_large_budget_writes_a_valid_graph()
    {
        DiskBuildSummary summary = fixture.Single;
        output.WriteLine(
            $"1 GiB: {summary.Partitions} partition, peak {summary.PeakMemoryBytes} bytes, PQ {summary.QuantizerTraining.TotalSeconds:F2} s, "
            + $"graph {summary.GraphBuild.TotalSeconds:F2} s, write {summary.Write.TotalSeconds:F2} s, total {fixture.SingleSeconds:F2} s");
        Assert.Equal(1, summary.Partitions);
        Assert.True(summary.PeakMemoryBytes <= DiskBuildFixture.LargeBudget);
        Assert.Equal(fixture.Count, fixture.SingleIndex.Count);
        AdjacencyGraphs.AssertInvariants(fixture.SingleGraph, DiskBuildFixture.Options.MaxDegree);
    }

    [Fact]
    public void Partitioned_build_recall_through_disk_search_matches_the_one_piece_build()
    {
        double[] partitioned = new double[3];
        double[] single = new double[3];
        int[] listSizes = [50, 100, 150];
        for (int i = 0; i < listSizes.Length; i++)
        {
            int listSize = listSizes[i];
            partitioned[i] = fixture.Recall((q, ids, distances) => fixture.PartitionedIndex.Search(fixture.Query(q), listSize, 4, ids, distances, out _));
            single[i] = fixture.Recall((q, ids, distances) => fixture.SingleIndex.Search(fixture.Query(q), listSize, 4, ids, distances, out _));
            output.WriteLine($"L = {listSize}, W = 4: recall@10 partitioned {partitioned[i]:F4}, one piece {single[i]:F4}");
        }

        Assert.True(partitioned[1] >= 0.95, $"partitioned recall@10 at L = 100 is {partitioned[1]:F4}");
        Assert.True(partitioned[1] >= single[1] - 0.02, $"partitioned {partitioned[1]:F4} trails one piece {single[1]:F4} at L = 100");
    }

    [Fact]
    public void Merged_graph_alone_has_high_recall_with_exact_distances()
    {
        // A plain GreedySearch over the merged adjacency with full-precision distances: the graph's quality without PQ.
        uint medoid = fixture.PartitionedIndex.Medoid;
        double recall = fixture.Recall((q, ids, distances) => AdjacencyGraphs.GreedySearch(fixture.PartitionedGraph, fixture.BaseRows, fixture.Dimensions, Metric.L2, medoid, fixture.Query(q), 100, ids, distances));
        double single = fixture.Recall((q, ids, distances) => AdjacencyGraphs.GreedySearch(fixture.SingleGraph, fixture.BaseRows, fixture.Dimensions, Metric.L2, fixture.SingleIndex.Medoid, fixture.Query(q), 100, ids, distances));
        output.WriteLine($"exact GreedySearch, L = 100: recall@10 merged {recall:F4}, one piece {single:F4}");
        Assert.True(recall >= 0.97, $"recall@10 {recall:F4} over the merged graph");
    }
}

/// <summary>Checks and searches of a graph held as one neighbour array a node.</summary>
public static class AdjacencyGraphs
{
    /// <summary>Out-degree at most R, no self loops, no repeated neighbours, ids below the count.</summary>
    public static void AssertInvariants(uint[][] graph, int maxDegree)
    {
        HashSet<uint> seen = [];
        long edges = 0;
        for (uint p = 0; p < graph.Length; p++)
        {
            uint[] neighbors = graph[p];
            Assert.True(neighbors.Length <= maxDegree, $"node {p} has out-degree {neighbors.Length} > R = {maxDegree}");
            Assert.True(neighbors.Length > 0, $"node {p} has no out-neighbour");
            seen.Clear();
            foreach (uint j in neighbors)
            {
                Assert.True(j != p, $"node {p} links to itself");
                Assert.True(j < graph.Length, $"node {p} links to {j}, beyond count {graph.Length}");
                Assert.True(seen.Add(j), $"node {p} lists neighbour {j} twice");
            }

            edges += neighbors.Length;
        }

        Assert.True(edges > graph.Length * (long)maxDegree / 4, $"only {edges} edges over {graph.Length} nodes");
    }

    /// <summary>
    /// GreedySearch (DiskANN Algorithm 1) over an adjacency array from <paramref name="start"/> with exact distances
    /// (<paramref name="metric"/>) to the row-major <paramref name="rows"/>; writes the nearest ids found, closest first.
    /// </summary>
    public static int GreedySearch(
        uint[][] graph, float[] rows, int dims, Metric metric, uint start, ReadOnlySpan<float> query, int listSize, uint[] ids, float[] distances)
    {
        List<(float Distance, uint Id, bool Expanded)> list = [(Distance(metric, query, TestData.Row(rows, dims, (int)start)), start, false)];
        HashSet<uint> visited = [start];
        while (true)
        {
            int next = list.FindIndex(c => !c.Expanded);
            if (next < 0)
            {
                break;
            }

            (float d, uint id, _) = list[next];
            list[next] = (d, id, true);
            foreach (uint j in graph[id])
            {
                if (visited.Add(j))
                {
                    list.Add((Distance(metric, query, TestData.Row(rows, dims, (int)j)), j, false));
                }
            }

            list.Sort((a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Id.CompareTo(b.Id));
            if (list.Count > listSize)
            {
                list.RemoveRange(listSize, list.Count - listSize);
            }
        }

        int found = Math.Min(ids.Length, list.Count);
        for (int i = 0; i < found; i++)
        {
            ids[i] = list[i].Id;
            distances[i] = list[i].Distance;
        }

        return found;
    }

    /// <summary>The kernel distance of <paramref name="metric"/> (L2, InnerProduct or Cosine).</summary>
    public static float Distance(Metric metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b) => metric switch
    {
        Metric.L2 => L2Kernel.Distance(a, b),
        Metric.InnerProduct => InnerProductKernel.Distance(a, b),
        _ => CosineKernel.Distance(a, b),
    };
}

/// <summary>
/// The steps of <see cref="DiskIndexBuilder"/> on their own (prune, shard files, memory model, the pass over all points)
/// and its failure paths (budget too small, cancellation), on MNIST rows.
/// </summary>
[Collection(DiskBuildFixture.Collection)]
public sealed class DiskBuildStepTests(ITestOutputHelper output)
{
    private const long SmallBudget = DiskBuildFixture.SmallBudget;

    private static readonly VamanaOptions Options = DiskBuildFixture.Options;

    private static MnistRows Mnist => MnistRows.Shared;

    [Fact]
    public void Cancelling_during_the_graph_build_deletes_the_shards_and_creates_no_file()
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("annsql-diskbuild-cancel-").FullName;
        try
        {
            // Cancelled from the progress callback once the first partition's shard file exists (the second is building).
            using CancellationTokenSource cancel = new();
            string path = Path.Combine(dir, "cancelled.diskann");
            CancelOnProgress progress = new(cancel, () => File.Exists(path + ".shard0.tmp"));
            Assert.ThrowsAny<OperationCanceledException>(() => DiskIndexBuilder.Build(
                path, Mnist.Source, Metric.L2, Options, 0, SmallBudget, 2, progress, cancel.Token));
            Assert.True(progress.Cancelled, "the build ended before a shard file was seen");
            Assert.Empty(System.IO.Directory.GetFiles(dir));
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Cancelling_during_the_merge_deletes_the_partial_index_file_and_the_shards()
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("annsql-diskbuild-cancel-").FullName;
        try
        {
            // Reads: the sample, one pass, each point in two partitions, then the merge. Cancel halfway through the merge.
            const int Count = 4000;
            const long Budget = 9L << 20;
            BuildMemoryModel plan = Plan(Count, Budget);
            Assert.True(plan.Partitions > 1);
            ArrayVectorSource source = new(Mnist.BaseRows, Count, Mnist.Dimensions);
            using CancellationTokenSource cancel = new();
            string path = Path.Combine(dir, "cancelled.diskann");
            bool sawFile = false;
            bool sawShard = false;
            source.Cancel = cancel;
            source.CancelAfter = plan.SampleCount + (3L * Count) + (Count / 2);
            source.BeforeCancel = () =>
            {
                sawFile = File.Exists(path);
                sawShard = File.Exists(path + ".shard0.tmp");
            };
            Assert.ThrowsAny<OperationCanceledException>(() => DiskIndexBuilder.Build(
                path, source, Metric.L2, Options, 0, Budget, 2, null, cancel.Token));
            Assert.True(sawFile && sawShard, $"at the cancellation: index file {sawFile}, shard {sawShard}");
            Assert.Empty(System.IO.Directory.GetFiles(dir));
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Partitioned_cosine_build_hands_over_every_node_in_order_with_its_code_and_a_navigable_graph()
    {
        const int Count = 4000;
        const int Queries = 200;
        const long Budget = 9L << 20;
        int dims = Mnist.Dimensions;
        string dir = System.IO.Directory.CreateTempSubdirectory("annsql-diskbuild-cosine-").FullName;
        try
        {
            ArrayVectorSource source = new(Mnist.BaseRows, Count, dims);
            RecordingSink? sink = null;
            ProductQuantizer? quantizer = null;
            uint medoid = uint.MaxValue;
            DiskBuildSummary summary = DiskIndexBuilder.BuildInto(
                source,
                Metric.Cosine,
                Options,
                0,
                Budget,
                2,
                Path.Combine(dir, "cosine"),
                (start, trained) =>
                {
                    (medoid, quantizer) = (start, trained);
                    return sink = new RecordingSink(dims, trained.Chunks);
                },
                null,
                CancellationToken.None);
            output.WriteLine($"{summary.Partitions} partitions, peak {summary.PeakMemoryBytes} bytes");
            Assert.True(summary.Partitions > 1);
            Assert.True(summary.PeakMemoryBytes <= Budget);
            Assert.NotNull(sink);
            Assert.NotNull(quantizer);
            Assert.Equal(1, sink.Completions);
            Assert.Equal(Count, sink.Graph.Count);
            Assert.True(medoid < Count);
            Assert.Equal(Metric.Cosine, quantizer.Metric);
            Assert.Empty(System.IO.Directory.GetFiles(dir));

            byte[] code = new byte[quantizer.Chunks];
            for (int i = 0; i < Count; i++)
            {
                Assert.Equal(TestData.Row(Mnist.BaseRows, dims, i), sink.Vectors[i]);
                quantizer.Encode(TestData.Row(Mnist.BaseRows, dims, i), code);
                Assert.Equal(code, sink.Codes[i]);
            }

            uint[][] graph = [.. sink.Graph];
            AdjacencyGraphs.AssertInvariants(graph, Options.MaxDegree);

            // Exact cosine GreedySearch over the merged graph against brute force, queries drawn from the other rows.
            uint[] ids = new uint[10];
            float[] distances = new float[10];
            float[] all = new float[Count];
            int hits = 0;
            for (int q = 0; q < Queries; q++)
            {
                ReadOnlySpan<float> query = TestData.Row(Mnist.BaseRows, dims, Count + q);
                VectorDistances.ComputeBatch(Metric.Cosine, query, Mnist.BaseRows.AsSpan(0, Count * dims), dims, all);
                float[] sorted = [.. all];
                Array.Sort(sorted);
                float tenth = sorted[9];
                int found = AdjacencyGraphs.GreedySearch(graph, Mnist.BaseRows, dims, Metric.Cosine, medoid, query, 100, ids, distances);
                for (int i = 0; i < found; i++)
                {
                    hits += all[ids[i]] <= tenth + 1e-6f ? 1 : 0;
                }
            }

            double recall = hits / (Queries * 10.0);
            output.WriteLine($"cosine recall@10 at L = 100 over the merged graph: {recall:F4}");
            Assert.True(recall >= 0.97, $"recall@10 {recall:F4}");
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_budget_too_small_for_the_codes_and_one_partition_throws()
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("annsql-diskbuild-small-").FullName;
        try
        {
            string path = Path.Combine(dir, "small.diskann");
            ArgumentException error = Assert.ThrowsAny<ArgumentException>(() => DiskIndexBuilder.Build(
                path, Mnist.Source, Metric.L2, Options, 0, 4L << 20, 2, null, CancellationToken.None));
            output.WriteLine(error.Message);
            Assert.Contains("too small", error.Message, StringComparison.Ordinal);
            Assert.Empty(System.IO.Directory.GetFiles(dir));
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Memory_model_bounds_a_vamana_index_of_one_full_segment()
    {
        // 4,096 points fill one store segment exactly, so MemoryBytes counts no reserved rows beyond the model's.
        const int Points = BuildMemoryModel.VamanaSegmentPoints;
        VamanaIndex index = new(Metric.L2, Mnist.Dimensions, Options);
        index.Build(Mnist.BaseRows, Points, Environment.ProcessorCount);
        long model = BuildMemoryModel.IndexBytes(Points, Mnist.Dimensions, Options.MaxDegree);
        long rows = Points * BuildMemoryModel.VamanaRowBytes(Mnist.Dimensions);
        output.WriteLine(
            $"MemoryBytes {index.MemoryBytes} ({(double)index.MemoryBytes / Points:F0} a point), model {model} "
            + $"({(double)model / Points:F0} a point), rows {rows}");
        Assert.True(index.MemoryBytes <= model, $"MemoryBytes {index.MemoryBytes} above the model's {model}");
        Assert.True(index.MemoryBytes >= rows, $"MemoryBytes {index.MemoryBytes} below the rows alone ({rows})");
        Assert.True(model - index.MemoryBytes <= Points * 4L * Options.MaxDegree, "the model overestimates more than the lists' room");
    }

    [Theory]
    [InlineData(Metric.L2, 1.0f)]
    [InlineData(Metric.L2, 1.2f)]
    [InlineData(Metric.InnerProduct, 1.2f)]
    [InlineData(Metric.Cosine, 1.2f)]
    public void Disk_prune_keeps_no_occluded_candidate_and_drops_only_occluded_ones(Metric metric, float alpha)
    {
        const int Candidates = 64;
        const int MaxDegree = 16;
        int dims = Mnist.Dimensions;
        Random random = new(7);
        for (int trial = 0; trial < 20; trial++)
        {
            int point = random.Next(Mnist.Count);
            ReadOnlySpan<float> vector = TestData.Row(Mnist.BaseRows, dims, point);
            float[] rows = new float[Candidates * dims];
            Neighbor[] candidates = new Neighbor[Candidates];
            for (int c = 0; c < Candidates; c++)
            {
                int id = (point + 1 + (c * 131)) % Mnist.Count;
                TestData.Row(Mnist.BaseRows, dims, id).CopyTo(rows.AsSpan(c * dims));
                candidates[c] = new Neighbor((uint)c, AdjacencyGraphs.Distance(metric, vector, rows.AsSpan(c * dims, dims)));
            }

            int n = DiskPrune.SortAndDeduplicate(candidates, uint.MaxValue);
            Assert.Equal(Candidates, n);
            uint[] kept = new uint[MaxDegree];
            bool[] occluded = new bool[Candidates];
            int degree = metric switch
            {
                Metric.L2 => Prune<L2Kernel>(metric, candidates, alpha, MaxDegree, rows, dims, occluded, kept),
                Metric.InnerProduct => Prune<InnerProductKernel>(metric, candidates, alpha, MaxDegree, rows, dims, occluded, kept),
                _ => Prune<CosineKernel>(metric, candidates, alpha, MaxDegree, rows, dims, occluded, kept),
            };

            Assert.InRange(degree, 1, MaxDegree);
            Assert.Equal(candidates[0].Id, kept[0]);

            // Walk the sorted candidates up to the last kept one: each is kept exactly when no earlier kept one occludes it.
            int at = 0;
            List<int> keptPositions = [];
            for (int i = 0; i < Candidates && at < degree; i++)
            {
                bool occludedByKept = false;
                foreach (int k in keptPositions)
                {
                    float between = AdjacencyGraphs.Distance(metric, Row(rows, dims, candidates[k].Id), Row(rows, dims, candidates[i].Id));
                    occludedByKept |= DiskPrune.Occludes(metric == Metric.InnerProduct, alpha, between, candidates[i].Distance);
                }

                if (kept[at] == candidates[i].Id)
                {
                    Assert.False(occludedByKept, $"trial {trial}: kept candidate {i} is occluded by an earlier kept one");
                    keptPositions.Add(i);
                    at++;
                }
                else
                {
                    Assert.True(occludedByKept, $"trial {trial}: candidate {i} was dropped without an occluding kept neighbour");
                }
            }

            Assert.Equal(degree, at);
        }
    }

    [Fact]
    public void Disk_prune_sort_drops_the_point_itself_and_repeated_ids()
    {
        Neighbor[] candidates = [new(5, 2f), new(3, 1f), new(5, 2f), new(9, 0.5f), new(3, 1f), new(1, 1f)];
        int n = DiskPrune.SortAndDeduplicate(candidates, 9);
        Assert.Equal([1u, 3u, 5u], candidates.AsSpan(0, n).ToArray().Select(c => c.Id));
    }

    [Fact]
    public void Shard_files_round_trip_and_reject_out_of_order_reads()
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("annsql-shard-").FullName;
        try
        {
            string path = Path.Combine(dir, "p.shard0.tmp");
            using (PartitionShardWriter writer = new(path, 4096))
            {
                writer.Append(2, [7, 8, 9]);
                writer.Append(5, []);
                writer.Append(6, [1]);
                Assert.Throws<ArgumentException>(() => writer.Append(6, [2]));
            }

            uint[] buffer = new uint[4];
            using PartitionShardReader reader = new(path, 4096);
            Assert.Equal(2u, reader.NextId);
            Assert.Equal(3, reader.Read(2, buffer));
            Assert.Equal([7u, 8u, 9u], buffer[..3]);
            Assert.Throws<InvalidDataException>(() => reader.Read(6, buffer));
            Assert.Equal(0, reader.Read(5, buffer));
            Assert.Equal(1, reader.Read(6, buffer));
            Assert.Equal(1u, buffer[0]);
            Assert.Equal(uint.MaxValue, reader.NextId);
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Point_pass_assigns_every_point_to_two_partitions_within_the_cap()
    {
        const int Count = 6000;
        const int Partitions = 7;
        int dims = Mnist.Dimensions;
        ArrayVectorSource source = new(Mnist.BaseRows, Count, dims);
        float[] sample = Mnist.BaseRows.AsSpan(0, 1000 * dims).ToArray();
        ProductQuantizer quantizer = ProductQuantizer.Train(Metric.L2, dims, 16, sample, 1000, 2, 1, 2, CancellationToken.None);
        float[] centres = PartitionCentres.Train(sample, 1000, dims, Partitions, 3, 2, CancellationToken.None);
        float[] mean = new float[dims];
        mean[0] = 0.5f;
        int cap = BuildMemoryModel.CapFor(Count, Partitions);
        byte[] codes = new byte[Count * 16];
        ushort[] assignment = new ushort[2 * Count];
        int[] sizes = new int[Partitions];
        uint medoid = BuildPointPass.Run(source, quantizer, codes, mean, centres, cap, assignment, sizes, 2, CancellationToken.None);

        int[] counted = new int[Partitions];
        for (int i = 0; i < Count; i++)
        {
            Assert.NotEqual(assignment[2 * i], assignment[(2 * i) + 1]);
            counted[assignment[2 * i]]++;
            counted[assignment[(2 * i) + 1]]++;
        }

        Assert.Equal(sizes, counted);
        Assert.All(sizes, size => Assert.InRange(size, 0, cap));
        output.WriteLine($"cap {cap}, sizes {string.Join(", ", sizes)}");

        // The medoid is the exact nearest point to the mean; the codes are the quantizer's.
        float best = float.PositiveInfinity;
        uint expected = 0;
        byte[] code = new byte[16];
        for (int i = 0; i < Count; i++)
        {
            float d = ReferenceDistances.L2Squared(mean, TestData.Row(Mnist.BaseRows, dims, i));
            if (d < best)
            {
                best = d;
                expected = (uint)i;
            }

            quantizer.Encode(TestData.Row(Mnist.BaseRows, dims, i), code);
            Assert.Equal(code, codes.AsSpan(i * 16, 16).ToArray());
        }

        Assert.Equal(expected, medoid);
    }

    private static int Prune<TDistance>(
        Metric metric, Neighbor[] candidates, float alpha, int maxDegree, float[] rows, int dims, bool[] occluded, uint[] kept)
        where TDistance : struct, IDistance
    {
        DiskPrune.CandidateRows<TDistance> between = new(rows, dims);
        return DiskPrune.RobustPrune(metric, candidates, alpha, maxDegree, ref between, occluded, kept);
    }

    private static ReadOnlySpan<float> Row(float[] rows, int dims, uint row) => rows.AsSpan((int)row * dims, dims);

    private static BuildMemoryModel Plan(int count, long budget) =>
        BuildMemoryModel.Plan(
            count, 784, ProductQuantizer.DefaultChunks(784), Options.MaxDegree, Options.BuildListSize, 2, budget);

    /// <summary>Keeps the nodes a build hands over.</summary>
    private sealed class RecordingSink(int dims, int chunks) : IBuildNodeSink
    {
        public List<float[]> Vectors { get; } = [];

        public List<uint[]> Graph { get; } = [];

        public List<byte[]> Codes { get; } = [];

        public int Completions { get; private set; }

        public void Append(ReadOnlySpan<float> vector, ReadOnlySpan<uint> neighbors, ReadOnlySpan<byte> code)
        {
            Assert.Equal(0, Completions);
            Assert.Equal(dims, vector.Length);
            Assert.Equal(chunks, code.Length);
            Vectors.Add(vector.ToArray());
            Graph.Add(neighbors.ToArray());
            Codes.Add(code.ToArray());
        }

        public void Complete() => Completions++;
    }

    /// <summary>Cancels at the first report for which <paramref name="condition"/> holds.</summary>
    private sealed class CancelOnProgress(CancellationTokenSource cancel, Func<bool> condition) : IProgress<VamanaBuildProgress>
    {
        private int _cancelled;

        public bool Cancelled => Volatile.Read(ref _cancelled) != 0;

        public void Report(VamanaBuildProgress value)
        {
            if (!Cancelled && condition())
            {
                Volatile.Write(ref _cancelled, 1);
                cancel.Cancel();
            }
        }
    }
}

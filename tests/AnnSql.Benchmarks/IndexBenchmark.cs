using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;

using AnnSql.Tools.Datasets;

namespace AnnSql.Benchmarks;

/// <summary>
/// The in-process Vamana benchmark (<c>index</c> command): builds a <see cref="VamanaIndex"/> (L2) over the data set's
/// base rows and prints the build time and memory, then, for each search list size L, recall@k against the data set's
/// ground truth, single-threaded QPS, mean hops and mean distance computations per query. One JSON line per measurement,
/// then a summary table.
/// </summary>
internal static class IndexBenchmark
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The <c>index</c> command; <paramref name="dataOption"/> and <paramref name="loadData"/> are shared with the others.</summary>
    public static Command CreateCommand(Option<string[]> dataOption, Func<string[]?, VectorDataSet> loadData)
    {
        VamanaOptions defaults = new();
        Option<int> maxDegree = new("--max-degree") { Description = "R, maximum out-degree", DefaultValueFactory = _ => defaults.MaxDegree };
        Option<int> lBuild = new("--l-build") { Description = "L of the build searches", DefaultValueFactory = _ => defaults.BuildListSize };
        Option<float> alpha = new("--alpha") { Description = "RobustPrune alpha of pass 2", DefaultValueFactory = _ => defaults.Alpha };
        Option<int[]> lSearch = new("--l-search")
        {
            Description = "Search list sizes L to measure, e.g. --l-search 16 32 64 128",
            DefaultValueFactory = _ => [16, 32, 64, 128],
            AllowMultipleArgumentsPerToken = true,
        };
        Option<int> threads = new("--threads") { Description = "Build threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        Option<int> k = new("--k") { Description = "Neighbours per query (recall@k)", DefaultValueFactory = _ => 10 };
        Command command = new("index", "Build the in-memory Vamana index in-process; recall@k, QPS, hops per search list size")
        {
            dataOption, maxDegree, lBuild, alpha, lSearch, threads, k,
        };
        command.SetAction(parse =>
        {
            VamanaOptions options = new()
            {
                MaxDegree = parse.GetValue(maxDegree),
                BuildListSize = parse.GetValue(lBuild),
                Alpha = parse.GetValue(alpha),
            };
            return Run(loadData(parse.GetValue(dataOption)), options, parse.GetValue(threads), parse.GetValue(lSearch)!, parse.GetValue(k));
        });
        return command;
    }

    /// <summary>Builds, measures each L in turn and returns the process exit code.</summary>
    public static int Run(VectorDataSet data, VamanaOptions options, int threads, IReadOnlyList<int> listSizes, int k)
    {
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"# {data.Directory}: {data.Count} x {data.Dimensions}, {data.QueryCount} queries; R={options.MaxDegree} "
            + $"L_build={options.BuildListSize} alpha={options.Alpha} threads={threads}"));
        VamanaIndex index = new(Metric.L2, data.Dimensions, options);
        PassClock passes = new();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        int gcBefore = GC.CollectionCount(0);
        Stopwatch clock = Stopwatch.StartNew();
        index.Build(data.BaseRows, data.Count, threads, passes);
        double buildSeconds = clock.Elapsed.TotalSeconds;
        var build = new
        {
            Phase = "build",
            Rows = data.Count,
            Dim = data.Dimensions,
            options.MaxDegree,
            LBuild = options.BuildListSize,
            options.Alpha,
            Threads = threads,
            BuildSeconds = Round(buildSeconds),
            Pass1Seconds = Round(passes.Pass1Seconds),
            MemoryBytes = index.MemoryBytes,
            MeanOutDegree = Round(MeanOutDegree(index)),
            AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore,
            Gen0Collections = GC.CollectionCount(0) - gcBefore,
        };
        Console.WriteLine(JsonSerializer.Serialize(build, JsonOptions));

        List<SearchResult> results = [];
        foreach (int l in listSizes)
        {
            SearchResult result = Measure(index, data, l, k);
            Console.WriteLine(JsonSerializer.Serialize(result, JsonOptions));
            results.Add(result);
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"build {buildSeconds:0.00} s (pass 1 {passes.Pass1Seconds:0.00} s) on {threads} threads, {index.MemoryBytes / 1048576.0:0.0} MiB"));
        Console.WriteLine($"{"L",5} {"recall@" + k.ToString(CultureInfo.InvariantCulture),9} {"QPS",10} {"ms/query",9} {"hops",8} {"distances",10}");
        foreach (SearchResult r in results)
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{r.LSearch,5} {r.RecallAtK,9:0.0000} {r.Qps,10:0.0} {r.MeanLatencyMs,9:0.000} {r.MeanHops,8:0.0} {r.MeanDistanceComputations,10:0.0}"));
        }

        return 0;
    }

    /// <summary>Runs every query once on this thread (after a short warm-up) with list size <paramref name="l"/>.</summary>
    private static SearchResult Measure(VamanaIndex index, VectorDataSet data, int l, int k)
    {
        int n = Math.Max(l, k);
        uint[] ids = new uint[n];
        float[] distances = new float[n];
        for (int q = 0; q < Math.Min(200, data.QueryCount); q++)
        {
            index.Search(data.Query(q).Span, l, ids, distances, out _);
        }

        long hits = 0;
        long hops = 0;
        long computed = 0;
        long elapsedTicks = 0;
        for (int q = 0; q < data.QueryCount; q++)
        {
            ReadOnlySpan<float> query = data.Query(q).Span;
            long start = Stopwatch.GetTimestamp();
            int found = index.Search(query, l, ids, distances, out VamanaSearchStats stats);
            elapsedTicks += Stopwatch.GetTimestamp() - start;
            hops += stats.Hops;
            computed += stats.DistanceComputations;
            hits += Hits(index, data, q, k, ids.AsSpan(0, Math.Min(found, k)), distances);
        }

        double seconds = (double)elapsedTicks / Stopwatch.Frequency;
        int queries = data.QueryCount;
        return new SearchResult(
            "search",
            l,
            k,
            queries,
            Math.Round(hits / (double)(queries * Math.Min(k, data.GroundTruthK)), 4),
            Round(queries / seconds),
            Math.Round(seconds * 1000 / queries, 4),
            Round(hops / (double)queries),
            Round(computed / (double)queries));
    }

    /// <summary>
    /// Returned ids that are among the true top k, or tie the k-th true distance (recomputed with the kernel, with a
    /// float-rounding allowance), as the data sets' README defines recall.
    /// </summary>
    private static int Hits(VamanaIndex index, VectorDataSet data, int q, int k, ReadOnlySpan<uint> found, ReadOnlySpan<float> distances)
    {
        ReadOnlySpan<int> truth = data.Neighbours(q, k);
        float kth = L2Kernel.Distance(data.Query(q).Span, index.GetVector((uint)truth[^1]));
        int hits = 0;
        for (int i = 0; i < found.Length; i++)
        {
            if (truth.Contains((int)found[i]) || distances[i] <= kth * (1 + 1e-6f))
            {
                hits++;
            }
        }

        return hits;
    }

    private static double MeanOutDegree(VamanaIndex index)
    {
        long edges = 0;
        for (uint i = 0; i < index.Count; i++)
        {
            edges += index.GetNeighbors(i).Length;
        }

        return index.Count == 0 ? 0 : edges / (double)index.Count;
    }

    private static double Round(double value) => Math.Round(value, 3);

    /// <summary>Notes when pass 1 of the build finishes; reports arrive synchronously on the build threads.</summary>
    private sealed class PassClock : IProgress<VamanaBuildProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public double Pass1Seconds { get; private set; }

        public void Report(VamanaBuildProgress value)
        {
            if (value.Pass == 1 && value.PointsDone == value.PointsTotal)
            {
                Pass1Seconds = _clock.Elapsed.TotalSeconds;
            }
        }
    }

    /// <summary>One search list size, printed as a JSON line.</summary>
    private sealed record SearchResult(
        string Phase,
        int LSearch,
        int K,
        int Queries,
        double RecallAtK,
        double Qps,
        double MeanLatencyMs,
        double MeanHops,
        double MeanDistanceComputations);
}

using System.CommandLine;
using AnnSql.Benchmarks;
using BenchmarkDotNet.Running;

// Benchmark entry point (see README "Benchmarks"):
//   sql     recall/QPS over SQL against one or more servers (AnnSql, PostgreSQL + pgvector)
//   kernel  distance computations per second per core of the SIMD kernels vs the scalar reference
//   index   in-process Vamana build time, recall@10, QPS and hops per search list size
//   gpu     exact top-k, batch distances and PQ training: SIMD CPU path vs the GPU path (ILGPU; CPU accelerator without CUDA)
//   churn   a diskann index under delete/re-insert rounds over SQL: recall, QPS and write throughput per round
//   micro   BenchmarkDotNet micro-benchmarks; the remaining arguments go to BenchmarkDotNet
string[] defaultDataFolders =
[
    Path.Combine("..", "shared", "data", "mnist-784-euclidean"),
    Path.Combine("tests", "data", "mnist-784-euclidean"),
];

Option<string[]> dataOption = new("--data")
{
    Description = "Data set folder (base/query .fbin, gt.ibin); default: ../shared/data/mnist-784-euclidean, else the vendored copy",
};
Option<double> secondsOption = new("--seconds") { Description = "Seconds per measurement", DefaultValueFactory = _ => 10 };

Option<string[]> endpointOption = new("--endpoint")
{
    Description = "NAME=NPGSQL-CONNECTION-STRING; repeat to compare servers side by side",
    Required = true,
};
Option<string> tableOption = new("--table") { Description = "Table to load and query", DefaultValueFactory = _ => "bench_vectors" };
Option<int[]> clientsOption = new("--clients")
{
    Description = "Concurrent connections, e.g. --clients 1 2",
    DefaultValueFactory = _ => [1, 2],
    AllowMultipleArgumentsPerToken = true,
};
Option<string[]> operatorOption = new("--op")
{
    Description = "Distance operators to order by: <-> <#> <=> <+>",
    DefaultValueFactory = _ => ["<->"],
    AllowMultipleArgumentsPerToken = true,
};
Option<int> kOption = new("--k") { Description = "LIMIT k", DefaultValueFactory = _ => 10 };
Option<bool> reloadOption = new("--reload") { Description = "Drop and load the table even when it already holds the data set" };
Option<string[]> plainOption = new("--plain-storage")
{
    Description = "Endpoints whose table gets ALTER COLUMN embedding SET STORAGE PLAIN (PostgreSQL: no TOAST); table name gets _plain",
    DefaultValueFactory = _ => [],
    AllowMultipleArgumentsPerToken = true,
};

Option<string[]> indexOption = new("--index")
{
    Description = "NAME=DEFINITION: after loading, CREATE INDEX <table>_ann_idx ON <table> DEFINITION on that endpoint, timed",
    DefaultValueFactory = _ => [],
};
Option<string[]> buildSetupOption = new("--build-setup")
{
    Description = "NAME=SQL run on the endpoint's connection before CREATE INDEX (e.g. SET maintenance_work_mem = '2GB')",
    DefaultValueFactory = _ => [],
};
Option<int[]> searchListOption = new("--search-list-size")
{
    Description = "Search list sizes to sweep, set on every connection with --search-setting",
    DefaultValueFactory = _ => [],
    AllowMultipleArgumentsPerToken = true,
};
Option<string> searchSettingOption = new("--search-setting")
{
    Description = "The setting the sweep sets (AnnSql accepts hnsw.ef_search as an alias of diskann.l_search)",
    DefaultValueFactory = _ => "hnsw.ef_search",
};

Option<string[]> sessionSetupOption = new("--session-setup")
{
    Description = "NAME=SQL run on every query connection of that endpoint (e.g. SET hnsw.iterative_scan = relaxed_order)",
    DefaultValueFactory = _ => [],
};
Option<LabelMode> labelsOption = new("--labels")
{
    Description = "Label column and filtered queries: None, Digit (each row's digit, gt_filtered) or Zipf (digit + Zipf labels, per frequency band)",
    DefaultValueFactory = _ => LabelMode.None,
};
Option<int> perBandOption = new("--queries-per-band") { Description = "Queries per frequency band with --labels Zipf", DefaultValueFactory = _ => 200 };

Command sql = new("sql", "Exact or indexed top-k queries per second and recall over SQL")
{
    dataOption, secondsOption, endpointOption, tableOption, clientsOption, operatorOption, kOption, reloadOption, plainOption,
    indexOption, buildSetupOption, searchListOption, searchSettingOption, sessionSetupOption, labelsOption, perBandOption,
};
sql.SetAction((parse, ct) =>
{
    SqlBenchmarkOptions options = new(
        [.. parse.GetValue(endpointOption)!.Select(Endpoint.Parse)],
        LoadData(parse.GetValue(dataOption)),
        parse.GetValue(tableOption)!,
        parse.GetValue(clientsOption)!,
        parse.GetValue(operatorOption)!,
        parse.GetValue(kOption),
        TimeSpan.FromSeconds(parse.GetValue(secondsOption)),
        parse.GetValue(reloadOption),
        parse.GetValue(plainOption)!.ToHashSet(StringComparer.Ordinal))
    {
        Indexes = PerEndpoint(parse.GetValue(indexOption)!),
        BuildSetup = PerEndpoint(parse.GetValue(buildSetupOption)!),
        SearchListSizes = parse.GetValue(searchListOption)!,
        SearchSetting = parse.GetValue(searchSettingOption)!,
        SessionSetup = PerEndpoint(parse.GetValue(sessionSetupOption)!),
        Labels = parse.GetValue(labelsOption),
        QueriesPerBand = parse.GetValue(perBandOption),
    };
    return SqlBenchmark.RunAsync(options, ct);
});

Option<double> kernelSecondsOption = new("--seconds") { Description = "Seconds per metric and path", DefaultValueFactory = _ => 2 };
Command kernel = new("kernel", "Distance computations per second per core, SIMD kernels vs scalar reference")
{
    dataOption, kernelSecondsOption,
};
kernel.SetAction(parse => KernelThroughput.Run(LoadData(parse.GetValue(dataOption)), TimeSpan.FromSeconds(parse.GetValue(kernelSecondsOption))));

Command index = IndexBenchmark.CreateCommand(dataOption, LoadData);
Command churn = ChurnBenchmark.CreateCommand(dataOption, LoadData);
Command gpu = GpuBenchmark.CreateCommand(dataOption, LoadData);

Command micro = new("micro", "BenchmarkDotNet micro-benchmarks; other arguments are BenchmarkDotNet's (e.g. --filter '*')")
{
    TreatUnmatchedTokensAsErrors = false,
};
micro.SetAction(parse =>
{
    BenchmarkSwitcher.FromAssembly(typeof(DistanceBenchmarks).Assembly).Run([.. parse.UnmatchedTokens]);
    return 0;
});

RootCommand root = new("AnnSql benchmarks") { sql, kernel, index, churn, gpu, micro };
return await root.Parse(args).InvokeAsync();

VectorDataSet LoadData(string[]? folders) =>
    VectorDataSet.Load(VectorDataSet.Locate(folders is { Length: > 0 } ? folders : defaultDataFolders));

static Dictionary<string, string> PerEndpoint(string[] values) =>
    values.Select(Endpoint.Parse).ToDictionary(e => e.Name, e => e.ConnectionString, StringComparer.Ordinal);

using System.CommandLine;
using AnnSql.Benchmarks;
using AnnSql.Tools.Bench;
using AnnSql.Tools.Datasets;
using BenchmarkDotNet.Running;

// Benchmark entry point (see README "Benchmarks"):
//   sql     recall/QPS over SQL against one or more servers (the same harness as `annsql bench`)
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

Command sql = BenchCommand.Create("sql", dataOption, LoadData);

RootCommand root = new("AnnSql benchmarks") { sql, kernel, index, churn, gpu, micro };
return await root.Parse(args).InvokeAsync();

VectorDataSet LoadData(string[]? folders) =>
    VectorDataSet.Load(VectorDataSet.Locate(folders is { Length: > 0 } ? folders : defaultDataFolders));

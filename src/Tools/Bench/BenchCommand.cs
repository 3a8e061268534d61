using System.CommandLine;
using AnnSql.Tools.Datasets;

namespace AnnSql.Tools.Bench;

/// <summary>
/// The recall/QPS sweep as a command-line verb (<c>annsql bench</c>, and <c>sql</c> in the benchmark program): loads a data
/// set into each endpoint's table, optionally builds an index, then measures recall@k against the set's exact ground truth
/// and queries per second at each client count and search list size. Prints one JSON line per measurement and a summary
/// table.
/// </summary>
public static class BenchCommand
{
    /// <summary>
    /// The verb <paramref name="name"/>; <paramref name="dataOption"/> names the data set folders and
    /// <paramref name="loadData"/> reads the first that holds one.
    /// </summary>
    public static Command Create(string name, Option<string[]> dataOption, Func<string[]?, VectorDataSet> loadData)
    {
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

        Command command = new(name, "Recall@k, queries per second and latency of top-k queries over SQL, against one or more servers side by side")
        {
            secondsOption, endpointOption, tableOption, clientsOption, operatorOption, kOption, reloadOption, plainOption,
            indexOption, buildSetupOption, searchListOption, searchSettingOption, sessionSetupOption, labelsOption, perBandOption,
        };
        command.SetAction((parse, ct) =>
        {
            SqlBenchmarkOptions options = new(
                [.. parse.GetValue(endpointOption)!.Select(Endpoint.Parse)],
                loadData(parse.GetValue(dataOption)),
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
        command.Options.Add(dataOption);
        return command;
    }

    private static Dictionary<string, string> PerEndpoint(string[] values) =>
        values.Select(Endpoint.Parse).ToDictionary(e => e.Name, e => e.ConnectionString, StringComparer.Ordinal);
}

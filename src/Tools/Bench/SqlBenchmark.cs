using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AnnSql.Tools.Datasets;
using Npgsql;
using NpgsqlTypes;
using Pgvector;
using Pgvector.Npgsql;

namespace AnnSql.Tools.Bench;

/// <summary>One server to measure: a display name and an Npgsql connection string.</summary>
internal sealed record Endpoint(string Name, string ConnectionString)
{
    /// <summary>Parses <c>NAME=CONNECTION STRING</c>.</summary>
    /// <exception cref="FormatException">There is no <c>=</c> or a side is empty.</exception>
    public static Endpoint Parse(string text)
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new FormatException($"endpoint '{text}' is not NAME=CONNECTION-STRING");
        }

        return new Endpoint(text[..eq], text[(eq + 1)..]);
    }
}

/// <summary>Settings of one <see cref="SqlBenchmark"/> run.</summary>
internal sealed record SqlBenchmarkOptions(
    IReadOnlyList<Endpoint> Endpoints,
    VectorDataSet Data,
    string Table,
    IReadOnlyList<int> Clients,
    IReadOnlyList<string> Operators,
    int K,
    TimeSpan Duration,
    bool Reload,
    IReadOnlySet<string> PlainStorage)
{
    /// <summary>Per endpoint, the index to build after loading: the text after <c>CREATE INDEX name ON table</c>.</summary>
    public IReadOnlyDictionary<string, string> Indexes { get; init; } = new Dictionary<string, string>();

    /// <summary>Per endpoint, SQL run on the build connection before CREATE INDEX (e.g. maintenance_work_mem).</summary>
    public IReadOnlyDictionary<string, string> BuildSetup { get; init; } = new Dictionary<string, string>();

    /// <summary>Search list sizes to sweep (one measurement per value); empty = the server's default.</summary>
    public IReadOnlyList<int> SearchListSizes { get; init; } = [];

    /// <summary>The setting the sweep sets on every connection (AnnSql also accepts pgvector's name).</summary>
    public string SearchSetting { get; init; } = "hnsw.ef_search";

    /// <summary>Per endpoint, SQL run on every query connection (e.g. <c>SET hnsw.iterative_scan = relaxed_order</c>).</summary>
    public IReadOnlyDictionary<string, string> SessionSetup { get; init; } = new Dictionary<string, string>();

    /// <summary>The label column loaded with the vectors and the filtered queries run against it.</summary>
    public LabelMode Labels { get; init; }

    /// <summary>Queries per frequency band in <see cref="LabelMode.Zipf"/> mode.</summary>
    public int QueriesPerBand { get; init; } = 200;
}

/// <summary>Which labels the table's <c>labels int[]</c> column holds, and which filtered queries are measured.</summary>
internal enum LabelMode
{
    /// <summary>No label column; unfiltered queries against the data set's ground truth.</summary>
    None,

    /// <summary>
    /// Each row's label from <c>base_labels.txt</c> (the MNIST digit, about 10% selectivity); each query filters on its own
    /// label (<c>query_labels.txt</c>) and is checked against <c>gt_filtered.ibin</c>.
    /// </summary>
    Digit,

    /// <summary>
    /// The digit plus Zipf-distributed labels (see ZipfLabels: seed, exponent, 1,000 labels); queries per frequency band,
    /// checked against an exact filtered ground truth computed here.
    /// </summary>
    Zipf,
}

/// <summary>
/// The recall/QPS harness over SQL: loads a data set into each endpoint with binary COPY (unless already there), then
/// runs <c>SELECT id FROM t ORDER BY embedding &lt;op&gt; $1 LIMIT k</c> as a prepared statement from 1..N concurrent
/// connections for a fixed time, cycling through the data set's queries. Prints one JSON line per measurement
/// (load rows/s; QPS, p50/p99 latency and recall@k per operator and client count) and a summary table.
/// Recall is measured for <c>&lt;-&gt;</c> against the data set's exact ground truth.
/// </summary>
internal static class SqlBenchmark
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Runs every endpoint in turn and returns the process exit code.</summary>
    public static async Task<int> RunAsync(SqlBenchmarkOptions options, CancellationToken cancellationToken)
    {
        List<QueryResult> results = [];
        List<QuerySet>? querySets = null;
        foreach (Endpoint endpoint in options.Endpoints)
        {
            NpgsqlDataSourceBuilder builder = new(endpoint.ConnectionString);
            builder.UseVector();
            await using NpgsqlDataSource dataSource = builder.Build();
            string version = await ScalarAsync<string>(dataSource, "SHOW server_version", cancellationToken);
            bool plain = options.PlainStorage.Contains(endpoint.Name);
            string table = plain ? options.Table + "_plain" : options.Table;
            await EnsureLoadedAsync(dataSource, endpoint, options, table, plain, cancellationToken);
            if (options.Indexes.TryGetValue(endpoint.Name, out string? index))
            {
                await BuildIndexAsync(dataSource, endpoint, options, table, index, cancellationToken);
            }

            int?[] sweep = options.SearchListSizes.Count == 0 ? [null] : [.. options.SearchListSizes.Select(l => (int?)l)];
            querySets ??= BuildQuerySets(options);
            foreach (string op in options.Operators)
            {
                foreach (QuerySet set in op == "<->" ? querySets : [querySets[0]])
                {
                    foreach (int? searchList in sweep)
                    {
                        var run = new Run(table, op, searchList, set, options.SessionSetup.GetValueOrDefault(endpoint.Name));
                        await WarmUpAsync(dataSource, options, run, cancellationToken);
                        foreach (int clients in options.Clients)
                        {
                            QueryResult result = await MeasureAsync(dataSource, endpoint, version, options, run, clients, cancellationToken);
                            Console.WriteLine(JsonSerializer.Serialize(result, JsonOptions));
                            results.Add(result);
                        }
                    }
                }
            }
        }

        PrintSummary(results);
        return 0;
    }

    private static async Task EnsureLoadedAsync(
        NpgsqlDataSource dataSource, Endpoint endpoint, SqlBenchmarkOptions options, string table, bool plain, CancellationToken ct)
    {
        VectorDataSet data = options.Data;
        if (!options.Reload)
        {
            try
            {
                long rows = await ScalarAsync<long>(dataSource, $"SELECT count(*) FROM {table}", ct);
                if (rows == data.Count)
                {
                    return;
                }
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                // Not loaded yet.
            }
        }

        await using (NpgsqlConnection connection = await dataSource.OpenConnectionAsync(ct))
        {
            await ExecuteAsync(connection, "CREATE EXTENSION IF NOT EXISTS vector", ct);
            await ExecuteAsync(connection, $"DROP TABLE IF EXISTS {table}", ct);
            string labelColumn = options.Labels == LabelMode.None ? "" : ", labels int[]";
            await ExecuteAsync(connection, $"CREATE TABLE {table} (id int PRIMARY KEY, embedding vector({data.Dimensions}){labelColumn})", ct);
            if (plain)
            {
                // PostgreSQL compresses and moves vectors above ~2 kB out of line (TOAST); PLAIN keeps them in the heap tuple.
                await ExecuteAsync(connection, $"ALTER TABLE {table} ALTER COLUMN embedding SET STORAGE PLAIN", ct);
            }

            Stopwatch clock = Stopwatch.StartNew();
            int[][]? labels = RowLabels(options);
            await using (NpgsqlBinaryImporter copy = await connection.BeginBinaryImportAsync(
                $"COPY {table} (id, embedding{(labels is null ? "" : ", labels")}) FROM STDIN (FORMAT binary)", ct))
            {
                for (int id = 0; id < data.Count; id++)
                {
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(id, NpgsqlDbType.Integer, ct);
                    await copy.WriteAsync(new Vector(data.Base(id)), ct);
                    if (labels is not null)
                    {
                        await copy.WriteAsync(labels[id], NpgsqlDbType.Array | NpgsqlDbType.Integer, ct);
                    }
                }

                await copy.CompleteAsync(ct);
            }

            double seconds = clock.Elapsed.TotalSeconds;
            var line = new { Endpoint = endpoint.Name, Phase = "load", Table = table, Rows = data.Count, Seconds = Round(seconds), RowsPerS = Round(data.Count / seconds) };
            Console.WriteLine(JsonSerializer.Serialize(line, JsonOptions));
        }
    }

    private static async Task BuildIndexAsync(
        NpgsqlDataSource dataSource, Endpoint endpoint, SqlBenchmarkOptions options, string table, string definition, CancellationToken ct)
    {
        string name = table + "_ann_idx";
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(ct);
        if (options.BuildSetup.TryGetValue(endpoint.Name, out string? setup))
        {
            await ExecuteAsync(connection, setup, ct);
        }

        await ExecuteAsync(connection, $"DROP INDEX IF EXISTS {name}", ct);
        Stopwatch clock = Stopwatch.StartNew();
        await using (NpgsqlCommand create = new($"CREATE INDEX {name} ON {table} {definition}", connection) { CommandTimeout = 0 })
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        var line = new { Endpoint = endpoint.Name, Phase = "build", Table = table, Index = definition, Seconds = Round(seconds) };
        Console.WriteLine(JsonSerializer.Serialize(line, JsonOptions));
    }

    private static async Task WarmUpAsync(NpgsqlDataSource dataSource, SqlBenchmarkOptions options, Run run, CancellationToken ct)
    {
        await using NpgsqlConnection connection = await OpenAsync(dataSource, options, run, ct);
        await using NpgsqlCommand command = QueryCommand(connection, options, run);
        await command.PrepareAsync(ct);
        for (int i = 0; i < Math.Min(20, run.Set.Entries.Count); i++)
        {
            Bind(command, options, run.Set.Entries[i]);
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
            }
        }
    }

    private static async Task<QueryResult> MeasureAsync(
        NpgsqlDataSource dataSource, Endpoint endpoint, string version, SqlBenchmarkOptions options, Run run, int clients, CancellationToken ct)
    {
        ClientTally[] tallies = new ClientTally[clients];
        using CancellationTokenSource stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task[] workers = new Task[clients];
        Stopwatch clock = Stopwatch.StartNew();
        stop.CancelAfter(options.Duration);
        var ioBefore = await DiskIoAsync(dataSource, run.Table, ct);
        for (int c = 0; c < clients; c++)
        {
            int client = c;
            tallies[c] = new ClientTally();
            workers[c] = Task.Run(() => RunClientAsync(dataSource, options, run, client, clients, tallies[client], stop.Token), ct);
        }

        await Task.WhenAll(workers);
        double seconds = clock.Elapsed.TotalSeconds;
        double[] latencies = [.. tallies.SelectMany(t => t.LatenciesMs)];
        Array.Sort(latencies);
        long queries = latencies.Length;
        double? recall = run.Op == "<->" ? tallies.Sum(t => t.Hits) / (double)Math.Max(1, tallies.Sum(t => t.Expected)) : null;
        var ioAfter = await DiskIoAsync(dataSource, run.Table, ct);
        double? sectorReads = ioAfter.Searches > ioBefore.Searches
            ? Round((ioAfter.SectorReads - ioBefore.SectorReads) / (double)(ioAfter.Searches - ioBefore.Searches))
            : null;
        return new QueryResult(
            endpoint.Name,
            version,
            run.Table,
            run.Set.Name,
            Math.Round(run.Set.MeanSelectivity, 5),
            options.Data.Count,
            options.Data.Dimensions,
            run.Op,
            run.SearchListSize,
            options.K,
            clients,
            Round(seconds),
            queries,
            Round(queries / seconds),
            Round(Percentile(latencies, 0.50)),
            Round(Percentile(latencies, 0.99)),
            recall is null ? null : Math.Round(recall.Value, 4),
            sectorReads);
    }

    /// <summary>
    /// AnnSql's cumulative beam searches and sector reads of the <c>storage = 'disk'</c> indexes on <paramref name="table"/>
    /// (from <c>diskann_index_stats</c>); zeros for other servers.
    /// </summary>
    private static async Task<(long Searches, long SectorReads)> DiskIoAsync(NpgsqlDataSource dataSource, string table, CancellationToken ct)
    {
        if (!(await ScalarAsync<string>(dataSource, "SELECT version()", ct)).Contains("(AnnSql)", StringComparison.Ordinal))
        {
            return (0, 0);
        }

        await using var cmd = dataSource.CreateCommand(
            "SELECT coalesce(sum(disk_searches), 0)::bigint, coalesce(sum(sector_reads), 0)::bigint FROM diskann_index_stats WHERE relname = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = table });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task RunClientAsync(
        NpgsqlDataSource dataSource, SqlBenchmarkOptions options, Run run, int client, int clients, ClientTally tally, CancellationToken stop)
    {
        VectorDataSet data = options.Data;
        await using NpgsqlConnection connection = await OpenAsync(dataSource, options, run, CancellationToken.None);
        await using NpgsqlCommand command = QueryCommand(connection, options, run);
        await command.PrepareAsync(CancellationToken.None);
        int[] ids = new int[options.K];
        for (int i = client; !stop.IsCancellationRequested; i += clients)
        {
            QueryEntry entry = run.Set.Entries[i % run.Set.Entries.Count];
            Bind(command, options, entry);
            long start = Stopwatch.GetTimestamp();
            int count = 0;
            await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(CancellationToken.None))
            {
                while (await reader.ReadAsync(CancellationToken.None))
                {
                    if (count < ids.Length)
                    {
                        ids[count] = reader.GetInt32(0);
                    }

                    count++;
                }
            }

            tally.LatenciesMs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (run.Op == "<->")
            {
                // A returned row counts when it is a true neighbour or ties with the k-th one.
                int[] truth = entry.Truth;
                tally.Expected += truth.Length;
                float kth = truth.Length == 0 ? 0 : SquaredL2(data, entry.Query, truth[^1]);
                foreach (int id in ids.AsSpan(0, Math.Min(count, ids.Length)))
                {
                    if (truth.AsSpan().Contains(id) || (truth.Length == options.K && SquaredL2(data, entry.Query, id) <= kth))
                    {
                        tally.Hits++;
                    }
                }
            }
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource dataSource, SqlBenchmarkOptions options, Run run, CancellationToken ct)
    {
        NpgsqlConnection connection = await dataSource.OpenConnectionAsync(ct);
        if (run.SessionSetup is { } setup)
        {
            await ExecuteAsync(connection, setup, ct);
        }

        if (run.SearchListSize is { } l)
        {
            await ExecuteAsync(connection, $"SET {options.SearchSetting} = {l.ToString(CultureInfo.InvariantCulture)}", ct);
        }

        return connection;
    }

    private static NpgsqlCommand QueryCommand(NpgsqlConnection connection, SqlBenchmarkOptions options, Run run)
    {
        string where = run.Set.Filtered ? "WHERE labels && $2 " : "";
        NpgsqlCommand command = new(
            $"SELECT id FROM {run.Table} {where}ORDER BY embedding {run.Op} $1 LIMIT {options.K.ToString(CultureInfo.InvariantCulture)}",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = new Vector(options.Data.Query(0)) });
        if (run.Set.Filtered)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Array.Empty<int>(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        }

        return command;
    }

    private static void Bind(NpgsqlCommand command, SqlBenchmarkOptions options, QueryEntry entry)
    {
        command.Parameters[0].Value = new Vector(options.Data.Query(entry.Query));
        if (entry.Labels is { } labels)
        {
            command.Parameters[1].Value = labels;
        }
    }

    private static float SquaredL2(VectorDataSet data, int query, int id) =>
        AnnSql.Index.Distance.VectorDistances.L2Squared(data.Query(query).Span, data.Base(id).Span);

    /// <summary>The label sets the load writes: null without labels, the digit, or the digit plus the Zipf labels.</summary>
    private static int[][]? RowLabels(SqlBenchmarkOptions options)
    {
        VectorDataSet data = options.Data;
        if (options.Labels == LabelMode.None)
        {
            return null;
        }

        int[] digits = data.BaseLabels ?? throw new InvalidOperationException($"{data.Directory} has no base_labels.txt");
        return options.Labels == LabelMode.Digit ? [.. digits.Select(d => new[] { d })] : Tests.Shared.ZipfLabels.Generate(digits);
    }

    /// <summary>The measured query sets: all queries unfiltered; each query with its own label; or one set per Zipf band.</summary>
    private static List<QuerySet> BuildQuerySets(SqlBenchmarkOptions options)
    {
        VectorDataSet data = options.Data;
        int k = options.K;
        switch (options.Labels)
        {
            case LabelMode.None:
                return [new QuerySet("none", false, 1, [.. Enumerable.Range(0, data.QueryCount).Select(q => new QueryEntry(q, null, data.Neighbours(q, k).ToArray()))])];
            case LabelMode.Digit:
                int[] queryLabels = data.QueryLabels ?? throw new InvalidOperationException($"{data.Directory} has no query_labels.txt");
                int[] filtered = data.FilteredGroundTruth ?? throw new InvalidOperationException($"{data.Directory} has no gt_filtered.ibin");
                int[] baseLabels = data.BaseLabels!;
                double selectivity = Enumerable.Range(0, data.QueryCount).Average(q => baseLabels.Count(l => l == queryLabels[q]) / (double)data.Count);
                return [new QuerySet("digit", true, selectivity, [.. Enumerable.Range(0, data.QueryCount).Select(q =>
                    new QueryEntry(q, [queryLabels[q]], filtered.AsSpan(q * data.GroundTruthK, Math.Min(k, data.GroundTruthK)).ToArray()))])];
            default:
                int[][] labels = RowLabels(options)!;
                var frequencies = Tests.Shared.ZipfLabels.Frequencies(labels);
                var sets = new List<QuerySet>();
                foreach (var (band, queries) in Tests.Shared.ZipfLabels.QueriesPerBand(labels, data.QueryCount, options.QueriesPerBand))
                {
                    var entries = new QueryEntry[queries.Count];
                    Parallel.For(0, queries.Count, i =>
                    {
                        var (q, label) = queries[i];
                        entries[i] = new QueryEntry(q, [label], ExactFiltered(data, labels, q, label, k));
                    });
                    double mean = queries.Count == 0 ? 0 : queries.Average(x => frequencies[x.Label] / (double)data.Count);
                    sets.Add(new QuerySet("zipf " + band, true, mean, entries));
                }

                return sets;
        }
    }

    /// <summary>The exact top-k (squared L2, ties to the lower id) among the rows carrying <paramref name="label"/>.</summary>
    private static int[] ExactFiltered(VectorDataSet data, int[][] labels, int query, int label, int k)
    {
        var best = new List<(float Distance, int Id)>();
        for (int id = 0; id < data.Count; id++)
        {
            if (Array.BinarySearch(labels[id], label) >= 0)
            {
                best.Add((SquaredL2(data, query, id), id));
            }
        }

        best.Sort();
        return [.. best.Take(k).Select(b => b.Id)];
    }

    private static void PrintSummary(List<QueryResult> results)
    {
        Console.WriteLine();
        Console.WriteLine($"{"endpoint",-16} {"filter",-14} {"op",-4} {"L",5} {"clients",7} {"QPS",10} {"p50 ms",8} {"p99 ms",8} {"recall",7} {"vs first",9}");
        foreach (QueryResult r in results)
        {
            QueryResult? first = results.FirstOrDefault(b => b.Op == r.Op && b.Clients == r.Clients && b.SearchListSize == r.SearchListSize && b.Filter == r.Filter);
            string ratio = first is null || first.Qps == 0 ? "" : (r.Qps / first.Qps).ToString("0.00x", CultureInfo.InvariantCulture);
            string recall = r.RecallAtK?.ToString("0.0000", CultureInfo.InvariantCulture) ?? "-";
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{r.Endpoint,-16} {r.Filter,-14} {r.Op,-4} {r.SearchListSize?.ToString(CultureInfo.InvariantCulture) ?? "-",5} {r.Clients,7} {r.Qps,10:0.0} {r.P50Ms,8:0.00} {r.P99Ms,8:0.00} {recall,7} {ratio,9}"));
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static double Round(double value) => Math.Round(value, 3);

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, CancellationToken ct)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(sql);
        object? value = await command.ExecuteScalarAsync(ct);
        return (T)value!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using NpgsqlCommand command = new(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>What one measurement queries: table, operator, the search list size and setup SQL of each connection, the queries.</summary>
    private sealed record Run(string Table, string Op, int? SearchListSize, QuerySet Set, string? SessionSetup);

    /// <summary>One query: its index in the data set, the labels it filters on (null: unfiltered), its exact top-k ids.</summary>
    private sealed record QueryEntry(int Query, int[]? Labels, int[] Truth);

    /// <summary>A named list of queries; <paramref name="MeanSelectivity"/> is the mean fraction of rows passing their filter.</summary>
    private sealed record QuerySet(string Name, bool Filtered, double MeanSelectivity, IReadOnlyList<QueryEntry> Entries);

    private sealed class ClientTally
    {
        public List<double> LatenciesMs { get; } = new(1 << 16);

        public long Hits { get; set; }

        public long Expected { get; set; }
    }

    /// <summary>One measurement, printed as a JSON line.</summary>
    private sealed record QueryResult(
        string Endpoint,
        string ServerVersion,
        string Table,
        string Filter,
        double Selectivity,
        int Rows,
        int Dim,
        string Op,
        int? SearchListSize,
        int K,
        int Clients,
        double Seconds,
        long Queries,
        double Qps,
        double P50Ms,
        double P99Ms,
        double? RecallAtK,
        double? SectorReadsPerQuery);
}

using System.Globalization;
using System.Net.Sockets;
using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;

namespace AnnSql.IntegrationTests;

/// <summary>
/// What an operator watches: the Prometheus series README documents, scraped from <c>/metrics</c> after real work, and
/// <c>/ready</c>, which stays 503 while the server recovers and warms its indexes up after a crash.
/// </summary>
public sealed class OperationsTests
{
    private const int Rows = 2000;

    [Fact]
    public async Task Metrics_show_the_documented_series_with_values_that_match_the_work_done()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync("--Gpu", "cpu");
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data, Rows);
        await MnistTable.ExecuteAsync(conn, "CREATE INDEX mem_idx ON mnist USING diskann (embedding vector_l2_ops)");
        await MnistTable.ExecuteAsync(conn, "CREATE INDEX disk_idx ON mnist USING diskann (embedding vector_cosine_ops) WITH (storage = 'disk')");
        const int Queries = 5;
        for (int q = 0; q < Queries; q++)
        {
            Assert.Equal(10, (await MnistTable.IdsAsync(conn, "SELECT id FROM mnist ORDER BY embedding <-> $1 LIMIT 10", data.Queries[q])).Count);
            Assert.Equal(10, (await MnistTable.IdsAsync(conn, "SELECT id FROM mnist ORDER BY embedding <=> $1 LIMIT 10", data.Queries[q])).Count);
        }

        await MnistTable.ExecuteAsync(conn, "SET diskann.backend = 'gpu'");
        Assert.Equal(3, (await MnistTable.IdsAsync(conn, "SELECT id FROM mnist ORDER BY embedding <#> $1 LIMIT 3", data.Queries[0])).Count);
        await Assert.ThrowsAsync<PostgresException>(() => MnistTable.ExecuteAsync(conn, "SELECT 1/0"));
        await Assert.ThrowsAsync<PostgresException>(() => MnistTable.ExecuteAsync(conn, "SELECT * FROM no_such_table"));
        await SendBadStartupAsync(server.Port);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        var metrics = Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        double Value(string name, params string[] labels) =>
            metrics.Where(m => m.Name == name && labels.All(l => m.Labels.Contains(l, StringComparison.Ordinal))).Sum(m => m.Value);

        // Statements by kind: 2 x 5 index queries, 1 on the GPU backend, and two failures; rows as returned.
        Assert.True(Value("annsql_query_duration_seconds_count", "statement=\"SELECT\"", "outcome=\"ok\"") >= 2 * Queries + 1);
        Assert.Equal(2, Value("annsql_query_duration_seconds_count", "statement=\"SELECT\"", "outcome=\"error\""));
        Assert.Equal(2, Value("annsql_query_duration_seconds_count", "statement=\"CREATE INDEX\""));
        Assert.True(Value("annsql_query_duration_seconds_sum", "statement=\"CREATE INDEX\"") > 0);
        Assert.True(Value("annsql_query_rows_total", "statement=\"SELECT\"") >= (2 * Queries * 10) + 3);
        Assert.Equal(1, Value("annsql_errors_total", "sqlstate_class=\"22\""));
        Assert.Equal(1, Value("annsql_errors_total", "sqlstate_class=\"42\""));

        // Connections: this one is open; the bad startup packet was rejected.
        Assert.True(Value("annsql_connections_active") >= 1);
        Assert.True(Value("annsql_connections_total") >= 2);
        Assert.Equal(1, Value("annsql_connections_rejected_total"));

        // Index searches: one histogram sample per query and index, with the work a graph search does.
        Assert.Equal(Queries, Value("annsql_index_search_distance_computations_count", "index=\"mem_idx\""));
        Assert.True(Value("annsql_index_search_distance_computations_sum", "index=\"mem_idx\"") >= Queries * 10);
        Assert.True(Value("annsql_index_search_hops_sum", "index=\"mem_idx\"") >= Queries);
        Assert.Equal(Queries, Value("annsql_index_search_sector_reads_count", "index=\"disk_idx\""));
        Assert.True(Value("annsql_index_search_sector_reads_sum", "index=\"disk_idx\"") + Value("annsql_index_search_cache_hits_sum", "index=\"disk_idx\"") >= Queries);

        // Builds, sizes and points.
        Assert.Equal(1, Value("annsql_index_build_duration_seconds_count", "index=\"mem_idx\"", "storage=\"memory\""));
        Assert.Equal(1, Value("annsql_index_build_duration_seconds_count", "index=\"disk_idx\"", "storage=\"disk\""));
        Assert.Equal(Rows, Value("annsql_index_points", "index=\"mem_idx\""));
        Assert.Equal(Rows, Value("annsql_index_points", "index=\"disk_idx\""));
        Assert.True(Value("annsql_index_size_bytes", "index=\"mem_idx\"", "location=\"memory\"") >= Rows * 784 * 4);
        Assert.True(Value("annsql_index_size_bytes", "index=\"disk_idx\"", "location=\"disk\"") >= Rows * 4096 / 2);

        // Durability and the GPU backend (ILGPU's CPU accelerator here).
        Assert.True(Value("annsql_wal_bytes_total") >= Rows * 784 * 4);
        Assert.True(Value("annsql_wal_fsync_duration_seconds_count") >= 1);
        Assert.True(Value("annsql_checkpoint_duration_seconds_count") >= 2);
        Assert.Equal(1, Value("annsql_gpu_searches_total"));
        Assert.True(Value("annsql_gpu_memory_used_bytes") >= Rows * 784 * 4);

        // The runtime's own meter.
        Assert.True(Value("dotnet_process_memory_working_set_bytes") >= Rows * 784 * 4);
    }

    [Fact]
    public async Task Ready_is_503_while_the_server_recovers_and_catches_its_index_up_and_200_after()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();
        await using (var source = server.CreateDataSource())
        await using (var conn = await source.OpenConnectionAsync())
        {
            await MnistTable.CreateAsync(conn, data, Rows);
            await MnistTable.ExecuteAsync(conn, "CREATE INDEX mem_idx ON mnist USING diskann (embedding vector_l2_ops)");

            // The checkpoint after CREATE INDEX holds the graph of the first rows; these are only in the log.
            await MnistTable.CopyAsync(conn, data, Rows, 2 * Rows);
        }

        server.Kill();
        await server.RestartAsync(waitForListening: false);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        var seen = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            using var response = await http.GetAsync(new Uri("/ready", UriKind.Relative));
            string body = await response.Content.ReadAsStringAsync();
            if (seen.Count == 0 || seen[^1] != body)
            {
                seen.Add(body);
            }

            if (response.IsSuccessStatusCode)
            {
                Assert.Equal("ready", body);
                break;
            }

            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, string.Join(" → ", seen));
            await Task.Delay(5);
        }

        Assert.True(seen.Count >= 2, $"/ready answered {string.Join(" → ", seen)}");
        Assert.All(seen[..^1], s => Assert.Contains(s, new[] { "recovering", "warming up" }));

        // Ready means warmed up: the index holds every row replayed from the log, and answers exactly.
        await server.WaitForListeningAsync();
        await using (var source = server.CreateDataSource())
        await using (var conn = await source.OpenConnectionAsync())
        {
            await using var cmd = new NpgsqlCommand("SELECT points FROM diskann_index_stats WHERE indexname = 'mem_idx'", conn);
            Assert.Equal(2L * Rows, (long)(await cmd.ExecuteScalarAsync())!);
            var plan = await MnistTable.ExplainAsync(conn, "SELECT id FROM mnist ORDER BY embedding <-> $1 LIMIT 10", data.Queries[0], analyze: false);
            Assert.Contains(plan, l => l.Contains("Index Scan using mem_idx", StringComparison.Ordinal));
        }

        // /health is liveness only.
        Assert.Equal("ok", await http.GetStringAsync(new Uri("/health", UriKind.Relative)));
    }

    [Fact]
    public async Task Info_lists_tables_and_indexes_with_their_parameters_sizes_and_a_recall_self_check()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();
        await using (var source = server.CreateDataSource())
        await using (var conn = await source.OpenConnectionAsync())
        {
            await MnistTable.CreateAsync(conn, data, Rows);
            await MnistTable.ExecuteAsync(conn, "CREATE INDEX mem_idx ON mnist USING diskann (embedding vector_l2_ops) WITH (max_degree = 24, l_build = 64)");
            await MnistTable.ExecuteAsync(conn, "CREATE TABLE empty (a int)");
        }

        string connection = $"Host=127.0.0.1;Port={server.Port};Username=postgres";
        var (code, stdout, stderr) = await AnnSqlCli.RunAsync(["info", "--connection", connection, "--json", "--sample", "10"]);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        var tables = lines.Where(l => l.TryGetProperty("table", out _) && !l.TryGetProperty("index", out _))
            .ToDictionary(l => l.GetProperty("table").GetString()!, l => l.GetProperty("rows").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["empty"] = 0, ["mnist"] = Rows }, tables);
        var index = Assert.Single(lines, l => l.TryGetProperty("index", out _));
        Assert.Equal("mem_idx", index.GetProperty("index").GetString());
        Assert.Equal("embedding", index.GetProperty("column").GetString());
        Assert.Equal("vector_l2_ops", index.GetProperty("opclass").GetString());
        Assert.Contains("max_degree='24'", index.GetProperty("options").GetString(), StringComparison.Ordinal);
        Assert.Equal("memory", index.GetProperty("storage").GetString());
        Assert.Equal(Rows, index.GetProperty("points").GetInt64());
        Assert.True(index.GetProperty("resident_bytes").GetInt64() >= Rows * 784 * 4);
        Assert.True(index.GetProperty("build_seconds").GetDouble() > 0);
        Assert.Equal(10, index.GetProperty("sample").GetInt32());
        Assert.True(index.GetProperty("recall").GetDouble() >= 0.9, stdout);

        // The table form, and a clear error for a server that is not there.
        (code, stdout, _) = await AnnSqlCli.RunAsync(["info", "--connection", connection, "--sample", "0"]);
        Assert.Equal(0, code);
        Assert.Contains("mem_idx", stdout, StringComparison.Ordinal);
        (code, _, stderr) = await AnnSqlCli.RunAsync(["info", "--connection", "Host=127.0.0.1;Port=1;Username=postgres;Timeout=3"]);
        Assert.Equal(1, code);
        Assert.StartsWith("annsql info: ", stderr, StringComparison.Ordinal);
    }

    /// <summary>A StartupMessage with protocol version 9.9, which the server refuses before authentication.</summary>
    private static async Task SendBadStartupAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(new byte[] { 0, 0, 0, 8, 0, 9, 0, 9 });
        var buffer = new byte[512];
        while (await stream.ReadAsync(buffer) > 0)
        {
        }
    }

    private static List<(string Name, string Labels, double Value)> Parse(string text)
    {
        var samples = new List<(string, string, double)>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int brace = line.IndexOf('{', StringComparison.Ordinal);
            int space = line.LastIndexOf(' ');
            string name = brace > 0 ? line[..brace] : line[..line.IndexOf(' ', StringComparison.Ordinal)];
            string labels = brace > 0 ? line[brace..(line.LastIndexOf('}') + 1)] : "";
            samples.Add((name, labels, double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture)));
        }

        return samples;
    }
}

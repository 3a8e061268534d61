using System.Globalization;
using System.Text.RegularExpressions;
using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using Pgvector;
using Xunit.Abstractions;

namespace AnnSql.IntegrationTests;

/// <summary>
/// <c>storage = 'disk'</c> diskann indexes against the real server on the vendored MNIST rows (9,000 × 784 float32 =
/// 28.2 MB of vectors): a build under a memory budget below the vectors' size, the resident memory, EXPLAIN ANALYZE's
/// I/O figures, churn with merges while queries run, and a restart that opens the file without reading it.
/// </summary>
public sealed partial class DiskResidentIndexTests(ITestOutputHelper output)
{
    private const string L2Query = "SELECT id FROM mnist ORDER BY embedding <-> $1 LIMIT 10";
    private const int Queries = 100;

    /// <summary>A hot-node cache small enough that the whole index stays under 15% of the vectors' bytes at 9,000 rows.</summary>
    private static readonly string[] ServerArguments = ["--DiskIndexCacheBytes", "1048576"];

    [Fact]
    public async Task A_build_capped_below_the_vectors_size_meets_the_recall_bar_and_stays_small_in_memory()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync(ServerArguments);
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data);
        long rawBytes = (long)data.Base.Length * data.Dimensions * sizeof(float);
        await MnistTable.ExecuteAsync(conn, "SET maintenance_work_mem = '12MB'");
        await MnistTable.ExecuteAsync(conn, "CREATE INDEX mnist_idx ON mnist USING diskann (embedding vector_l2_ops) WITH (storage = 'disk')");

        var stats = await StatsAsync(conn, "mnist_idx");
        output.WriteLine(string.Join(", ", stats.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Equal("disk", stats["storage"]);
        Assert.Equal(data.Base.Length, Convert.ToInt64(stats["points"], CultureInfo.InvariantCulture));
        Assert.True(Convert.ToInt32(stats["build_partitions"], CultureInfo.InvariantCulture) > 1, "a 12 MB budget must split 28 MB of vectors");
        long peak = Convert.ToInt64(stats["build_peak_bytes"], CultureInfo.InvariantCulture);
        Assert.True(peak <= 12L * 1024 * 1024 && peak < rawBytes, $"build peak {peak} bytes");

        double recall = await MnistTable.RecallAsync(conn, data, Enumerable.Repeat(true, data.Base.Length).ToArray(), L2Query, Queries);
        output.WriteLine($"recall@10 {recall:F4} at the default L");
        Assert.True(recall >= 0.95, $"recall@10 {recall:F4}");

        // The hot-node cache fills in the background after the build; the resident set is measured once it is full.
        Assert.True(
            await WaitForAsync(async () => Convert.ToInt64((await StatsAsync(conn, "mnist_idx"))["cached_nodes"], CultureInfo.InvariantCulture) > 0),
            "the hot-node cache was not filled within 30 s of the build");
        stats = await StatsAsync(conn, "mnist_idx");
        long resident = Convert.ToInt64(stats["resident_bytes"], CultureInfo.InvariantCulture);
        output.WriteLine($"resident {resident} bytes = {(double)resident / rawBytes:P1} of the vectors; file {stats["file_bytes"]} bytes");
        Assert.True(resident <= rawBytes * 0.15, $"resident {resident} bytes, more than 15% of {rawBytes}");
        Assert.True(Convert.ToInt64(stats["file_bytes"], CultureInfo.InvariantCulture) > rawBytes, "the file holds every full-precision vector");

        var plan = await MnistTable.ExplainAsync(conn, L2Query, data.Queries[0]);
        output.WriteLine(string.Join('\n', plan));
        Assert.Contains(plan, l => l.Contains("Storage: disk (beam width 4, rescore 50)", StringComparison.Ordinal));
        int reads = int.Parse(SectorReads().Match(string.Join('\n', plan)).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(reads, 1, data.Base.Length);
        Assert.Contains(plan, l => DistancesLine().IsMatch(l));

        // A wider beam reads the same sectors in fewer round trips; the answer keeps the recall bar.
        await MnistTable.ExecuteAsync(conn, "SET diskann.beam_width = 8");
        double wide = await MnistTable.RecallAsync(conn, data, Enumerable.Repeat(true, data.Base.Length).ToArray(), L2Query, Queries);
        Assert.True(wide >= 0.95, $"recall@10 {wide:F4} with beam width 8");
    }

    [Theory]
    [InlineData("storage_layout = 'memory_optimized'")]
    [InlineData("product_quantized = true, pq_param_num_chunks = 49")]
    [InlineData("storage = 'disk', pq_chunks = 196")]
    public async Task The_pgvectorscale_and_pg_diskann_spellings_build_a_disk_index(string options)
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync(ServerArguments);
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data, count: 2000);
        await MnistTable.ExecuteAsync(conn, $"CREATE INDEX mnist_idx ON mnist USING diskann (embedding vector_l2_ops) WITH ({options})");
        var stats = await StatsAsync(conn, "mnist_idx");
        Assert.Equal("disk", stats["storage"]);
        int chunks = Convert.ToInt32(stats["pq_chunks"], CultureInfo.InvariantCulture);
        Assert.Equal(options.Contains("49", StringComparison.Ordinal) ? 49 : options.Contains("196", StringComparison.Ordinal) ? 196 : 98, chunks);
        var ids = await MnistTable.IdsAsync(conn, L2Query, data.Base[7]);
        Assert.Equal(7, ids[0]);
    }

    [Fact]
    public async Task Churn_of_30_percent_with_merges_while_queries_run_keeps_recall()
    {
        var data = MnistDataset.Load();
        int n = data.Base.Length;
        await using var server = await AnnSqlServer.StartAsync(ServerArguments);
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data);
        await MnistTable.ExecuteAsync(conn, "CREATE INDEX mnist_idx ON mnist USING diskann (embedding vector_l2_ops) WITH (storage = 'disk')");
        var all = Enumerable.Repeat(true, n).ToArray();
        double fresh = await MnistTable.RecallAsync(conn, data, all, L2Query, Queries);

        // Readers query without pause through the deletes, the inserts and the merges; any error fails the test.
        using var stop = new CancellationTokenSource();
        long queries = 0;
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(async () =>
        {
            await using var readerConn = await source.OpenConnectionAsync();
            for (int q = r; !stop.IsCancellationRequested; q = (q + 2) % data.Queries.Length)
            {
                var ids = await MnistTable.IdsAsync(readerConn, L2Query, data.Queries[q]);
                Assert.Equal(10, ids.Count);
                Interlocked.Increment(ref queries);
            }
        })).ToArray();

        var random = new Random(20261123);
        int[] gone = [.. Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(n * 3 / 10)];
        await using (var cmd = new NpgsqlCommand("DELETE FROM mnist WHERE id = ANY($1)", conn))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = gone });
            Assert.Equal(gone.Length, await cmd.ExecuteNonQueryAsync());
        }

        var present = Enumerable.Repeat(true, n).ToArray();
        foreach (int id in gone)
        {
            present[id] = false;
        }

        await MnistTable.ExecuteAsync(conn, "VACUUM mnist");
        double halfway = await MnistTable.RecallAsync(conn, data, present, L2Query, Queries);
        await MnistTable.CopyAsync(conn, data, gone);
        await MnistTable.ExecuteAsync(conn, "VACUUM mnist");
        double churned = await MnistTable.RecallAsync(conn, data, all, L2Query, Queries);

        await stop.CancelAsync();
        await Task.WhenAll(readers);
        var stats = await StatsAsync(conn, "mnist_idx");
        output.WriteLine($"recall@10 fresh {fresh:F4}, 30% deleted {halfway:F4}, after reinserting {churned:F4}; {queries} queries meanwhile; "
            + string.Join(", ", stats.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.True(Convert.ToInt32(stats["merges"], CultureInfo.InvariantCulture) >= 2, "VACUUM merges the tombstones, then the delta");
        Assert.Equal(0L, Convert.ToInt64(stats["delta_points"], CultureInfo.InvariantCulture));
        Assert.Equal(0L, Convert.ToInt64(stats["deleted_points"], CultureInfo.InvariantCulture));
        Assert.Equal((long)n, Convert.ToInt64(stats["points"], CultureInfo.InvariantCulture));
        Assert.True(queries > 0);
        Assert.True(halfway >= 0.95, $"recall@10 {halfway:F4} with 30% deleted");
        Assert.True(churned >= 0.95, $"recall@10 {churned:F4} after reinserting");
    }

    [Fact]
    public async Task A_restart_opens_the_disk_file_without_reading_it_and_replays_the_rows_since()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync(ServerArguments);
        var present = Enumerable.Repeat(true, data.Base.Length).ToArray();
        await using (var source = server.CreateDataSource())
        await using (var conn = await source.OpenConnectionAsync())
        {
            await MnistTable.CreateAsync(conn, data);
            await MnistTable.ExecuteAsync(conn, "CREATE INDEX mnist_idx ON mnist USING diskann (embedding vector_l2_ops) WITH (storage = 'disk')");
            await MnistTable.ExecuteAsync(conn, "CHECKPOINT");

            // After the checkpoint: the queries' own vectors arrive as rows 100000 + q (the delta), and the nearest row of
            // other queries leaves (a tombstone on the file).
            await MnistTable.InsertQueriesAndDeleteNearestAsync(conn, data, present, 50, Queries);
        }

        server.Kill();
        await server.RestartAsync();
        var loaded = LoadedLine().Match(server.Output);
        Assert.True(loaded.Success, server.Output);
        double seconds = double.Parse(loaded.Groups[1].Value, CultureInfo.InvariantCulture);
        output.WriteLine($"restart after SIGKILL: {server.StartupTime.TotalSeconds:F2} s to accept connections; index opened in {seconds:F2} s");
        Assert.True(seconds < 1, $"opening the disk index took {seconds:F2} s");

        await using (var source = server.CreateDataSource())
        await using (var conn = await source.OpenConnectionAsync())
        {
            for (int q = 0; q < 50; q++)
            {
                var ids = await MnistTable.IdsAsync(conn, L2Query, data.Queries[q]);
                Assert.Equal(100_000 + q, ids[0]);
            }

            double recall = 0;
            for (int q = 50; q < Queries; q++)
            {
                var ids = await MnistTable.IdsAsync(conn, L2Query, data.Queries[q]);
                Assert.DoesNotContain((long)data.GroundTruth[q][0], ids);
                recall += ExactNeighbours.RecallAmong(data, q, ids, present);
            }

            Assert.True(recall / 50 >= 0.95, $"recall@10 {recall / 50:F4} after the restart");

            // A merge writes the next generation; after a checkpoint the replaced file is gone.
            await MnistTable.ExecuteAsync(conn, "VACUUM mnist");
            await MnistTable.ExecuteAsync(conn, "CHECKPOINT");
            var files = Directory.GetFiles(Path.Combine(server.DataDirectory, "index"));
            Assert.Single(files);
        }
    }

    private static async Task<Dictionary<string, object>> StatsAsync(NpgsqlConnection conn, string index)
    {
        await using var cmd = new NpgsqlCommand("SELECT * FROM diskann_index_stats WHERE indexname = $1", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = index });
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no diskann_index_stats row for {index}");
        var row = new Dictionary<string, object>();
        for (int i = 0; i < reader.FieldCount; i++)
        {
            row[reader.GetName(i)] = reader.GetValue(i);
        }

        return row;
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms for up to 30 s; returns whether it came true.</summary>
    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition)
    {
        for (int i = 0; i < 300; i++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    [GeneratedRegex(@"Sector Reads: (\d+)")]
    private static partial Regex SectorReads();

    [GeneratedRegex(@"Distances: PQ \d+  Full \d+")]
    private static partial Regex DistancesLine();

    [GeneratedRegex(@"diskann index mnist_idx loaded from the checkpoint: \d+ points in ([0-9.]+) s")]
    private static partial Regex LoadedLine();
}

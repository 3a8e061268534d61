using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AnnSql.Index.Distance;
using AnnSql.Index.Search;
using AnnSql.Tools.Datasets;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace AnnSql.Benchmarks;

/// <summary>
/// The live-index benchmark over SQL: load a data set, build a diskann index, then rounds of deleting a random share of
/// the rows and putting them back in a new order, each quarter through a different statement (multi-row INSERT, COPY,
/// single-row UPDATE of a NULLed vector, single-row INSERT ... ON CONFLICT). After each round: recall@k against the data
/// set's ground truth and QPS, next to the fresh build and a REINDEX on the same rows; with the rows per second of every
/// write phase (the index maintained: the commit of a bulk statement waits for the index, and a VACUUM at the end of each
/// phase brings it fully up to date).
/// </summary>
internal static class ChurnBenchmark
{
    public static Command CreateCommand(Option<string[]> dataOption, Func<string[]?, VectorDataSet> loadData)
    {
        Option<string> endpoint = new("--endpoint") { Description = "Npgsql connection string of the AnnSql server", Required = true };
        Option<string> table = new("--table") { Description = "Table to create (dropped first)", DefaultValueFactory = _ => "churn" };
        Option<int> rounds = new("--rounds") { Description = "Delete/re-insert rounds", DefaultValueFactory = _ => 3 };
        Option<double> fraction = new("--fraction") { Description = "Share of the rows deleted each round", DefaultValueFactory = _ => 0.5 };
        Option<int> searchList = new("--search-list-size") { Description = "diskann.l_search for the measurements", DefaultValueFactory = _ => 40 };
        Option<double> seconds = new("--seconds") { Description = "Seconds of each QPS measurement (1 client)", DefaultValueFactory = _ => 8 };
        Option<int> halfwayQueries = new("--halfway-queries")
        {
            Description = "Queries whose ground truth is recomputed over the rows left in the middle of a round",
            DefaultValueFactory = _ => 1000,
        };
        Command command = new("churn", "Recall, QPS and write throughput of a diskann index under delete/re-insert rounds")
        {
            dataOption, endpoint, table, rounds, fraction, searchList, seconds, halfwayQueries,
        };
        command.SetAction((parse, ct) => RunAsync(
            loadData(parse.GetValue(dataOption)),
            parse.GetValue(endpoint)!,
            parse.GetValue(table)!,
            parse.GetValue(rounds),
            parse.GetValue(fraction),
            parse.GetValue(searchList),
            TimeSpan.FromSeconds(parse.GetValue(seconds)),
            parse.GetValue(halfwayQueries),
            ct));
        return command;
    }

    private static async Task<int> RunAsync(
        VectorDataSet data, string connectionString, string table, int rounds, double fraction, int searchList, TimeSpan seconds,
        int halfwayQueries, CancellationToken ct)
    {
        NpgsqlDataSourceBuilder builder = new(connectionString);
        builder.UseVector();
        await using NpgsqlDataSource source = builder.Build();
        await using NpgsqlConnection conn = await source.OpenConnectionAsync(ct);
        await ExecuteAsync(conn, "CREATE EXTENSION IF NOT EXISTS vector", ct);
        await conn.ReloadTypesAsync(ct);
        await ExecuteAsync(conn, $"DROP TABLE IF EXISTS {table}", ct);
        await ExecuteAsync(conn, $"CREATE TABLE {table} (id int PRIMARY KEY, embedding vector({data.Dimensions}))", ct);
        int n = data.Count;
        int[] all = [.. Enumerable.Range(0, n)];
        Report("load (COPY, no index)", n, await TimeAsync(() => CopyAsync(conn, data, table, all, ct)));
        double build = await TimeAsync(() => ExecuteAsync(conn, $"CREATE INDEX {table}_idx ON {table} USING diskann (embedding vector_l2_ops)", ct));
        Console.WriteLine($"build: {build:F1} s");
        await ExecuteAsync(conn, $"SET diskann.l_search = {searchList}", ct);
        var (freshRecall, freshQps) = await MeasureAsync(source, data, table, searchList, seconds, ct);
        Console.WriteLine($"fresh build: recall@10 {freshRecall:F4}, {freshQps:F0} QPS (L = {searchList}, 1 client)");

        var random = new Random(20251123);
        for (int round = 1; round <= rounds; round++)
        {
            int[] gone = [.. all.OrderBy(_ => random.Next()).Take((int)(n * fraction))];
            int quarter = gone.Length / 4;
            int[][] parts = [gone[..quarter], gone[quarter..(2 * quarter)], gone[(2 * quarter)..(3 * quarter)], gone[(3 * quarter)..]];
            Report("DELETE ... WHERE id = ANY($1), 1000 ids a statement", parts[0].Length,
                await TimeAsync(() => ForChunksAsync(parts[0], 1000, chunk => ExecuteAsync(conn, $"DELETE FROM {table} WHERE id = ANY($1)", ct, chunk), ct)));
            Report("DELETE, one row a statement", parts[1].Length,
                await TimeAsync(() => ForChunksAsync(parts[1], 1, chunk => ExecuteAsync(conn, $"DELETE FROM {table} WHERE id = $1", ct, chunk[0]), ct)));
            Report("UPDATE ... SET embedding = NULL, 1000 ids a statement", parts[2].Length,
                await TimeAsync(() => ForChunksAsync(parts[2], 1000, chunk => ExecuteAsync(conn, $"UPDATE {table} SET embedding = NULL WHERE id = ANY($1)", ct, chunk), ct)));
            Report("DELETE, 100 one-row statements a transaction", parts[3].Length,
                await TimeAsync(() => ForChunksAsync(parts[3], 100, async chunk =>
                {
                    await using var txn = await conn.BeginTransactionAsync(ct);
                    foreach (int id in chunk)
                    {
                        await ExecuteAsync(conn, $"DELETE FROM {table} WHERE id = $1", ct, id);
                    }

                    await txn.CommitAsync(ct);
                }, ct)));

            bool[] present = Enumerable.Repeat(true, n).ToArray();
            foreach (int id in gone)
            {
                present[id] = false;
            }

            double halfway = await HalfwayRecallAsync(source, data, table, searchList, present, halfwayQueries, ct);
            Console.WriteLine($"round {round}, {gone.Length} rows deleted: recall@10 {halfway:F4} over {halfwayQueries} queries (ground truth over the rows left)");

            foreach (int[] part in parts)
            {
                random.Shuffle(part);
            }

            Report("INSERT, 100 rows a statement (index maintained)", parts[0].Length,
                await TimeAsync(() => ForChunksAsync(parts[0], 100, chunk => InsertValuesAsync(conn, data, table, chunk, ct), ct)) + await VacuumAsync(conn, table, ct));
            Report("COPY binary (index maintained)", parts[1].Length,
                await TimeAsync(() => CopyAsync(conn, data, table, parts[1], ct)) + await VacuumAsync(conn, table, ct));
            Report("UPDATE ... SET embedding = $2, one row a statement (index maintained)", parts[2].Length,
                await TimeAsync(() => ForChunksAsync(parts[2], 1, chunk =>
                    ExecuteAsync(conn, $"UPDATE {table} SET embedding = $2 WHERE id = $1", ct, chunk[0], new Vector(data.Base(chunk[0]))), ct)) + await VacuumAsync(conn, table, ct));
            Report("INSERT ... ON CONFLICT (id) DO UPDATE, one row a statement (index maintained)", parts[3].Length,
                await TimeAsync(() => ForChunksAsync(parts[3], 1, chunk => ExecuteAsync(conn,
                    $"INSERT INTO {table} (id, embedding) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding", ct,
                    chunk[0], new Vector(data.Base(chunk[0]))), ct)) + await VacuumAsync(conn, table, ct));

            var (recall, qps) = await MeasureAsync(source, data, table, searchList, seconds, ct);
            Console.WriteLine($"round {round} done: recall@10 {recall:F4} ({recall - freshRecall:+0.0000;-0.0000} against the fresh build), "
                + $"{qps:F0} QPS ({(qps / freshQps) - 1:+0.0%;-0.0%})");
        }

        double reindex = await TimeAsync(() => ExecuteAsync(conn, $"REINDEX INDEX {table}_idx", ct));
        var (rebuiltRecall, rebuiltQps) = await MeasureAsync(source, data, table, searchList, seconds, ct);
        Console.WriteLine($"REINDEX ({reindex:F1} s) on the same rows: recall@10 {rebuiltRecall:F4}, {rebuiltQps:F0} QPS");
        return 0;
    }

    private static void Report(string phase, int rows, double seconds) =>
        Console.WriteLine($"  {phase}: {rows} rows in {seconds:F2} s = {rows / seconds:F0} rows/s");

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>VACUUM: the index catches up with every committed row and consolidates its tombstones; returns its seconds.</summary>
    private static Task<double> VacuumAsync(NpgsqlConnection conn, string table, CancellationToken ct) =>
        TimeAsync(() => ExecuteAsync(conn, $"VACUUM {table}", ct));

    private static async Task ForChunksAsync(int[] ids, int size, Func<int[], Task> action, CancellationToken ct)
    {
        foreach (int[] chunk in ids.Chunk(size))
        {
            ct.ThrowIfCancellationRequested();
            await action(chunk);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql, CancellationToken ct, params object[] parameters)
    {
        await using NpgsqlCommand cmd = new(sql, conn) { CommandTimeout = 0 };
        foreach (object p in parameters)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task CopyAsync(NpgsqlConnection conn, VectorDataSet data, string table, int[] ids, CancellationToken ct)
    {
        await using NpgsqlBinaryImporter copy = await conn.BeginBinaryImportAsync($"COPY {table} (id, embedding) FROM STDIN (FORMAT binary)", ct);
        foreach (int id in ids)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(id, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(new Vector(data.Base(id)), ct);
        }

        await copy.CompleteAsync(ct);
    }

    private static async Task InsertValuesAsync(NpgsqlConnection conn, VectorDataSet data, string table, int[] ids, CancellationToken ct)
    {
        string values = string.Join(", ", ids.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"(${(2 * i) + 1}, ${(2 * i) + 2})")));
        await ExecuteAsync(conn, $"INSERT INTO {table} (id, embedding) VALUES {values}", ct,
            [.. ids.SelectMany(id => new object[] { id, new Vector(data.Base(id)) })]);
    }

    /// <summary>Recall@10 over every query against the data set's ground truth, then QPS of one client for the given time.</summary>
    private static async Task<(double Recall, double Qps)> MeasureAsync(
        NpgsqlDataSource source, VectorDataSet data, string table, int searchList, TimeSpan duration, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await source.OpenConnectionAsync(ct);
        await ExecuteAsync(conn, $"SET diskann.l_search = {searchList}", ct);
        await using NpgsqlCommand cmd = new($"SELECT id FROM {table} ORDER BY embedding <-> $1 LIMIT 10", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Query(0)) });
        await cmd.PrepareAsync(ct);
        long hits = 0;
        for (int q = 0; q < data.QueryCount; q++)
        {
            var ids = await RunAsync(cmd, data, q, ct);
            ReadOnlySpan<int> truth = data.Neighbours(q, 10);
            float kth = VectorDistances.L2Squared(data.Query(q).Span, data.Base(truth[^1]).Span);
            foreach (int id in ids)
            {
                if (truth.Contains(id) || VectorDistances.L2Squared(data.Query(q).Span, data.Base(id).Span) <= kth)
                {
                    hits++;
                }
            }
        }

        var clock = Stopwatch.StartNew();
        long queries = 0;
        while (clock.Elapsed < duration)
        {
            await RunAsync(cmd, data, (int)(queries++ % data.QueryCount), ct);
        }

        return (hits / (10.0 * data.QueryCount), queries / clock.Elapsed.TotalSeconds);
    }

    /// <summary>Recall@10 of the first queries against an exact top-10 recomputed over the rows <paramref name="present"/> marks.</summary>
    private static async Task<double> HalfwayRecallAsync(
        NpgsqlDataSource source, VectorDataSet data, string table, int searchList, bool[] present, int queries, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await source.OpenConnectionAsync(ct);
        await ExecuteAsync(conn, $"SET diskann.l_search = {searchList}", ct);
        await using NpgsqlCommand cmd = new($"SELECT id FROM {table} ORDER BY embedding <-> $1 LIMIT 10", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Query(0)) });
        await cmd.PrepareAsync(ct);
        queries = Math.Min(queries, data.QueryCount);
        var truth = new (float Kth, HashSet<int> Ids)[queries];
        Parallel.For(0, queries, q =>
        {
            var heap = new TopKHeap(10);
            for (int id = 0; id < data.Count; id++)
            {
                if (present[id])
                {
                    heap.TryAdd(VectorDistances.L2Squared(data.Query(q).Span, data.Base(id).Span), id);
                }
            }

            var distances = new float[10];
            var ids = new long[10];
            heap.DrainSorted(distances, ids);
            truth[q] = (distances[9], [.. ids.Select(i => (int)i)]);
        });

        long hits = 0;
        for (int q = 0; q < queries; q++)
        {
            foreach (int id in await RunAsync(cmd, data, q, ct))
            {
                if (!present[id])
                {
                    throw new InvalidOperationException($"query {q} returned deleted row {id}");
                }

                if (truth[q].Ids.Contains(id) || VectorDistances.L2Squared(data.Query(q).Span, data.Base(id).Span) <= truth[q].Kth)
                {
                    hits++;
                }
            }
        }

        return hits / (10.0 * queries);
    }

    private static async Task<List<int>> RunAsync(NpgsqlCommand cmd, VectorDataSet data, int q, CancellationToken ct)
    {
        cmd.Parameters[0].Value = new Vector(data.Query(q));
        var ids = new List<int>(10);
        await using NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetInt32(0));
        }

        return ids;
    }
}

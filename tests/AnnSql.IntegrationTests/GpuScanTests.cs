using System.Globalization;
using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using Pgvector;

namespace AnnSql.IntegrationTests;

/// <summary>
/// Exact k-NN scans on the GPU backend (<c>SET diskann.backend = 'gpu'</c>), run on ILGPU's CPU accelerator
/// (<c>--Gpu cpu</c>) since no GPU is assumed: every result must equal the CPU backend's (same rows in the same order,
/// apart from rows whose distances tie; distances within 1e-5 relative) and the exact ground truth, through changes,
/// transactions, filters, halfvec columns and LATERAL batches; EXPLAIN names the backend.
/// </summary>
public sealed class GpuScanTests
{
    private const int Queries = 12;

    [Fact]
    public async Task Every_operator_returns_the_cpu_backends_rows_and_explain_names_the_backend()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync("--Gpu", "cpu");
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data);

        foreach (var (op, _) in ExactNeighbours.Operators)
        {
            string sql = $"SELECT id, embedding {op} $1 FROM mnist ORDER BY embedding {op} $1 LIMIT 10";
            for (int q = 0; q < Queries; q++)
            {
                var gpu = await RowsAsync(conn, "gpu", sql, data.Queries[q]);
                AssertSameRows(await RowsAsync(conn, "cpu", sql, data.Queries[q]), gpu);
                Assert.Equal(1.0, ExactNeighbours.Recall(op, gpu.Select(r => r.Id).ToList(), data, q, 10), 6);
            }
        }

        string plan = string.Join('\n', await ExplainAsync(conn, "gpu", "SELECT id FROM mnist ORDER BY embedding <-> $1 LIMIT 5", data.Queries[0]));
        Assert.Contains("Exact Top-K: embedding <->", plan, StringComparison.Ordinal);
        Assert.Contains("Backend: gpu (Cpu ", plan, StringComparison.Ordinal);
        plan = string.Join('\n', await ExplainAsync(conn, "cpu", "SELECT id FROM mnist ORDER BY embedding <-> $1 LIMIT 5", data.Queries[0]));
        Assert.Contains("Backend: cpu", plan, StringComparison.Ordinal);

        // auto takes the GPU only for a CUDA device; ILGPU's CPU accelerator never pays for itself.
        plan = string.Join('\n', await ExplainAsync(conn, "auto", "SELECT id FROM mnist ORDER BY embedding <-> $1 LIMIT 5", data.Queries[0]));
        Assert.Contains("Backend: cpu", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deletes_updates_inserts_open_transactions_filters_and_halfvec_give_the_cpu_backends_rows()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync("--Gpu", "cpu");
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data, 4000);
        const string Knn = "SELECT id, embedding <-> $1 FROM mnist ORDER BY embedding <-> $1 LIMIT 10";
        async Task CompareAsync(string sql, NpgsqlConnection? on = null)
        {
            for (int q = 0; q < Queries; q++)
            {
                AssertSameRows(await RowsAsync(on ?? conn, "cpu", sql, data.Queries[q]), await RowsAsync(on ?? conn, "gpu", sql, data.Queries[q]));
            }
        }

        // The device mirror is built by the first scan; later changes must reach it.
        await CompareAsync(Knn);
        var nearest = new List<long>();
        for (int q = 0; q < Queries; q++)
        {
            nearest.AddRange((await RowsAsync(conn, "cpu", Knn, data.Queries[q])).Take(3).Select(r => r.Id));
        }

        await MnistTable.ExecuteAsync(conn, $"DELETE FROM mnist WHERE id IN ({string.Join(',', nearest.Distinct())})");
        await CompareAsync(Knn);
        await using (var update = new NpgsqlCommand("UPDATE mnist SET embedding = $1 WHERE id = 3999", conn))
        {
            update.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Queries[0]) });
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        Assert.Equal(3999, (await RowsAsync(conn, "gpu", Knn, data.Queries[0]))[0].Id);
        await MnistTable.CopyAsync(conn, data, 4000, 4500);
        await MnistTable.ExecuteAsync(conn, "INSERT INTO mnist (id, label) VALUES (-1, 0)");
        await CompareAsync(Knn);

        // The transaction's own inserts (not on the device) and deletes (still on it) count for its scans only.
        await using (var txn = await conn.BeginTransactionAsync())
        {
            await MnistTable.CopyAsync(conn, data, 4500, 4600);
            await MnistTable.ExecuteAsync(conn, "DELETE FROM mnist WHERE id < 200");
            await CompareAsync(Knn);
            await txn.RollbackAsync();
        }

        await CompareAsync(Knn);
        await CompareAsync("SELECT id, embedding <=> $1 FROM mnist WHERE label = 3 ORDER BY embedding <=> $1 LIMIT 10");
        await CompareAsync("SELECT id, embedding <-> $1 FROM mnist ORDER BY embedding <-> $1 LIMIT 5 OFFSET 20");

        // LIMIT beyond the non-NULL rows: the NULL vector comes last, as on the CPU.
        await MnistTable.ExecuteAsync(conn, "CREATE TABLE few (id int, embedding vector(784))");
        await MnistTable.ExecuteAsync(conn, "INSERT INTO few SELECT id, embedding FROM mnist WHERE id BETWEEN 1000 AND 1004");
        await MnistTable.ExecuteAsync(conn, "INSERT INTO few VALUES (-1, NULL)");
        await CompareAsync("SELECT id, embedding <-> $1 FROM few ORDER BY embedding <-> $1 LIMIT 10");

        await MnistTable.ExecuteAsync(conn, "CREATE TABLE halves (id int, embedding halfvec(784))");
        await MnistTable.ExecuteAsync(conn, "INSERT INTO halves SELECT id, embedding::halfvec FROM mnist");
        for (int q = 0; q < Queries; q++)
        {
            const string Sql = "SELECT id, embedding <#> $1::halfvec FROM halves ORDER BY embedding <#> $1::halfvec LIMIT 10";
            AssertSameRows(await RowsAsync(conn, "cpu", Sql, data.Queries[q]), await RowsAsync(conn, "gpu", Sql, data.Queries[q]), 1e-3);
        }
    }

    [Fact]
    public async Task A_lateral_join_over_a_table_of_queries_runs_them_in_one_device_batch()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync("--Gpu", "cpu");
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data, 3000);
        await MnistTable.ExecuteAsync(conn, "CREATE TABLE questions (qid int, embedding vector(784))");
        await using (var writer = await conn.BeginBinaryImportAsync("COPY questions (qid, embedding) FROM STDIN (FORMAT BINARY)"))
        {
            for (int q = 0; q < 60; q++)
            {
                await writer.WriteRowAsync(default, q, new Vector(data.Queries[q]));
            }

            await writer.CompleteAsync();
        }

        const string Sql = """
            SELECT q.qid, n.id, n.distance
            FROM questions q CROSS JOIN LATERAL (
                SELECT id, embedding <-> q.embedding AS distance FROM mnist ORDER BY embedding <-> q.embedding LIMIT 10) n
            ORDER BY q.qid, n.distance, n.id
            """;
        var cpu = await LateralAsync(conn, "cpu", Sql);
        var gpu = await LateralAsync(conn, "gpu", Sql);
        Assert.Equal(60, gpu.Count);
        foreach (var (qid, rows) in cpu)
        {
            AssertSameRows(rows, gpu[qid]);
        }

        string plan = string.Join('\n', await ExplainAsync(conn, "gpu", Sql, null, analyze: true));
        Assert.Contains("Backend: gpu (Cpu ", plan, StringComparison.Ordinal);
        Assert.Contains("Nested Loop", plan, StringComparison.Ordinal);
        Assert.Contains("Device Searches: 1\n", plan, StringComparison.Ordinal);
    }

    private static async Task<List<(long Id, double Distance)>> RowsAsync(NpgsqlConnection conn, string backend, string sql, float[] query)
    {
        await MnistTable.ExecuteAsync(conn, $"SET diskann.backend = '{backend}'");
        var rows = new List<(long, double)>();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(query) });
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), reader.IsDBNull(1) ? double.NaN : reader.GetDouble(1)));
        }

        return rows;
    }

    private static async Task<Dictionary<int, List<(long Id, double Distance)>>> LateralAsync(NpgsqlConnection conn, string backend, string sql)
    {
        await MnistTable.ExecuteAsync(conn, $"SET diskann.backend = '{backend}'");
        var rows = new Dictionary<int, List<(long, double)>>();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            int qid = reader.GetInt32(0);
            if (!rows.TryGetValue(qid, out var list))
            {
                rows[qid] = list = [];
            }

            list.Add((reader.GetInt32(1), reader.GetDouble(2)));
        }

        return rows;
    }

    private static async Task<List<string>> ExplainAsync(NpgsqlConnection conn, string backend, string sql, float[]? query, bool analyze = false)
    {
        await MnistTable.ExecuteAsync(conn, $"SET diskann.backend = '{backend}'");
        return await MnistTable.ExplainAsync(conn, sql, query, analyze);
    }

    /// <summary>
    /// Same length; distances position by position within <paramref name="tolerance"/> relative (NULL with NULL); ids
    /// position by position except where the distance ties with a neighbour's, where either order is exact.
    /// </summary>
    private static void AssertSameRows(List<(long Id, double Distance)> expected, List<(long Id, double Distance)> actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i].Distance, actual[i].Distance);
            Assert.True(double.IsNaN(e) ? double.IsNaN(a) : Math.Abs(e - a) <= tolerance * Math.Max(1, Math.Abs(e)),
                $"row {i}: distance {a} where the CPU backend gives {e}");
        }

        bool Ties(int i) => (i > 0 && Close(expected[i].Distance, expected[i - 1].Distance))
            || (i + 1 < expected.Count && Close(expected[i].Distance, expected[i + 1].Distance));
        bool Close(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Id == actual[i].Id || Ties(i), $"row {i}: id {actual[i].Id} where the CPU backend gives {expected[i].Id}");
        }

        // Rows whose distance is below the last one's are the same set (ties at the boundary may differ).
        double last = expected.Count > 0 ? expected[^1].Distance : 0;
        var inside = expected.Where(r => !double.IsNaN(r.Distance) && !Close(r.Distance, last)).Select(r => r.Id).ToHashSet();
        Assert.Subset(actual.Select(r => r.Id).ToHashSet(), inside);
    }
}

using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using Pgvector;
using Xunit.Abstractions;

namespace AnnSql.IntegrationTests;

/// <summary>
/// A diskann index under change, against the real server on the vendored MNIST rows: rounds of deleting half the rows and
/// putting them back through every kind of statement, restart from a checkpointed index plus the log tail, and ON CONFLICT.
/// </summary>
public sealed class LiveIndexTests(ITestOutputHelper output)
{
    private const string L2Query = "SELECT id FROM mnist ORDER BY embedding <-> $1 LIMIT 10";
    private const int Queries = 100;

    [Fact]
    public async Task Churn_through_insert_copy_update_and_delete_keeps_recall_at_a_fresh_builds()
    {
        var data = MnistDataset.Load();
        int n = data.Base.Length;
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data);
        await MnistTable.ExecuteAsync(conn, "CREATE INDEX mnist_idx ON mnist USING diskann (embedding vector_l2_ops)");
        var all = Enumerable.Repeat(true, n).ToArray();
        double fresh = await MnistTable.RecallAsync(conn, data, all, L2Query, Queries);
        output.WriteLine($"fresh build: recall@10 {fresh:F4}");

        var random = new Random(20251123);
        for (int round = 1; round <= 2; round++)
        {
            int[] gone = [.. Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(n / 2)];
            int quarter = gone.Length / 4;
            var byDelete = gone[..quarter];
            var bySingleDeletes = gone[quarter..(2 * quarter)];
            var byNullVector = gone[(2 * quarter)..(3 * quarter)];
            var inTransaction = gone[(3 * quarter)..];

            await using (var cmd = new NpgsqlCommand("DELETE FROM mnist WHERE id = ANY($1)", conn))
            {
                cmd.Parameters.Add(new NpgsqlParameter { Value = byDelete });
                Assert.Equal(byDelete.Length, await cmd.ExecuteNonQueryAsync());
            }

            foreach (int id in bySingleDeletes)
            {
                await using var cmd = new NpgsqlCommand("DELETE FROM mnist WHERE id = $1", conn);
                cmd.Parameters.Add(new NpgsqlParameter { Value = id });
                Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
            }

            await using (var cmd = new NpgsqlCommand("UPDATE mnist SET embedding = NULL WHERE id = ANY($1)", conn))
            {
                cmd.Parameters.Add(new NpgsqlParameter { Value = byNullVector });
                Assert.Equal(byNullVector.Length, await cmd.ExecuteNonQueryAsync());
            }

            await using (var txn = await conn.BeginTransactionAsync())
            {
                foreach (int id in inTransaction)
                {
                    await using var cmd = new NpgsqlCommand("DELETE FROM mnist WHERE id = $1", conn, txn);
                    cmd.Parameters.Add(new NpgsqlParameter { Value = id });
                    await cmd.ExecuteNonQueryAsync();
                }

                await txn.CommitAsync();
            }

            var present = Enumerable.Repeat(true, n).ToArray();
            foreach (int id in gone)
            {
                present[id] = false;
            }

            double halfway = await MnistTable.RecallAsync(conn, data, present, L2Query, Queries);
            Assert.True(halfway >= 0.95, $"round {round}, half the rows deleted: recall@10 {halfway:F4}");
            if (round == 2)
            {
                await MnistTable.ExecuteAsync(conn, "VACUUM mnist");
            }

            // Back in a new order, through four kinds of statement.
            random.Shuffle(gone);
            await InsertValuesAsync(conn, data, byDelete);
            await MnistTable.CopyAsync(conn, data, bySingleDeletes);
            foreach (int id in byNullVector)
            {
                await using var cmd = new NpgsqlCommand("UPDATE mnist SET embedding = $2 WHERE id = $1", conn);
                cmd.Parameters.Add(new NpgsqlParameter { Value = id });
                cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Base[id]) });
                Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
            }

            foreach (int id in inTransaction)
            {
                await using var cmd = new NpgsqlCommand(
                    "INSERT INTO mnist (id, label, embedding) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding", conn);
                cmd.Parameters.Add(new NpgsqlParameter { Value = id });
                cmd.Parameters.Add(new NpgsqlParameter { Value = (short)data.BaseLabels[id] });
                cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Base[id]) });
                await cmd.ExecuteNonQueryAsync();
            }

            Assert.Equal((long)n, await new NpgsqlCommand("SELECT count(embedding) FROM mnist", conn).ExecuteScalarAsync());
            double churned = await MnistTable.RecallAsync(conn, data, all, L2Query, Queries);
            output.WriteLine($"round {round}: recall@10 {halfway:F4} with half the rows deleted, {churned:F4} after they are back");
            Assert.True(churned >= 0.95 && churned >= fresh - 0.02, $"round {round}: recall@10 {churned:F4}, fresh build {fresh:F4}");
        }

        await MnistTable.ExecuteAsync(conn, "REINDEX INDEX mnist_idx");
        double rebuilt = await MnistTable.RecallAsync(conn, data, all, L2Query, Queries);
        output.WriteLine($"after REINDEX: recall@10 {rebuilt:F4}");
        Assert.True(rebuilt >= 0.95, $"after REINDEX: recall@10 {rebuilt:F4}");
    }

    [Fact]
    public async Task A_restart_loads_the_checkpointed_graph_and_replays_the_log_tail_into_it()
    {
        var data = MnistDataset.Load();
        int n = data.Base.Length;
        await using var server = await AnnSqlServer.StartAsync();
        var present = Enumerable.Repeat(true, n).ToArray();
        await using (var source = server.CreateDataSource())
        await using (var conn = await source.OpenConnectionAsync())
        {
            await MnistTable.CreateAsync(conn, data);
            await MnistTable.ExecuteAsync(conn, "CREATE INDEX mnist_idx ON mnist USING diskann (embedding vector_l2_ops)");
            await MnistTable.ExecuteAsync(conn, "CHECKPOINT");

            // After the checkpoint: the queries' own vectors arrive as rows 100000 + q, and the nearest rows of other
            // queries leave.
            await MnistTable.InsertQueriesAndDeleteNearestAsync(conn, data, present, 50, Queries);
        }

        server.Kill();
        await server.RestartAsync();
        output.WriteLine($"restart after SIGKILL: {server.StartupTime.TotalSeconds:F2} s to accept connections");
        Assert.Contains("loaded from the checkpoint", server.Output, StringComparison.Ordinal);
        await using (var source = server.CreateDataSource())
        await using (var conn = await source.OpenConnectionAsync())
        {
            // Ready at once: no build after the restart.
            var plan = await MnistTable.ExplainAsync(conn, L2Query, data.Queries[0]);
            Assert.StartsWith("Index Scan using mnist_idx on mnist", plan[0], StringComparison.Ordinal);
            Assert.DoesNotContain(plan, l => l.Contains("Exact Scan Instead", StringComparison.Ordinal));

            for (int q = 0; q < 50; q++)
            {
                Assert.Equal(100_000 + q, (await MnistTable.IdsAsync(conn, L2Query, data.Queries[q]))[0]);
            }

            double recall = 0;
            for (int q = 50; q < Queries; q++)
            {
                var ids = await MnistTable.IdsAsync(conn, L2Query, data.Queries[q]);
                Assert.DoesNotContain((long)data.GroundTruth[q][0], ids);
                recall += ExactNeighbours.RecallAmong(data, q, ids, present);
            }

            recall /= Queries - 50;
            output.WriteLine($"recall@10 after the restart, over the rows present: {recall:F4}");
            Assert.True(recall >= 0.95, $"recall@10 {recall:F4}");
        }

        // A graceful stop checkpoints; the next start loads that checkpoint's graph.
        await server.StopAsync();
        await server.RestartAsync();
        Assert.Contains("loaded from the checkpoint", server.Output, StringComparison.Ordinal);
        await using (var source = server.CreateDataSource())
        await using (var conn = await source.OpenConnectionAsync())
        {
            Assert.Equal(100_000 + 7, (await MnistTable.IdsAsync(conn, L2Query, data.Queries[7]))[0]);
            Assert.Equal((long)(n + 50 - 50), await new NpgsqlCommand("SELECT count(*) FROM mnist", conn).ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task On_conflict_do_update_and_update_move_a_row_in_the_index_and_do_nothing_keeps_it()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data, 2000);
        await MnistTable.ExecuteAsync(conn, "CREATE INDEX mnist_idx ON mnist USING diskann (embedding vector_l2_ops)");
        var moved = data.Queries[0];
        var kept = data.Queries[1];

        await using (var cmd = new NpgsqlCommand(
            "INSERT INTO mnist (id, label, embedding) VALUES (5, 0, $1) ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding RETURNING id, label", conn))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(moved) });
            await using var reader = await cmd.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(5, reader.GetInt32(0));
            Assert.Equal((short)data.BaseLabels[5], reader.GetInt16(1));
        }

        await using (var cmd = new NpgsqlCommand("INSERT INTO mnist (id, label, embedding) VALUES (6, 0, $1) ON CONFLICT DO NOTHING", conn))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(kept) });
            Assert.Equal(0, await cmd.ExecuteNonQueryAsync());
        }

        Assert.Equal(5, (await MnistTable.IdsAsync(conn, L2Query, moved))[0]);
        Assert.Equal(6, (await MnistTable.IdsAsync(conn, L2Query, data.Base[6]))[0]);
        Assert.DoesNotContain(5L, await MnistTable.IdsAsync(conn, L2Query, data.Base[5]));
        Assert.NotEqual(6L, (await MnistTable.IdsAsync(conn, L2Query, kept))[0]);

        // A plain UPDATE of the vector moves it again; the new position is found at once.
        await using (var cmd = new NpgsqlCommand("UPDATE mnist SET embedding = $1 WHERE id = 5", conn))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(kept) });
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        }

        Assert.Equal(5, (await MnistTable.IdsAsync(conn, L2Query, kept))[0]);
        Assert.DoesNotContain(5L, await MnistTable.IdsAsync(conn, L2Query, moved));
        var plan = await MnistTable.ExplainAsync(conn, L2Query, kept);
        Assert.StartsWith("Index Scan using mnist_idx on mnist", plan[0], StringComparison.Ordinal);
    }

    /// <summary>Inserts base rows <paramref name="ids"/> with multi-row INSERT statements of 50 rows each.</summary>
    private static async Task InsertValuesAsync(NpgsqlConnection conn, MnistDataset data, int[] ids)
    {
        foreach (var chunk in ids.Chunk(50))
        {
            var values = string.Join(", ", chunk.Select((_, i) => $"(${(3 * i) + 1}, ${(3 * i) + 2}, ${(3 * i) + 3})"));
            await using var cmd = new NpgsqlCommand($"INSERT INTO mnist (id, label, embedding) VALUES {values}", conn);
            foreach (int id in chunk)
            {
                cmd.Parameters.Add(new NpgsqlParameter { Value = id });
                cmd.Parameters.Add(new NpgsqlParameter { Value = (short)data.BaseLabels[id] });
                cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Base[id]) });
            }

            Assert.Equal(chunk.Length, await cmd.ExecuteNonQueryAsync());
        }
    }
}

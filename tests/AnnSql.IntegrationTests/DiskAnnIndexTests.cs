using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using Pgvector;

namespace AnnSql.IntegrationTests;

/// <summary>
/// CREATE INDEX ... USING diskann against the real server: recall on the MNIST data at default settings, the planner's
/// choice (EXPLAIN), rows changed after the build, option and operator-class errors, progress reporting, restart and DROP.
/// </summary>
public sealed class DiskAnnIndexTests
{
    private const string L2Query = "SELECT id FROM mnist ORDER BY embedding <-> $1 LIMIT 10";

    [Fact]
    public async Task Default_settings_reach_recall_095_through_the_index_scan()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data);
        await MnistTable.ExecuteAsync(conn, "CREATE INDEX ON mnist USING diskann (embedding vector_l2_ops)");

        var plan = await MnistTable.ExplainAsync(conn, L2Query, data.Queries[0]);
        Assert.Equal("Index Scan using mnist_embedding_idx on mnist (actual rows=10 loops=1)", plan[0]);
        Assert.DoesNotContain(plan, l => l.Contains("Exact Scan Instead", StringComparison.Ordinal));
        Assert.Contains(plan, l => l.StartsWith("  Hops: ", StringComparison.Ordinal));

        double recall = await MeanRecallAsync(conn, data, "<->", 200);
        Assert.True(recall >= 0.95, $"recall@10 = {recall}");
    }

    [Fact]
    public async Task An_hnsw_cosine_index_is_built_as_diskann_and_used_for_cosine_only()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data, 4000);
        var notices = new List<string>();
        conn.Notice += (_, e) => notices.Add(e.Notice.MessageText);
        await MnistTable.ExecuteAsync(conn, "CREATE INDEX items_hnsw ON mnist USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)");
        Assert.Contains("hnsw index \"items_hnsw\" is built as a diskann index", notices);

        var cosine = await MnistTable.ExplainAsync(conn, "SELECT id FROM mnist ORDER BY embedding <=> $1 LIMIT 10", data.Queries[1], analyze: false);
        Assert.Equal("Index Scan using items_hnsw on mnist", cosine[0]);
        var l2 = await MnistTable.ExplainAsync(conn, L2Query, data.Queries[1], analyze: false);
        Assert.StartsWith("Seq Scan on mnist", l2[0], StringComparison.Ordinal);

        double recall = await MeanRecallAsync(conn, data, "<=>", 100, rows: 4000);
        Assert.True(recall >= 0.95, $"recall@10 = {recall}");
    }

    [Fact]
    public async Task Rows_inserted_or_deleted_after_the_build_are_seen_at_once()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await using var other = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data, 4000);
        await MnistTable.ExecuteAsync(conn, "CREATE INDEX ON mnist USING diskann (embedding vector_l2_ops)");
        await MnistTable.CopyAsync(conn, data, 4000, data.Base.Length);

        // Inserted after the build: found by the very next statement (a row is its own nearest neighbour).
        Assert.Equal(8000, (await MnistTable.IdsAsync(conn, L2Query, data.Base[8000]))[0]);
        await MnistTable.ExecuteAsync(conn, "DELETE FROM mnist WHERE id = 8000");
        Assert.DoesNotContain(8000, await MnistTable.IdsAsync(conn, L2Query, data.Base[8000]));

        // Indexed by the build, then deleted: gone from the next statement's results.
        Assert.Equal(17, (await MnistTable.IdsAsync(conn, L2Query, data.Base[17]))[0]);
        await MnistTable.ExecuteAsync(conn, "DELETE FROM mnist WHERE id = 17");
        Assert.DoesNotContain(17, await MnistTable.IdsAsync(conn, L2Query, data.Base[17]));

        // A transaction sees its own insert in the index scan; another session does not, and ROLLBACK leaves no trace.
        await MnistTable.ExecuteAsync(conn, "BEGIN");
        await using (var insert = new NpgsqlCommand("INSERT INTO mnist VALUES (100000, 0, $1)", conn))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Queries[5]) });
            await insert.ExecuteNonQueryAsync();
        }

        Assert.Equal(100000, (await MnistTable.IdsAsync(conn, L2Query, data.Queries[5]))[0]);
        Assert.DoesNotContain(100000, await MnistTable.IdsAsync(other, L2Query, data.Queries[5]));
        await MnistTable.ExecuteAsync(conn, "ROLLBACK");
        Assert.DoesNotContain(100000, await MnistTable.IdsAsync(conn, L2Query, data.Queries[5]));

        var plan = await MnistTable.ExplainAsync(conn, L2Query, data.Queries[0]);
        Assert.StartsWith("Index Scan using mnist_embedding_idx on mnist", plan[0], StringComparison.Ordinal);
        double recall = await MeanRecallAsync(conn, data, "<->", 100, excluded: [8000, 17]);
        Assert.True(recall >= 0.95, $"recall@10 = {recall}");
    }

    [Fact]
    public async Task Filtered_queries_search_the_graph_iteratively_and_never_return_too_few_rows()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data);
        await MnistTable.ExecuteAsync(conn, "CREATE INDEX ON mnist USING diskann (embedding vector_l2_ops)");

        // The query's own digit (about 10% of the rows): the exact filtered ground truth of the data set.
        double recall = 0;
        for (int q = 0; q < 100; q++)
        {
            var ids = await MnistTable.IdsAsync(conn, $"SELECT id FROM mnist WHERE label = {data.QueryLabels[q]} ORDER BY embedding <-> $1 LIMIT 10", data.Queries[q]);
            Assert.Equal(10, ids.Count);
            Assert.All(ids, id => Assert.Equal(data.QueryLabels[q], data.BaseLabels[id]));
            recall += MnistDataset.RecallAtK(ids, q, 10, filtered: true);
        }

        Assert.True(recall / 100 >= 0.95, $"filtered recall@10 = {recall / 100}");
        var plan = await MnistTable.ExplainAsync(conn, "SELECT id FROM mnist WHERE label = 3 ORDER BY embedding <-> $1 LIMIT 10", data.Queries[0]);
        Assert.Equal("Index Scan using mnist_embedding_idx on mnist (actual rows=10 loops=1)", plan[0]);
        Assert.Contains(plan, l => l.StartsWith("  Filter: ", StringComparison.Ordinal));
        Assert.Contains(plan, l => l.StartsWith("  Rows Removed by Filter: ", StringComparison.Ordinal));

        // Very selective (9 rows) and empty filters: exactly min(k, matching rows), the exact answer.
        var few = await MnistTable.IdsAsync(conn, "SELECT id FROM mnist WHERE id % 1000 = 7 ORDER BY embedding <-> $1 LIMIT 10", data.Queries[0]);
        var expected = Enumerable.Range(0, data.Base.Length).Where(i => i % 1000 == 7)
            .OrderBy(i => MnistDataset.SquaredDistance(data.Base[i], data.Queries[0])).ThenBy(i => i).Select(i => (long)i).ToList();
        Assert.Equal(expected, few);
        Assert.Empty(await MnistTable.IdsAsync(conn, "SELECT id FROM mnist WHERE id < 0 ORDER BY embedding <-> $1 LIMIT 10", data.Queries[0]));
    }

    [Fact]
    public async Task A_halfvec_index_answers_like_the_exact_scan()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data, 2000);
        await MnistTable.ExecuteAsync(conn, "CREATE TABLE half (id int PRIMARY KEY, embedding halfvec(784))");
        await MnistTable.ExecuteAsync(conn, "INSERT INTO half SELECT id, embedding::halfvec(784) FROM mnist");
        const string Sql = "SELECT id FROM half ORDER BY embedding <=> $1::vector::halfvec LIMIT 10";
        var exact = new List<List<long>>();
        for (int q = 0; q < 50; q++)
        {
            exact.Add(await MnistTable.IdsAsync(conn, Sql, data.Queries[q]));
        }

        await MnistTable.ExecuteAsync(conn, "CREATE INDEX ON half USING diskann (embedding halfvec_cosine_ops)");
        var plan = await MnistTable.ExplainAsync(conn, Sql, data.Queries[0]);
        Assert.Equal("Index Scan using half_embedding_idx on half (actual rows=10 loops=1)", plan[0]);
        double hits = 0;
        for (int q = 0; q < 50; q++)
        {
            hits += (await MnistTable.IdsAsync(conn, Sql, data.Queries[q])).Intersect(exact[q]).Count();
        }

        Assert.True(hits / 500 >= 0.95, $"recall@10 = {hits / 500}");
    }

    public static TheoryData<string, string, string> BadIndexes => new()
    {
        { "CREATE INDEX ON t USING hnsw (e vector_l2_ops) WITH (m = 1)", "22023", "value 1 out of bounds for option \"m\"" },
        { "CREATE INDEX ON t USING diskann (e vector_l2_ops) WITH (max_degree = 1000)", "22023", "value 1000 out of bounds for option \"max_degree\"" },
        { "CREATE INDEX ON t USING diskann (e vector_l2_ops) WITH (alpha = 0.5)", "22023", "value 0.5 out of bounds for option \"alpha\"" },
        { "CREATE INDEX ON t USING diskann (e vector_l2_ops) WITH (l_build = 'many')", "22023", "invalid value for integer option \"l_build\": many" },
        { "CREATE INDEX ON t USING diskann (e vector_l2_ops) WITH (foo = 1)", "22023", "unrecognized parameter \"foo\"" },
        { "CREATE INDEX ON t USING hnsw (e)", "42704", "data type vector has no default operator class for access method \"hnsw\"" },
        { "CREATE INDEX ON t USING diskann (e bogus_ops)", "42704", "operator class \"bogus_ops\" does not exist for access method \"diskann\"" },
        { "CREATE INDEX ON t USING diskann (h vector_l2_ops)", "42804", "operator class \"vector_l2_ops\" does not accept data type halfvec" },
        { "CREATE INDEX ON t USING diskann (nodims vector_l2_ops)", "22023", "column does not have dimensions" },
        { "CREATE UNIQUE INDEX ON t USING diskann (e vector_l2_ops)", "0A000", "access method \"diskann\" does not support unique indexes" },
        { "CREATE INDEX ON t USING diskann (e vector_l2_ops, name)", "42804", "label column \"name\" of a diskann index must be smallint, integer, smallint[] or integer[], not text" },
    };

    [Theory]
    [MemberData(nameof(BadIndexes))]
    public async Task Bad_index_definitions_fail_like_pgvector_and_the_connection_keeps_working(string sql, string sqlState, string message)
    {
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.ExecuteAsync(conn, "CREATE EXTENSION vector");
        await MnistTable.ExecuteAsync(conn, "CREATE TABLE t (id int, e vector(3), h halfvec(3), nodims vector, name text)");
        var error = await Assert.ThrowsAsync<PostgresException>(() => MnistTable.ExecuteAsync(conn, sql));
        Assert.Equal(sqlState, error.SqlState);
        Assert.Equal(message, error.MessageText);
        Assert.Equal(0L, await new NpgsqlCommand("SELECT count(*) FROM pg_class WHERE relkind = 'i'", conn).ExecuteScalarAsync());
    }

    [Fact]
    public async Task Build_progress_shows_in_pg_stat_progress_create_index_and_in_notices()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await using var watcher = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data);
        var notices = new List<string>();
        conn.Notice += (_, e) => notices.Add(e.Notice.MessageText);
        var build = MnistTable.ExecuteAsync(conn, "CREATE INDEX big_idx ON mnist USING diskann (embedding vector_l2_ops) WITH (l_build = 100)");

        (string Phase, long Total, long Done)? seen = null;
        while (!build.IsCompleted && seen is null)
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT phase, tuples_total, tuples_done FROM pg_stat_progress_create_index WHERE index_relid = (SELECT oid FROM pg_class WHERE relname = 'big_idx')",
                watcher);
            await using var reader = await cmd.ExecuteReaderAsync();
            if (await reader.ReadAsync() && reader.GetInt64(1) > 0)
            {
                seen = (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
            }
        }

        await build;
        Assert.NotNull(seen);
        Assert.StartsWith("building index: Vamana pass ", seen.Value.Phase, StringComparison.Ordinal);
        Assert.Equal(data.Base.Length, seen.Value.Total);
        Assert.InRange(seen.Value.Done, 0, seen.Value.Total);
        Assert.Contains(notices, n => n.StartsWith("diskann index \"big_idx\": ", StringComparison.Ordinal) && n.Contains("% built", StringComparison.Ordinal));
        Assert.Equal(0L, await new NpgsqlCommand("SELECT count(*) FROM pg_stat_progress_create_index", watcher).ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_index_is_rebuilt_after_a_restart_and_drop_index_returns_to_the_exact_scan()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();
        await using (var source = server.CreateDataSource())
        await using (var conn = await source.OpenConnectionAsync())
        {
            await MnistTable.CreateAsync(conn, data, 3000);
            await MnistTable.ExecuteAsync(conn, "CREATE INDEX keep_idx ON mnist USING diskann (embedding vector_l2_ops) WITH (max_degree = 24, l_build = 48)");
        }

        server.Kill();
        await server.RestartAsync();
        await using (var source = server.CreateDataSource())
        await using (var conn = await source.OpenConnectionAsync())
        {
            Assert.Equal("keep_idx", await new NpgsqlCommand("SELECT relname FROM pg_class WHERE relkind = 'i' AND relname LIKE 'keep%'", conn).ExecuteScalarAsync());
            List<string> plan;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            do
            {
                plan = await MnistTable.ExplainAsync(conn, L2Query, data.Base[42]);
            }
            while (plan.Any(l => l.Contains("index not built yet", StringComparison.Ordinal)) && DateTime.UtcNow < deadline);

            Assert.StartsWith("Index Scan using keep_idx on mnist", plan[0], StringComparison.Ordinal);
            Assert.DoesNotContain(plan, l => l.Contains("Exact Scan Instead", StringComparison.Ordinal));
            Assert.Equal(42, (await MnistTable.IdsAsync(conn, L2Query, data.Base[42]))[0]);

            await MnistTable.ExecuteAsync(conn, "DROP INDEX keep_idx");
            plan = await MnistTable.ExplainAsync(conn, L2Query, data.Base[42], analyze: false);
            Assert.StartsWith("Seq Scan on mnist", plan[0], StringComparison.Ordinal);
            Assert.Equal(42, (await MnistTable.IdsAsync(conn, L2Query, data.Base[42]))[0]);
        }
    }

    /// <summary>
    /// Mean recall@10 of the first <paramref name="queries"/> queries, against a brute force over the rows present: base
    /// rows 0..rows-1 (all by default) minus <paramref name="excluded"/>.
    /// </summary>
    private static async Task<double> MeanRecallAsync(
        NpgsqlConnection conn, MnistDataset data, string op, int queries, int[]? excluded = null, int? rows = null)
    {
        var distance = ExactNeighbours.Operators.Single(o => o.Operator == op).Distance;
        double total = 0;
        for (int q = 0; q < queries; q++)
        {
            var ids = await MnistTable.IdsAsync(conn, $"SELECT id FROM mnist ORDER BY embedding {op} $1 LIMIT 10", data.Queries[q]);
            total += RecallWithin(data, q, ids, rows ?? data.Base.Length, distance, excluded ?? []);
        }

        return total / queries;
    }

    /// <summary>Recall@10 of <paramref name="ids"/> against the exact top-10 among base rows 0..count-1 minus <paramref name="excluded"/>.</summary>
    private static double RecallWithin(MnistDataset data, int q, List<long> ids, int count, Func<float[], float[], double> distance, int[]? excluded = null)
    {
        var skip = (excluded ?? []).ToHashSet();
        var truth = Enumerable.Range(0, count).Where(i => !skip.Contains(i))
            .Select(i => (Distance: distance(data.Queries[q], data.Base[i]), Id: (long)i))
            .OrderBy(x => x.Distance).ThenBy(x => x.Id).Take(10).Select(x => x.Id).ToHashSet();
        return ids.Count(truth.Contains) / 10.0;
    }
}

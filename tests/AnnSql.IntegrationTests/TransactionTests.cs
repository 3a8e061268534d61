using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using Pgvector;

namespace AnnSql.IntegrationTests;

/// <summary>
/// Transactions against the real server, as PostgreSQL runs them under READ COMMITTED: a transaction's writes (vector
/// search through the diskann index included) are its own until COMMIT, ROLLBACK and ROLLBACK TO leave no trace, a failed
/// block answers 25P02 until it ends, and ReadyForQuery carries I, T and E.
/// </summary>
public sealed class TransactionTests
{
    private const string L2Query = "SELECT id FROM mnist ORDER BY embedding <-> $1 LIMIT 10";

    [Fact]
    public async Task Own_writes_are_searchable_inside_the_transaction_only_and_savepoints_undo_them()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await using var other = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data, 2000);
        await MnistTable.ExecuteAsync(conn, "CREATE INDEX mnist_idx ON mnist USING diskann (embedding vector_l2_ops)");
        var probe = data.Queries[3];
        int nearest = (int)(await MnistTable.IdsAsync(conn, L2Query, probe))[0];

        await using (var txn = await conn.BeginTransactionAsync())
        {
            await InsertAsync(conn, 50_000, probe);
            await MnistTable.ExecuteAsync(conn, $"DELETE FROM mnist WHERE id = {nearest}");
            var mine = await MnistTable.IdsAsync(conn, L2Query, probe);
            Assert.Equal(50_000, mine[0]);
            Assert.DoesNotContain(nearest, mine);
            var theirs = await MnistTable.IdsAsync(other, L2Query, probe);
            Assert.Equal(nearest, theirs[0]);
            Assert.DoesNotContain(50_000, theirs);

            await txn.SaveAsync("before_second");
            await InsertAsync(conn, 50_001, data.Queries[4]);
            Assert.Equal(50_001, (await MnistTable.IdsAsync(conn, L2Query, data.Queries[4]))[0]);
            await txn.RollbackAsync("before_second");
            Assert.DoesNotContain(50_001, await MnistTable.IdsAsync(conn, L2Query, data.Queries[4]));
            Assert.Equal(50_000, (await MnistTable.IdsAsync(conn, L2Query, probe))[0]);
            await txn.ReleaseAsync("before_second");
            await txn.RollbackAsync();
        }

        // ROLLBACK left no trace, for both sessions.
        foreach (var c in new[] { conn, other })
        {
            var ids = await MnistTable.IdsAsync(c, L2Query, probe);
            Assert.Equal(nearest, ids[0]);
            Assert.DoesNotContain(50_000, ids);
            Assert.Equal(2000L, await new NpgsqlCommand("SELECT count(*) FROM mnist", c).ExecuteScalarAsync());
        }

        await using (var txn = await conn.BeginTransactionAsync())
        {
            await InsertAsync(conn, 50_002, probe);
            Assert.DoesNotContain(50_002, await MnistTable.IdsAsync(other, L2Query, probe));
            await txn.CommitAsync();
        }

        Assert.Equal(50_002, (await MnistTable.IdsAsync(other, L2Query, probe))[0]);
    }

    [Fact]
    public async Task A_failed_block_answers_25P02_until_rollback_and_ready_for_query_reports_it()
    {
        await using var server = await AnnSqlServer.StartAsync();
        await using var client = await RawPgClient.ConnectAsync(server.Port);
        Assert.Equal(('I', null), await client.QueryAsync("CREATE TABLE t (id int PRIMARY KEY)"));
        Assert.Equal(('T', null), await client.QueryAsync("BEGIN"));
        Assert.Equal(('T', null), await client.QueryAsync("INSERT INTO t VALUES (1)"));
        Assert.Equal(('E', "23505"), await client.QueryAsync("INSERT INTO t VALUES (1)"));
        Assert.Equal(('E', "25P02"), await client.QueryAsync("SELECT 1"));
        Assert.Equal(('E', "25P02"), await client.QueryAsync("INSERT INTO t VALUES (2)"));
        Assert.Equal(('I', null), await client.QueryAsync("ROLLBACK"));
        Assert.Equal(('I', null), await client.QueryAsync("INSERT INTO t VALUES (3)"));

        // ROLLBACK TO a savepoint ends the failure and keeps the work before it.
        Assert.Equal(('T', null), await client.QueryAsync("BEGIN; INSERT INTO t VALUES (4); SAVEPOINT s"));
        Assert.Equal(('E', "22012"), await client.QueryAsync("SELECT 1 / 0"));
        Assert.Equal(('T', null), await client.QueryAsync("ROLLBACK TO SAVEPOINT s"));
        Assert.Equal(('I', null), await client.QueryAsync("COMMIT"));

        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        var ids = new List<int>();
        await using (var reader = await new NpgsqlCommand("SELECT id FROM t ORDER BY id", conn).ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetInt32(0));
            }
        }

        Assert.Equal([3, 4], ids);
    }

    [Fact]
    public async Task Update_and_delete_by_primary_key_see_what_a_scan_would()
    {
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.ExecuteAsync(conn, "CREATE TABLE k (id bigint PRIMARY KEY, v int)");
        await MnistTable.ExecuteAsync(conn, "INSERT INTO k SELECT g, g FROM generate_series(1, 100) g");

        async Task<int> Affected(string sql) => await new NpgsqlCommand(sql, conn).ExecuteNonQueryAsync();
        Assert.Equal(0, await Affected("UPDATE k SET v = 0 WHERE id = 5 AND v = 6"));
        Assert.Equal(1, await Affected("UPDATE k SET v = 0 WHERE id = 5 AND v = 5"));
        Assert.Equal(0, await Affected("DELETE FROM k WHERE id = 5.5"));
        Assert.Equal(1, await Affected("DELETE FROM k WHERE 6 = id"));
        Assert.Equal(2, await Affected("DELETE FROM k WHERE id = ANY('{7,7,8,1000}')"));
        Assert.Equal(0, await Affected("DELETE FROM k WHERE id = ANY('{7,8}')"));
        await using (var txn = await conn.BeginTransactionAsync())
        {
            await MnistTable.ExecuteAsync(conn, "INSERT INTO k VALUES (500, 1)");
            Assert.Equal(1, await Affected("UPDATE k SET v = 2 WHERE id = 500"));
            Assert.Equal(1, await Affected("DELETE FROM k WHERE id = 9"));
            Assert.Equal(0, await Affected("UPDATE k SET v = 2 WHERE id = 9"));
            await txn.CommitAsync();
        }

        Assert.Equal(2, await new NpgsqlCommand("SELECT v FROM k WHERE id = 500", conn).ExecuteScalarAsync());
        Assert.Equal(97L, await new NpgsqlCommand("SELECT count(*) FROM k", conn).ExecuteScalarAsync());
    }

    [Fact]
    public async Task Select_by_primary_key_reads_the_index_and_sees_what_a_scan_would()
    {
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.ExecuteAsync(conn, "CREATE TABLE k (id bigint PRIMARY KEY, v int)");
        await MnistTable.ExecuteAsync(conn, "INSERT INTO k SELECT g, g * 10 FROM generate_series(1, 1000) g");

        async Task<string> Rows(string where)
        {
            var rows = new List<string>();
            await using var cmd = new NpgsqlCommand($"SELECT id, v FROM k WHERE {where} ORDER BY id", conn);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add($"{reader.GetInt64(0)}:{reader.GetInt32(1)}");
            }

            return string.Join(',', rows);
        }

        // The same predicate written so the key lookup cannot be used (id + 0) gives the scan's answer.
        async Task Same(string where, string expected)
        {
            Assert.Equal(expected, await Rows(where));
            Assert.Equal(expected, await Rows(where.Replace("id ", "id + 0 ", StringComparison.Ordinal)));
        }

        await Same("id = 5", "5:50");
        await Same("id = 5 AND v = 60", "");
        await Same("id = 5.5", "");
        await Same("id = ANY('{7,7,8,5000}')", "7:70,8:80");
        await Same("id = NULL", "");
        var plan = string.Join('\n', await MnistTable.ExplainAsync(conn, "SELECT v FROM k WHERE id = 5", analyze: false));
        Assert.StartsWith("Index Scan using k_pkey on k", plan, StringComparison.Ordinal);

        await using (var txn = await conn.BeginTransactionAsync())
        {
            await MnistTable.ExecuteAsync(conn, "INSERT INTO k VALUES (2000, 1)");
            await MnistTable.ExecuteAsync(conn, "DELETE FROM k WHERE id = 9");
            await MnistTable.ExecuteAsync(conn, "UPDATE k SET v = 0 WHERE id = 10");
            await Same("id = 2000", "2000:1");
            await Same("id = 9", "");
            await Same("id = 10", "10:0");
            await using var other = await source.OpenConnectionAsync();
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM k WHERE id = ANY('{9,10,2000}') AND v <> 0", other);
            Assert.Equal(2L, await cmd.ExecuteScalarAsync());
            await txn.RollbackAsync();
        }

        await Same("id = 9", "9:90");
    }

    private static async Task InsertAsync(NpgsqlConnection conn, int id, float[] vector)
    {
        await using var cmd = new NpgsqlCommand("INSERT INTO mnist (id, label, embedding) VALUES ($1, 0, $2)", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(vector) });
        await cmd.ExecuteNonQueryAsync();
    }
}

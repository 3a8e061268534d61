using System.Buffers.Binary;
using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using Pgvector;

namespace AnnSql.IntegrationTests;

/// <summary>Durability across SIGKILL, and PostgreSQL errors (SQLSTATE, position) that leave the connection usable.</summary>
public sealed class CrashAndErrorTests
{
    [Fact]
    public async Task Acknowledged_rows_survive_sigkill_byte_identical()
    {
        await using var server = await AnnSqlServer.StartAsync();
        var expected = new List<(int Id, float[] V)>();
        var random = new Random(20261123);
        await using (var source = server.CreateDataSource())
        await using (var conn = await source.OpenConnectionAsync())
        {
            await new NpgsqlCommand("CREATE TABLE items (id int PRIMARY KEY, embedding vector(16))", conn).ExecuteNonQueryAsync();
            for (int i = 0; i < 200; i++)
            {
                var v = Enumerable.Range(0, 16).Select(_ => (float)random.NextDouble()).ToArray();
                await using var cmd = new NpgsqlCommand("INSERT INTO items VALUES ($1, $2)", conn);
                cmd.Parameters.Add(new NpgsqlParameter { Value = i });
                cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(v) });
                await cmd.ExecuteNonQueryAsync();
                expected.Add((i, v));
            }
        }

        server.Kill();
        await server.RestartAsync();
        await using var source2 = server.CreateDataSource();
        await using var conn2 = await source2.OpenConnectionAsync();
        await using var read = new NpgsqlCommand("SELECT id, embedding FROM items ORDER BY id", conn2);
        await using var reader = await read.ExecuteReaderAsync();
        int n = 0;
        while (await reader.ReadAsync())
        {
            Assert.Equal(expected[n].Id, reader.GetInt32(0));
            Assert.Equal(expected[n].V, reader.GetFieldValue<Vector>(1).ToArray());
            n++;
        }

        Assert.Equal(expected.Count, n);
    }

    [Theory]
    [InlineData("SELEC 1", "42601", 1)]
    [InlineData("SELECT * FROM no_such_table", "42P01", 15)]
    [InlineData("SELECT '[1,2,3]'::vector <-> '[1,2]'::vector", "22000", 0)]
    [InlineData("SELECT '[1,2'::vector", "22P02", 8)]
    [InlineData("SELECT 1/0", "22012", 0)]
    public async Task Query_errors_carry_sqlstate_and_position_and_the_connection_keeps_working(string sql, string sqlState, int position)
    {
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        var ex = await Assert.ThrowsAsync<PostgresException>(async () => await new NpgsqlCommand(sql, conn).ExecuteNonQueryAsync());
        Assert.Equal(sqlState, ex.SqlState);
        Assert.Equal(position, ex.Position);
        Assert.Equal(42, await new NpgsqlCommand("SELECT 42", conn).ExecuteScalarAsync());
    }

    [Fact]
    public async Task Unique_keys_are_checked_against_the_transactions_own_inserts_after_updates()
    {
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await new NpgsqlCommand("CREATE TABLE k (id int PRIMARY KEY, v text)", conn).ExecuteNonQueryAsync();
        await new NpgsqlCommand("BEGIN", conn).ExecuteNonQueryAsync();
        await new NpgsqlCommand("INSERT INTO k SELECT g, 'v' FROM generate_series(1, 5000) g", conn).ExecuteNonQueryAsync();
        await new NpgsqlCommand("UPDATE k SET id = 10000 WHERE id = 10", conn).ExecuteNonQueryAsync();
        await new NpgsqlCommand("INSERT INTO k VALUES (10, 'again')", conn).ExecuteNonQueryAsync();
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => new NpgsqlCommand("INSERT INTO k VALUES (10000, 'dup')", conn).ExecuteNonQueryAsync());
        Assert.Equal("23505", duplicate.SqlState);
        await new NpgsqlCommand("ROLLBACK", conn).ExecuteNonQueryAsync();
        Assert.Equal(0L, await new NpgsqlCommand("SELECT count(*) FROM k", conn).ExecuteScalarAsync());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(int.MaxValue)]
    public async Task Wrong_message_length_is_fatal_08P01_and_closes_the_connection(int length)
    {
        await using var server = await AnnSqlServer.StartAsync();
        await using var client = await RawPgClient.ConnectAsync(server.Port);
        var stream = client.Stream;

        byte[] query = new byte[5];
        query[0] = (byte)'Q';
        BinaryPrimitives.WriteInt32BigEndian(query.AsSpan(1), length);
        await stream.WriteAsync(query);

        var (tag, body) = await client.ReadMessageAsync();
        Assert.Equal('E', tag);
        var fields = RawPgClient.ErrorFields(body);
        Assert.Equal("FATAL", fields['S']);
        Assert.Equal("08P01", fields['C']);
        Assert.Equal(0, await stream.ReadAsync(new byte[1]));

        // The server itself keeps serving other connections.
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        Assert.Equal(1, await new NpgsqlCommand("SELECT 1", conn).ExecuteScalarAsync());
    }
}

using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace AnnSql.IntegrationTests;

public sealed class ReferencePostgresTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ReferencePostgres_starts_answers_queries_and_reports_postgres_errors()
    {
        string? clusterDirectory;
        await using (var server = await ReferencePostgres.StartAsync())
        {
            output.WriteLine($"{server.Kind}: {server.Description}; version {server.ServerVersion}; pgvector: {server.HasPgVector}");
            clusterDirectory = server.ClusterDirectory;
            Assert.InRange(server.ServerVersionNum, 150000, 159999);

            await using var connection = await server.OpenConnectionAsync();

            Assert.Equal(2, await ScalarAsync<int>(connection, "SELECT 1::int + 1"));
            Assert.Equal("1.5", await ScalarAsync<string>(connection, "SELECT 1.5::float8::text"));
            Assert.Equal("0.1", await ScalarAsync<string>(connection, "SELECT 0.1::float4::text"));
            Assert.Equal("UTF8", await ScalarAsync<string>(connection, "SHOW server_encoding"));

            var unknownTable = await Assert.ThrowsAsync<PostgresException>(
                () => ScalarAsync<object>(connection, "SELECT * FROM no_such_table"));
            Assert.Equal(PostgresErrorCodes.UndefinedTable, unknownTable.SqlState);
            Assert.Equal("42P01", unknownTable.SqlState);
            Assert.Equal(15, unknownTable.Position);
            Assert.Equal("relation \"no_such_table\" does not exist", unknownTable.MessageText);

            var divideByZero = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<object>(connection, "SELECT 1/0"));
            Assert.Equal("22012", divideByZero.SqlState);

            var badInteger = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<object>(connection, "SELECT 'abc'::int"));
            Assert.Equal("22P02", badInteger.SqlState);
            Assert.Equal("invalid input syntax for type integer: \"abc\"", badInteger.MessageText);

            var syntax = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<object>(connection, "SELEC 1"));
            Assert.Equal("42601", syntax.SqlState);
            Assert.Equal(1, syntax.Position);

            // The connection is still usable after errors outside a transaction.
            Assert.Equal(3L, await ScalarAsync<long>(connection, "SELECT count(*) FROM (VALUES (1), (2), (3)) v(x)"));

            if (server.HasPgVector)
            {
                await ScalarAsync<object>(connection, "CREATE EXTENSION IF NOT EXISTS vector");
                Assert.Equal(5.0, await ScalarAsync<double>(connection, "SELECT '[1,2,3]'::vector <-> '[4,6,3]'::vector"));
            }
        }

        if (clusterDirectory is not null)
        {
            Assert.False(Directory.Exists(clusterDirectory), $"{clusterDirectory} should be deleted on dispose");
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

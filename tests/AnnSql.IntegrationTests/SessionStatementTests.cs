using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using Pgvector;

namespace AnnSql.IntegrationTests;

/// <summary>
/// Session-level statements that drivers send on their own (Npgsql's pooled-connection reset among them): the same command
/// tags and errors as PostgreSQL through psql, and a pooled Npgsql connection with prepared statements that is reused.
/// </summary>
public sealed class SessionStatementTests
{
    private const string Script = """
        SET SESSION AUTHORIZATION DEFAULT;
        SET SESSION AUTHORIZATION postgres;
        SET SESSION AUTHORIZATION no_such_role;
        SHOW session_authorization;
        SET application_name = 'before_reset';
        RESET ALL;
        SHOW application_name;
        SHOW session_authorization;
        CLOSE ALL;
        CLOSE no_such_cursor;
        UNLISTEN *;
        UNLISTEN some_channel;
        SELECT pg_advisory_unlock_all();
        DISCARD SEQUENCES;
        DISCARD TEMP;
        DISCARD TEMPORARY;
        DISCARD PLANS;
        DISCARD ALL;
        BEGIN;
        DISCARD ALL;
        ROLLBACK;
        """;

    [Fact]
    public async Task Reset_statements_print_what_postgresql_prints()
    {
        await using var reference = await ReferencePostgres.StartAsync();
        await using var server = await AnnSqlServer.StartAsync();
        var pg = new NpgsqlConnectionStringBuilder(reference.ConnectionString);
        var expected = await Psql.RunAsync(pg.Host!, pg.Port, pg.Username!, pg.Database!, Script, ["-e"]);
        var actual = await Psql.RunAsync(server, Script, ["-e"]);
        Assert.Equal(Normalise(expected.Stdout + expected.Stderr), Normalise(actual.Stdout + actual.Stderr));
    }

    [Fact]
    public async Task Pooled_connection_with_prepared_statements_is_reset_and_reused()
    {
        await using var server = await AnnSqlServer.StartAsync();
        var builder = new NpgsqlDataSourceBuilder(server.ConnectionString.Replace("Pooling=false", "Pooling=true", StringComparison.Ordinal));
        builder.UseVector();
        await using var source = builder.Build();
        await using (var setup = await source.OpenConnectionAsync())
        {
            await new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS vector", setup).ExecuteNonQueryAsync();
            await new NpgsqlCommand("CREATE TABLE items (id int PRIMARY KEY, embedding vector(3))", setup).ExecuteNonQueryAsync();
            await new NpgsqlCommand("INSERT INTO items VALUES (1, '[1,1,1]'), (2, '[2,2,2]'), (3, '[9,9,9]')", setup).ExecuteNonQueryAsync();
        }

        int? backend = null;
        for (int round = 0; round < 3; round++)
        {
            await using var conn = await source.OpenConnectionAsync();
            backend ??= conn.ProcessID;
            Assert.Equal(backend, conn.ProcessID);
            await using var cmd = new NpgsqlCommand("SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 1", conn);
            cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(new float[] { 8, 8, 8 }) });
            await cmd.PrepareAsync();
            Assert.Equal(3, await cmd.ExecuteScalarAsync());
        }
    }

    /// <summary>psql's lines without the script-name prefix of error lines (psql:&lt;stdin&gt;:N:).</summary>
    private static string Normalise(string output) =>
        string.Join('\n', output.Split('\n').Select(l => l.StartsWith("psql:", StringComparison.Ordinal) ? l[(l.IndexOf("ERROR", StringComparison.Ordinal) is var i and >= 0 ? i : 0)..] : l));
}

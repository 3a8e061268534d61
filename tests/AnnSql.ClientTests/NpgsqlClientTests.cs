using System.Collections;
using AnnSql.ClientTests.Infrastructure;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace AnnSql.ClientTests;

/// <summary>
/// Npgsql with <c>UseVector()</c> and the default connection string (host, port, user, database; pooling on): every vector type
/// round-trips as a parameter and through binary COPY, prepared statements, cancellation and a 16,000-dimension vector.
/// </summary>
public sealed class NpgsqlClientTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private NpgsqlDataSource _source = null!;

    public Task InitializeAsync()
    {
        var builder = new NpgsqlDataSourceBuilder(fixture.DefaultConnectionString());
        builder.UseVector();
        _source = builder.Build();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _source.DisposeAsync();

    [Fact]
    public async Task Vector_halfvec_sparsevec_and_bit_round_trip_as_binary_parameters_and_results()
    {
        await using var conn = await _source.OpenConnectionAsync();
        await ExecuteAsync(conn, "CREATE EXTENSION IF NOT EXISTS vector");
        await ExecuteAsync(conn, "CREATE TABLE np_types (id bigserial PRIMARY KEY, v vector(3), h halfvec(3), s sparsevec(5), b bit(3))");
        var v = new Vector(new float[] { 1.5f, -2, 3.25f });
        var h = new HalfVector(new Half[] { (Half)0.5, (Half)(-1), (Half)2 });
        var s = new SparseVector(new float[] { 0, 1.5f, 0, 0, -3 });
        var b = new BitArray(new[] { true, false, true });
        await using (var insert = new NpgsqlCommand("INSERT INTO np_types (v, h, s, b) VALUES ($1, $2, $3, $4), ($5, $6, $7, $8) RETURNING id", conn))
        {
            foreach (object value in new object[] { v, h, s, b, new Vector(new float[] { 9, 9, 9 }), new HalfVector(new Half[] { (Half)9, (Half)9, (Half)9 }), new SparseVector(new float[] { 9, 0, 0, 0, 0 }), new BitArray(new[] { false, false, false }) })
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            await using var ids = await insert.ExecuteReaderAsync();
            Assert.True(await ids.ReadAsync());
            Assert.Equal(1L, ids.GetInt64(0));
            Assert.True(await ids.ReadAsync());
            Assert.False(await ids.ReadAsync());
        }

        await using (var select = new NpgsqlCommand("SELECT v, h, s, b, v::text, h::text, s::text, b::text FROM np_types ORDER BY v <-> $1 LIMIT 1", conn))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = v });
            await using var r = await select.ExecuteReaderAsync();
            Assert.True(await r.ReadAsync());
            Assert.Equal(v.ToArray(), r.GetFieldValue<Vector>(0).ToArray());
            Assert.Equal(h.ToArray(), r.GetFieldValue<HalfVector>(1).ToArray());
            Assert.Equal(s.ToArray(), r.GetFieldValue<SparseVector>(2).ToArray());
            Assert.Equal(b, r.GetFieldValue<BitArray>(3));
            Assert.Equal("[1.5,-2,3.25]", r.GetString(4));
            Assert.Equal("[0.5,-1,2]", r.GetString(5));
            Assert.Equal("{2:1.5,5:-3}/5", r.GetString(6));
            Assert.Equal("101", r.GetString(7));
        }

        foreach (var (sql, parameter, expected) in new (string, object, long)[]
        {
            ("SELECT id FROM np_types ORDER BY h <-> $1 LIMIT 1", new HalfVector(new Half[] { (Half)8, (Half)8, (Half)8 }), 2),
            ("SELECT id FROM np_types ORDER BY s <-> $1 LIMIT 1", new SparseVector(new float[] { 0, 1, 0, 0, -3 }), 1),
            ("SELECT id FROM np_types ORDER BY b <~> $1 LIMIT 1", new BitArray(new[] { true, false, false }), 1),
            ("SELECT id FROM np_types ORDER BY v <=> $1 LIMIT 1", new Vector(new float[] { 1, 1, 1 }), 2),
            ("SELECT id FROM np_types ORDER BY v <#> $1 LIMIT 1", new Vector(new float[] { 1, 1, 1 }), 2),
        })
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            cmd.Parameters.Add(new NpgsqlParameter { Value = parameter });
            Assert.Equal(expected, await cmd.ExecuteScalarAsync());
        }

        await ExecuteAsync(conn, "DROP TABLE np_types");
    }

    [Fact]
    public async Task Binary_copy_writes_and_reads_every_vector_type()
    {
        await using var conn = await _source.OpenConnectionAsync();
        await ExecuteAsync(conn, "CREATE TABLE np_copy (id int PRIMARY KEY, v vector(3), h halfvec(3), s sparsevec(4), b bit(4))");
        const int Rows = 500;
        await using (var writer = await conn.BeginBinaryImportAsync("COPY np_copy (id, v, h, s, b) FROM STDIN (FORMAT BINARY)"))
        {
            for (int i = 0; i < Rows; i++)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(i);
                await writer.WriteAsync(new Vector(new float[] { i, 1, -i }));
                await writer.WriteAsync(new HalfVector(new Half[] { (Half)(i % 100), (Half)1, (Half)0.5 }));
                await writer.WriteAsync(new SparseVector(new float[] { 0, i, 0, 1 }));
                await writer.WriteAsync(new BitArray(new[] { i % 2 == 0, true, false, i % 3 == 0 }));
            }

            Assert.Equal((ulong)Rows, await writer.CompleteAsync());
        }

        int read = 0;
        using (var reader = conn.BeginBinaryExport("COPY (SELECT id, v, h, s, b FROM np_copy ORDER BY id) TO STDOUT (FORMAT BINARY)"))
        {
            while (reader.StartRow() != -1)
            {
                int i = reader.Read<int>();
                Assert.Equal(read, i);
                Assert.Equal(new float[] { i, 1, -i }, reader.Read<Vector>().ToArray());
                Assert.Equal(new Half[] { (Half)(i % 100), (Half)1, (Half)0.5 }, reader.Read<HalfVector>().ToArray());
                Assert.Equal(new float[] { 0, i, 0, 1 }, reader.Read<SparseVector>().ToArray());
                Assert.Equal(new BitArray(new[] { i % 2 == 0, true, false, i % 3 == 0 }), reader.Read<BitArray>());
                read++;
            }
        }

        Assert.Equal(Rows, read);
        await ExecuteAsync(conn, "DROP TABLE np_copy");
    }

    [Fact]
    public async Task Prepared_statements_are_reused_with_new_parameters()
    {
        await using var conn = await _source.OpenConnectionAsync();
        await ExecuteAsync(conn, "CREATE TABLE np_prep (id int PRIMARY KEY, name text, embedding vector(2))");
        await using (var insert = new NpgsqlCommand("INSERT INTO np_prep (id, name, embedding) VALUES ($1, $2, $3)", conn))
        {
            insert.Parameters.Add(new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlDbType.Integer });
            insert.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter<Vector> { DataTypeName = "vector" });
            await insert.PrepareAsync();
            Assert.True(insert.IsPrepared);
            for (int i = 0; i < 50; i++)
            {
                ((NpgsqlParameter<int>)insert.Parameters[0]).TypedValue = i;
                ((NpgsqlParameter<string>)insert.Parameters[1]).TypedValue = "n" + i;
                ((NpgsqlParameter<Vector>)insert.Parameters[2]).TypedValue = new Vector(new float[] { i, 0 });
                Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            }
        }

        await using var knn = new NpgsqlCommand("SELECT name FROM np_prep ORDER BY embedding <-> $1 LIMIT $2", conn);
        knn.Parameters.Add(new NpgsqlParameter<Vector> { DataTypeName = "vector" });
        knn.Parameters.Add(new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlDbType.Integer });
        await knn.PrepareAsync();
        for (int target = 0; target < 49; target += 7)
        {
            ((NpgsqlParameter<Vector>)knn.Parameters[0]).TypedValue = new Vector(new float[] { target + 0.1f, 0 });
            ((NpgsqlParameter<int>)knn.Parameters[1]).TypedValue = 2;
            var names = new List<string>();
            await using (var r = await knn.ExecuteReaderAsync())
            {
                while (await r.ReadAsync())
                {
                    names.Add(r.GetString(0));
                }
            }

            Assert.Equal(["n" + target, "n" + (target + 1)], names);
        }

        await knn.UnprepareAsync();
        await ExecuteAsync(conn, "DROP TABLE np_prep");
    }

    [Fact]
    public async Task Cancelling_a_running_statement_gives_57014_and_the_connection_stays_usable()
    {
        await using var conn = await _source.OpenConnectionAsync();
        await using (var sleep = new NpgsqlCommand("SELECT pg_sleep(30)", conn))
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            var started = DateTime.UtcNow;
            var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sleep.ExecuteNonQueryAsync(cancel.Token));
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "the statement ran to completion");
            var pg = Assert.IsType<PostgresException>(e.InnerException);
            Assert.Equal("57014", pg.SqlState);
            Assert.Equal("canceling statement due to user request", pg.MessageText);
        }

        await using (var sleep = new NpgsqlCommand("SELECT pg_sleep(30)", conn))
        {
            var running = sleep.ExecuteNonQueryAsync();
            await Task.Delay(300);
            sleep.Cancel();
            var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
            Assert.Equal("57014", Assert.IsType<PostgresException>(e.InnerException).SqlState);
        }

        await using var alive = new NpgsqlCommand("SELECT 41 + 1", conn);
        Assert.Equal(42, await alive.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_16000_dimension_vector_parameter_is_stored_and_read_back()
    {
        const int Dimensions = 16_000;
        var values = Enumerable.Range(0, Dimensions).Select(i => (float)Math.Sin(i)).ToArray();
        await using var conn = await _source.OpenConnectionAsync();
        await ExecuteAsync(conn, "CREATE TABLE np_wide (id int PRIMARY KEY, embedding vector(16000))");
        await using (var insert = new NpgsqlCommand("INSERT INTO np_wide VALUES (1, $1)", conn))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = new Vector(values) });
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        await using (var echo = new NpgsqlCommand("SELECT $1, vector_dims($1), embedding, embedding <-> $1 FROM np_wide", conn))
        {
            echo.Parameters.Add(new NpgsqlParameter { Value = new Vector(values) });
            await using var r = await echo.ExecuteReaderAsync();
            Assert.True(await r.ReadAsync());
            Assert.Equal(values, r.GetFieldValue<Vector>(0).ToArray());
            Assert.Equal(Dimensions, r.GetInt32(1));
            Assert.Equal(values, r.GetFieldValue<Vector>(2).ToArray());
            Assert.Equal(0.0, r.GetDouble(3));
        }

        await using (var tooWide = new NpgsqlCommand("SELECT $1::vector", conn))
        {
            tooWide.Parameters.Add(new NpgsqlParameter { Value = new Vector(new float[Dimensions + 1]) });
            var e = await Assert.ThrowsAsync<PostgresException>(() => tooWide.ExecuteScalarAsync());
            Assert.Equal("54000", e.SqlState);
        }

        await ExecuteAsync(conn, "DROP TABLE np_wide");
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}

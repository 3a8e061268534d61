using System.Data;
using AnnSql.ClientTests.Infrastructure;
using Dapper;
using Npgsql;
using Pgvector;

namespace AnnSql.ClientTests;

/// <summary>Dapper over Npgsql (default connection string, <c>UseVector()</c>) with a <see cref="SqlMapper.TypeHandler{T}"/> for vectors.</summary>
public sealed class DapperTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    /// <summary>Passes vectors to Npgsql as they are and reads them back as <see cref="Vector"/>.</summary>
    private sealed class VectorHandler : SqlMapper.TypeHandler<Vector?>
    {
        public override Vector? Parse(object value) => (Vector)value;

        public override void SetValue(IDbDataParameter parameter, Vector? value) => parameter.Value = value;
    }

    /// <summary>A row of dapper_items.</summary>
    public sealed class Item
    {
        public long Id { get; set; }

        public string Name { get; set; } = "";

        public Vector? Embedding { get; set; }
    }

    [Fact]
    public async Task Dapper_inserts_and_queries_vectors_with_a_type_handler_and_any_of_an_array()
    {
        SqlMapper.AddTypeHandler(new VectorHandler());
        var builder = new NpgsqlDataSourceBuilder(fixture.DefaultConnectionString());
        builder.UseVector();
        await using var source = builder.Build();
        await using var conn = await source.OpenConnectionAsync();
        await conn.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS vector");
        await conn.ReloadTypesAsync();
        await conn.ExecuteAsync("CREATE TABLE dapper_items (id bigserial PRIMARY KEY, name text NOT NULL, embedding vector(3))");

        int inserted = await conn.ExecuteAsync("INSERT INTO dapper_items (name, embedding) VALUES (@Name, @Embedding)",
            Enumerable.Range(1, 10).Select(i => new { Name = "item" + i, Embedding = new Vector(new float[] { i, 1, 1 }) }));
        Assert.Equal(10, inserted);

        var nearest = (await conn.QueryAsync<Item>(
            "SELECT id, name, embedding FROM dapper_items ORDER BY embedding <-> @Query LIMIT @Limit",
            new { Query = new Vector(new float[] { 4.2f, 1, 1 }), Limit = 3 })).ToList();
        Assert.Equal(["item4", "item5", "item3"], nearest.Select(i => i.Name));
        Assert.Equal(new float[] { 4, 1, 1 }, nearest[0].Embedding!.ToArray());

        var byIds = (await conn.QueryAsync<Item>("SELECT id, name, embedding FROM dapper_items WHERE id = ANY(@Ids) ORDER BY id",
            new { Ids = new long[] { 2, 5, 99 } })).ToList();
        Assert.Equal([2L, 5L], byIds.Select(i => i.Id));
        Assert.Equal(new float[] { 5, 1, 1 }, byIds[1].Embedding!.ToArray());

        var byNames = await conn.QueryAsync<long>("SELECT id FROM dapper_items WHERE name = ANY(@Names) ORDER BY id",
            new { Names = new[] { "item7", "item9", "nope" } });
        Assert.Equal([7L, 9L], byNames);

        int updated = await conn.ExecuteAsync("UPDATE dapper_items SET embedding = @Embedding WHERE id = ANY(@Ids)",
            new { Embedding = new Vector(new float[] { 0, 0, 0 }), Ids = new long[] { 1, 2 } });
        Assert.Equal(2, updated);
        Assert.Equal(2, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM dapper_items WHERE embedding = @Zero",
            new { Zero = new Vector(new float[] { 0, 0, 0 }) }));

        var single = await conn.QuerySingleAsync<Item>("SELECT id, name, embedding FROM dapper_items WHERE name = @Name", new { Name = "item10" });
        Assert.Equal(10L, single.Id);
        await conn.ExecuteAsync("DROP TABLE dapper_items");
    }
}

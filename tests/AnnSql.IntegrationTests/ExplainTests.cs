using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;

namespace AnnSql.IntegrationTests;

/// <summary>
/// EXPLAIN's plan tree has PostgreSQL's shape: projections are part of the node below them at any depth, so a computed
/// ORDER BY under LIMIT reads Limit → Sort → Seq Scan, node for node as PostgreSQL 15 prints it (details such as sort
/// keys and costs are not compared).
/// </summary>
public sealed class ExplainTests
{
    public static TheoryData<string> Queries => new()
    {
        "SELECT a + 1 AS b FROM t ORDER BY 1 LIMIT 3",
        "SELECT a, a * 2 FROM t WHERE a > 1 ORDER BY a * 2 DESC",
        "SELECT count(*) FROM (SELECT a + 1 AS b FROM t ORDER BY b LIMIT 2) s",
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Plan_nodes_are_those_postgresql_prints(string query)
    {
        await using var reference = await ReferencePostgres.StartAsync();
        await using var server = await AnnSqlServer.StartAsync();
        await using var expected = await reference.OpenConnectionAsync();
        await using var source = server.CreateDataSource(useVector: false);
        await using var actual = await source.OpenConnectionAsync();
        Assert.Equal(await NodesAsync(expected, query), await NodesAsync(actual, query));
    }

    /// <summary>The plan's node lines (the first line and those with an arrow), without costs or details.</summary>
    private static async Task<List<string>> NodesAsync(NpgsqlConnection conn, string query)
    {
        await new NpgsqlCommand("CREATE TABLE IF NOT EXISTS t (a int)", conn).ExecuteNonQueryAsync();
        await using var cmd = new NpgsqlCommand("EXPLAIN (COSTS OFF) " + query, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var nodes = new List<string>();
        while (await reader.ReadAsync())
        {
            string line = reader.GetString(0);
            if (nodes.Count == 0 || line.TrimStart().StartsWith("->", StringComparison.Ordinal))
            {
                nodes.Add(line.TrimEnd());
            }
        }

        return nodes;
    }
}

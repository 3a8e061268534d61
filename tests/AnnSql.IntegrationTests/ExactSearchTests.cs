using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace AnnSql.IntegrationTests;

/// <summary>
/// Drives the real server through Npgsql with pgvector's type mapping: binary COPY of the MNIST data, then exact k-NN with
/// each distance operator checked against exact ground truth (recall 1.0, ties counted).
/// </summary>
public sealed class ExactSearchTests
{
    private const int Queries = 40;

    [Fact]
    public async Task Binary_copy_then_each_operator_returns_the_exact_neighbours()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using (var conn = await source.OpenConnectionAsync())
        {
            Assert.Equal((ulong)data.Base.Length, await MnistTable.CreateAsync(conn, data));
        }

        await using var query = await source.OpenConnectionAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM mnist", query);
        Assert.Equal((long)data.Base.Length, (long)(await count.ExecuteScalarAsync())!);

        foreach (var (op, _) in ExactNeighbours.Operators)
        {
            double total = 0;
            await using var cmd = new NpgsqlCommand($"SELECT id FROM mnist ORDER BY embedding {op} $1 LIMIT 10", query);
            var parameter = new NpgsqlParameter { Value = new Vector(data.Queries[0]) };
            cmd.Parameters.Add(parameter);
            await cmd.PrepareAsync();
            for (int q = 0; q < Queries; q++)
            {
                parameter.Value = new Vector(data.Queries[q]);
                var ids = new List<long>();
                await using (var reader = await cmd.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        ids.Add(reader.GetInt32(0));
                    }
                }

                Assert.Equal(10, ids.Count);
                total += ExactNeighbours.Recall(op, ids, data, q, 10);
            }

            Assert.Equal(1.0, total / Queries, 6);
        }
    }

    [Fact]
    public async Task Query_vector_from_an_uncorrelated_subquery_runs_as_one_bounded_scan()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using var conn = await source.OpenConnectionAsync();
        await MnistTable.CreateAsync(conn, data, 2000, table: "base");
        await MnistTable.ExecuteAsync(conn, "CREATE TABLE queries (id int PRIMARY KEY, embedding vector(784))");
        await using (var insert = new NpgsqlCommand("INSERT INTO queries VALUES (1, $1)", conn))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Queries[3]) });
            await insert.ExecuteNonQueryAsync();
        }

        const string Sql = "SELECT id FROM base ORDER BY embedding <-> (SELECT embedding FROM queries WHERE id = 1) LIMIT 5";
        var plan = new List<string>();
        await using (var explain = new NpgsqlCommand("EXPLAIN ANALYZE " + Sql, conn))
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        Assert.Contains(plan, line => line.Contains("Exact Top-K: embedding <->", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("Sort", StringComparison.Ordinal));
        Assert.Contains("Distance Computations: 2000", plan);

        var expected = Enumerable.Range(0, 2000)
            .OrderBy(i => MnistDataset.SquaredDistance(data.Base[i], data.Queries[3])).ThenBy(i => i).Take(5).ToList();
        var actual = new List<int>();
        await using (var cmd = new NpgsqlCommand(Sql, conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                actual.Add(reader.GetInt32(0));
            }
        }

        Assert.Equal(expected, actual);
    }
}

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
            await Execute(conn, "CREATE EXTENSION IF NOT EXISTS vector");
            await conn.ReloadTypesAsync();
            await Execute(conn, "CREATE TABLE mnist (id int PRIMARY KEY, label smallint, embedding vector(784))");
            await using (var writer = await conn.BeginBinaryImportAsync("COPY mnist (id, label, embedding) FROM STDIN (FORMAT BINARY)"))
            {
                for (int i = 0; i < data.Base.Length; i++)
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync(i, NpgsqlDbType.Integer);
                    await writer.WriteAsync((short)data.BaseLabels[i], NpgsqlDbType.Smallint);
                    await writer.WriteAsync(new Vector(data.Base[i]));
                }

                Assert.Equal((ulong)data.Base.Length, await writer.CompleteAsync());
            }
        }

        await using var query = await source.OpenConnectionAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM mnist", query);
        Assert.Equal((long)data.Base.Length, (long)(await count.ExecuteScalarAsync())!);

        foreach (var (op, reference) in new (string, Func<float[], float[], double>)[]
        {
            ("<->", (a, b) => Math.Sqrt(Sum(a, b, (x, y) => (x - y) * (x - y)))),
            ("<#>", (a, b) => -Sum(a, b, (x, y) => x * y)),
            ("<=>", (a, b) => 1 - (Sum(a, b, (x, y) => x * y) / Math.Sqrt(Sum(a, a, (x, y) => x * y) * Sum(b, b, (x, y) => x * y)))),
            ("<+>", (a, b) => Sum(a, b, (x, y) => Math.Abs(x - y))),
        })
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
                total += op == "<->"
                    ? MnistDataset.RecallAtK(ids, q, 10)
                    : RecallAgainstBruteForce(ids, data, q, reference);
            }

            Assert.Equal(1.0, total / Queries, 6);
        }
    }

    /// <summary>Recall@10 against a brute-force top-10 in double precision, counting ties within float rounding.</summary>
    private static double RecallAgainstBruteForce(List<long> ids, MnistDataset data, int q, Func<float[], float[], double> distance)
    {
        var all = data.Base.Select((v, i) => (Distance: distance(data.Queries[q], v), Id: i)).OrderBy(x => x.Distance).ThenBy(x => x.Id).ToList();
        double kth = all[9].Distance;
        var truth = all.Take(10).Select(x => (long)x.Id).ToHashSet();
        int correct = ids.Count(id => truth.Contains(id) || Math.Abs(distance(data.Queries[q], data.Base[id]) - kth) <= 1e-5 * Math.Max(1, Math.Abs(kth)));
        return correct / 10.0;
    }

    private static double Sum(float[] a, float[] b, Func<double, double, double> f)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += f(a[i], b[i]);
        }

        return s;
    }

    private static async Task Execute(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}

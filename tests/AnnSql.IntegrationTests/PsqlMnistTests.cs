using System.Globalization;
using System.Text;
using AnnSql.IntegrationTests.Infrastructure;

namespace AnnSql.IntegrationTests;

/// <summary>
/// The MNIST exact-search check through psql in text format: CSV COPY of pgvector text literals, then
/// <c>ORDER BY embedding &lt;op&gt; '[...]' LIMIT 10</c> with each operator, parsed from psql's unaligned output.
/// </summary>
public sealed class PsqlMnistTests
{
    private const int Queries = 40;

    [Fact]
    public async Task Text_copy_then_each_operator_returns_the_exact_neighbours()
    {
        var data = MnistDataset.Load();
        await using var server = await AnnSqlServer.StartAsync();

        var load = new StringBuilder();
        load.AppendLine("CREATE EXTENSION IF NOT EXISTS vector;");
        load.AppendLine("CREATE TABLE mnist (id int PRIMARY KEY, label smallint, embedding vector(784));");
        load.AppendLine("COPY mnist (id, label, embedding) FROM STDIN WITH (FORMAT csv);");
        for (int i = 0; i < data.Base.Length; i++)
        {
            load.Append(CultureInfo.InvariantCulture, $"{i},{data.BaseLabels[i]},\"").Append(Psql.VectorLiteral(data.Base[i])).Append("\"\n");
        }

        load.AppendLine("\\.");
        load.AppendLine("SELECT count(*) FROM mnist;");
        var (loadExit, loadOut, loadErr) = await Psql.RunAsync(server, load.ToString(), ["-At", "-v", "ON_ERROR_STOP=1"]);
        Assert.True(loadExit == 0, loadErr);
        Assert.Equal(
            ["CREATE EXTENSION", "CREATE TABLE", "COPY 9000", "9000"],
            loadOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var search = new StringBuilder();
        foreach (var (op, _) in ExactNeighbours.Operators)
        {
            for (int q = 0; q < Queries; q++)
            {
                search.Append(CultureInfo.InvariantCulture, $"\\echo query {op} {q}\n");
                search.Append(CultureInfo.InvariantCulture, $"SELECT id FROM mnist ORDER BY embedding {op} '")
                    .Append(Psql.VectorLiteral(data.Queries[q])).Append("' LIMIT 10;\n");
            }
        }

        var (exit, stdout, stderr) = await Psql.RunAsync(server, search.ToString(), ["-At", "-v", "ON_ERROR_STOP=1"]);
        Assert.True(exit == 0, stderr);
        var results = Parse(stdout);
        Assert.Equal(ExactNeighbours.Operators.Count * Queries, results.Count);
        foreach (var (op, _) in ExactNeighbours.Operators)
        {
            double total = 0;
            for (int q = 0; q < Queries; q++)
            {
                var ids = results[(op, q)];
                Assert.Equal(10, ids.Count);
                total += ExactNeighbours.Recall(op, ids, data, q, 10);
            }

            Assert.Equal(1.0, total / Queries, 6);
        }
    }

    /// <summary>Groups psql's unaligned rows under the preceding <c>query OP N</c> marker line.</summary>
    private static Dictionary<(string Op, int Query), List<long>> Parse(string stdout)
    {
        var results = new Dictionary<(string, int), List<long>>();
        List<long>? current = null;
        foreach (string line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("query ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ');
                current = [];
                results.Add((parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture)), current);
            }
            else
            {
                Assert.NotNull(current);
                current.Add(long.Parse(line, CultureInfo.InvariantCulture));
            }
        }

        return results;
    }
}

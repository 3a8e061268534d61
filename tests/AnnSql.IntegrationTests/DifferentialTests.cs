using System.Text;
using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace AnnSql.IntegrationTests;

/// <summary>
/// Runs each SQL file of tests/differential on a real PostgreSQL 15 and on AnnSql, statement by statement in order,
/// and compares column names, column type OIDs, rows as text, affected-row counts, and the SQLSTATE of errors. One
/// reference cluster (a fresh database per file) and one AnnSql server (its tables dropped before each file) serve the
/// whole class. Statements annotated <c>-- differs: reason</c> run on both but are not compared; the reason is printed.
/// </summary>
public sealed class DifferentialTests(DifferentialTests.Reference reference, ITestOutputHelper output)
    : IClassFixture<DifferentialTests.Reference>
{
    /// <summary>The reference PostgreSQL and the AnnSql server shared by the files.</summary>
    public sealed class Reference : IAsyncLifetime
    {
        public ReferencePostgres Server { get; private set; } = null!;

        public AnnSqlServer AnnSql { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            // Both start at once; when one fails, the other is stopped before the error surfaces.
            var reference = ReferencePostgres.StartAsync();
            var annSql = AnnSqlServer.StartAsync();
            try
            {
                await Task.WhenAll(reference, annSql);
            }
            catch
            {
                await DisposeStartedAsync(reference, annSql);
                throw;
            }

            Server = reference.Result;
            AnnSql = annSql.Result;
        }

        public async Task DisposeAsync() => await DisposeStartedAsync(Task.FromResult(Server), Task.FromResult(AnnSql));

        private static async Task DisposeStartedAsync(Task<ReferencePostgres> reference, Task<AnnSqlServer> annSql)
        {
            if (annSql.IsCompletedSuccessfully && annSql.Result is { } server)
            {
                await server.DisposeAsync();
            }

            if (reference.IsCompletedSuccessfully && reference.Result is { } cluster)
            {
                await cluster.DisposeAsync();
            }
        }
    }

    public static TheoryData<string> Files => new(DifferentialScript.FileNames());

    [Fact]
    public void Suite_has_at_least_300_statements()
    {
        int total = DifferentialScript.FileNames()
            .Sum(f => DifferentialScript.Parse(f, File.ReadAllText(Path.Combine(DifferentialScript.Directory, f))).Count);
        output.WriteLine($"{total} statements");
        Assert.True(total >= 300, $"the differential suite has {total} statements");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Same_results_as_postgresql(string file)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        var statements = DifferentialScript.Parse(file, await File.ReadAllTextAsync(Path.Combine(DifferentialScript.Directory, file), ct));
        string database = "diff_" + Path.GetFileNameWithoutExtension(file);

        await using (var admin = await reference.Server.OpenConnectionAsync(ct))
        {
            await new NpgsqlCommand($"DROP DATABASE IF EXISTS {database}", admin).ExecuteNonQueryAsync(ct);
            await new NpgsqlCommand($"CREATE DATABASE {database}", admin).ExecuteNonQueryAsync(ct);
        }

        var referenceConnection = new NpgsqlConnectionStringBuilder(reference.Server.ConnectionString) { Database = database };
        var server = reference.AnnSql;
        await using var expectedConn = new NpgsqlConnection(referenceConnection.ConnectionString);
        await expectedConn.OpenAsync(ct);
        await using var actualConn = new NpgsqlConnection(server.ConnectionString);
        await actualConn.OpenAsync(ct);
        await DropUserTablesAsync(actualConn, ct);

        var failures = new StringBuilder();
        int compared = 0, documented = 0;
        foreach (var statement in statements)
        {
            var expected = await DifferentialRunner.RunAsync(expectedConn, statement, ct);
            var actual = await DifferentialRunner.RunAsync(actualConn, statement, ct);
            string where = $"{file}:{statement.Line}: {statement.Sql}";
            if (statement.Differs is not null)
            {
                documented++;
                output.WriteLine($"not compared, {where}\n  differs: {statement.Differs}");
            }
            else if (expected.Compared != actual.Compared)
            {
                failures.Append(where).Append('\n')
                    .Append("  postgresql:\n").Append(Indent(expected.ToString()))
                    .Append("  annsql:\n").Append(Indent(actual.ToString())).Append('\n');
            }
            else
            {
                compared++;
            }

            if (actual.ConnectionLost || expected.ConnectionLost)
            {
                failures.Append($"{where}\n  connection lost; the rest of the file did not run\n{server.Output}\n");
                break;
            }
        }

        output.WriteLine($"{file}: {statements.Count} statements, {compared} matched, {documented} documented differences");
        Assert.True(failures.Length == 0, "AnnSql differs from PostgreSQL:\n" + failures);
    }

    /// <summary>Gives the file an empty AnnSql database, as the reference gets a fresh one.</summary>
    private static async Task DropUserTablesAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var tables = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'", conn))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables)
        {
            await new NpgsqlCommand($"DROP TABLE \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", conn).ExecuteNonQueryAsync(ct);
        }
    }

    private static string Indent(string text) =>
        string.Concat(text.Split('\n').Select(line => "    " + line + "\n"));
}

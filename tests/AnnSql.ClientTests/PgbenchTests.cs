using System.Globalization;
using System.Text.RegularExpressions;
using AnnSql.ClientTests.Infrastructure;
using Npgsql;
using Pgvector;
using Xunit.Abstractions;

namespace AnnSql.ClientTests;

/// <summary>
/// pgbench with the custom k-NN script tests/clients/pgbench/knn.sql (a point lookup, an update and an ORDER BY &lt;-&gt; LIMIT 5
/// over 1,000 rows with a diskann index), 8 clients, -n, in each query mode; and pgbench's own TPC-B-like workload after
/// <c>pgbench -i</c> (tables, COPY, VACUUM, primary keys through ALTER TABLE), where all clients update the one branch row.
/// A run must end with exit code 0 and no failed transactions; the TPS is printed.
/// </summary>
public sealed partial class PgbenchTests(ServerFixture fixture, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private const int Seconds = 5;
    private static readonly SemaphoreSlim SetupLock = new(1, 1);
    private static bool _tableReady;

    [Theory]
    [InlineData("simple")]
    [InlineData("extended")]
    [InlineData("prepared")]
    public async Task Pgbench_knn_script_runs_without_failures(string mode)
    {
        await EnsureTableAsync();
        string script = Path.Combine(ClientProcess.RepositoryRoot(), "tests", "clients", "pgbench", "knn.sql");
        var run = await ClientProcess.RunAsync("pgbench",
            ["-h", "127.0.0.1", "-p", fixture.Server.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-n", "-c", "8", "-j", "2",
             "-T", Seconds.ToString(CultureInfo.InvariantCulture), "-M", mode, "-f", script, "postgres"],
            Path.GetTempPath(), TimeSpan.FromSeconds(Seconds + 60));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("number of failed transactions: 0 ", run.Stdout, StringComparison.Ordinal);
        var tps = Tps().Match(run.Stdout);
        Assert.True(tps.Success, run.ToString());
        var processed = Processed().Match(run.Stdout);
        Assert.True(processed.Success && long.Parse(processed.Groups[1].Value, CultureInfo.InvariantCulture) > 0, run.ToString());
        output.WriteLine($"pgbench -M {mode} -c 8 -T {Seconds}: tps = {tps.Groups[1].Value}, {processed.Groups[1].Value} transactions");
    }

    [Fact]
    public async Task Pgbench_initializes_and_runs_tpcb_with_balances_that_add_up()
    {
        string port = fixture.Server.Port.ToString(CultureInfo.InvariantCulture);
        var init = await ClientProcess.RunAsync("pgbench", ["-h", "127.0.0.1", "-p", port, "-U", "postgres", "-i", "-s", "1", "postgres"],
            Path.GetTempPath(), TimeSpan.FromSeconds(120));
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("creating primary keys", init.Stderr + init.Stdout, StringComparison.Ordinal);

        var run = await ClientProcess.RunAsync("pgbench",
            ["-h", "127.0.0.1", "-p", port, "-U", "postgres", "-c", "8", "-j", "2", "-T", Seconds.ToString(CultureInfo.InvariantCulture),
             "-M", "prepared", "postgres"],
            Path.GetTempPath(), TimeSpan.FromSeconds(Seconds + 60));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("number of failed transactions: 0 ", run.Stdout, StringComparison.Ordinal);
        var processed = Processed().Match(run.Stdout);
        Assert.True(processed.Success, run.ToString());
        long transactions = long.Parse(processed.Groups[1].Value, CultureInfo.InvariantCulture);
        output.WriteLine($"pgbench tpcb-like -M prepared -c 8 -T {Seconds}: tps = {Tps().Match(run.Stdout).Groups[1].Value}, {transactions} transactions");

        // Every transaction added the same delta to one account, its teller and the single branch, and logged it once.
        await using var conn = new NpgsqlConnection(fixture.DefaultConnectionString());
        await conn.OpenAsync();
        await using var sums = new NpgsqlCommand(
            "SELECT (SELECT sum(abalance) FROM pgbench_accounts), (SELECT sum(tbalance) FROM pgbench_tellers), "
            + "(SELECT sum(bbalance) FROM pgbench_branches), (SELECT sum(delta) FROM pgbench_history), (SELECT count(*) FROM pgbench_history)",
            conn);
        await using var reader = await sums.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        long history = reader.GetInt64(3);
        Assert.Equal(history, reader.GetInt64(0));
        Assert.Equal(history, reader.GetInt64(1));
        Assert.Equal(history, reader.GetInt64(2));
        Assert.Equal(transactions, reader.GetInt64(4));
    }

    private async Task EnsureTableAsync()
    {
        await SetupLock.WaitAsync();
        try
        {
            if (_tableReady)
            {
                return;
            }

            var builder = new NpgsqlDataSourceBuilder(fixture.DefaultConnectionString());
            builder.UseVector();
            await using var source = builder.Build();
            await using var conn = await source.OpenConnectionAsync();
            await new NpgsqlCommand("CREATE TABLE bench_items (id int PRIMARY KEY, name text, val int, embedding vector(3))", conn).ExecuteNonQueryAsync();
            await using (var writer = await conn.BeginBinaryImportAsync("COPY bench_items (id, name, val, embedding) FROM STDIN (FORMAT BINARY)"))
            {
                for (int i = 1; i <= 1000; i++)
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync(i);
                    await writer.WriteAsync("item " + i.ToString(CultureInfo.InvariantCulture));
                    await writer.WriteAsync(0);
                    await writer.WriteAsync(new Vector(new float[] { i % 10, i % 7, i % 3 }));
                }

                await writer.CompleteAsync();
            }

            await new NpgsqlCommand("CREATE INDEX ON bench_items USING diskann (embedding vector_l2_ops)", conn).ExecuteNonQueryAsync();
            _tableReady = true;
        }
        finally
        {
            SetupLock.Release();
        }
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex Tps();

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex Processed();
}

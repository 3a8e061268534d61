using System.Diagnostics;
using AnnSql.IntegrationTests.Infrastructure;

namespace AnnSql.IntegrationTests;

/// <summary>Runs examples/sql/quickstart.sql through psql and compares with what PostgreSQL 15 + pgvector printed.</summary>
public sealed class PsqlTests
{
    [Fact]
    public async Task Quickstart_prints_what_postgresql_with_pgvector_prints()
    {
        string root = MnistDataset.FindRepositoryRoot();
        await using var server = await AnnSqlServer.StartAsync();
        var psi = new ProcessStartInfo("psql")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        foreach (var a in new[] { "-X", "-h", "127.0.0.1", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-f", "examples/sql/quickstart.sql" })
        {
            psi.ArgumentList.Add(a);
        }

        using var psql = Process.Start(psi)!;
        var stdout = psql.StandardOutput.ReadToEndAsync();
        var stderr = psql.StandardError.ReadToEndAsync();
        await psql.WaitForExitAsync();
        string expected = await File.ReadAllTextAsync(Path.Combine(root, "tests/sql/expected/quickstart.out"));
        Assert.True(expected == await stdout, "psql output differs; stderr: " + await stderr);
    }
}

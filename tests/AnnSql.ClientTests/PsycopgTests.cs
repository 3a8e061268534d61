using System.Globalization;
using AnnSql.ClientTests.Infrastructure;

namespace AnnSql.ClientTests;

/// <summary>
/// psycopg 3 (the Debian package python3-psycopg, installed by .ci/run) with default settings, driven by
/// tests/clients/python/psycopg_client.py: TypeInfo.fetch('vector'), executemany, text and binary COPY FROM STDIN, COPY TO
/// STDOUT, auto-prepared statements, binary results and recovery after an error in a transaction.
/// </summary>
public sealed class PsycopgTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    /// <summary>Debian's interpreter, which has python3-psycopg; a python3 from PATH otherwise.</summary>
    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    [Fact]
    public async Task Psycopg3_copies_executes_many_auto_prepares_and_loads_vectors()
    {
        string dir = Path.Combine(ClientProcess.RepositoryRoot(), "tests", "clients", "python");
        var run = await ClientProcess.RunAsync(Python, ["psycopg_client.py", "127.0.0.1", fixture.Server.Port.ToString(CultureInfo.InvariantCulture)],
            dir, TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("psycopg ok", run.Stdout, StringComparison.Ordinal);
    }
}

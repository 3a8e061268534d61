using System.Globalization;
using AnnSql.ClientTests.Infrastructure;

namespace AnnSql.ClientTests;

/// <summary>
/// node-postgres (<c>pg</c>) with the npm <c>pgvector</c> package, default client settings: tests/clients/node/knn.js registers
/// the vector type, inserts with parameters and asserts a k-NN query's answer. <c>npm ci</c> runs in .ci/run; a missing node
/// or node_modules fails the test.
/// </summary>
public sealed class NodePostgresTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Node_postgres_with_pgvector_registers_types_inserts_and_finds_nearest_neighbours()
    {
        string dir = Path.Combine(ClientProcess.RepositoryRoot(), "tests", "clients", "node");
        Assert.True(Directory.Exists(Path.Combine(dir, "node_modules", "pg")),
            $"{dir}/node_modules is missing: run 'npm ci' there (.ci/run does)");
        var run = await ClientProcess.RunAsync("node", ["knn.js", "127.0.0.1", fixture.Server.Port.ToString(CultureInfo.InvariantCulture)],
            dir, TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("node-postgres ok: nearest 7,8,6,9,5", run.Stdout, StringComparison.Ordinal);
    }
}

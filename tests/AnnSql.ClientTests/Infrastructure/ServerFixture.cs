using AnnSql.IntegrationTests.Infrastructure;

namespace AnnSql.ClientTests.Infrastructure;

/// <summary>One real annsql server process shared by the tests of a class; each class uses its own tables.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private AnnSqlServer? _server;

    /// <summary>The running server.</summary>
    public AnnSqlServer Server => _server ?? throw new InvalidOperationException("the server is not started");

    /// <summary>The default Npgsql connection string for <paramref name="database"/>: host, port, user and database only.</summary>
    public string DefaultConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Server.Port};Username=postgres;Database={database}";

    public async Task InitializeAsync() => _server = await AnnSqlServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

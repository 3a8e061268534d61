using AnnSql.Wire.Protocol;
using AnnSql.Wire.Tests.Support;

namespace AnnSql.Wire.Tests;

public class CancelTests
{
    [Fact]
    public async Task CancelRequest_cancels_the_matching_session_only()
    {
        var registry = new CancelKeyRegistry();
        var options = new PgConnectionOptions { CancelKeys = registry };
        var (first, firstStartup) = await TestClient.ConnectAsync(options: options);
        var (second, _) = await TestClient.ConnectAsync(options: options);
        await using var a = first;
        await using var b = second;
        Assert.Equal(2, registry.Count);
        var (pid, key) = firstStartup.Single(m => m.Tag == 'K').BackendKeyData();

        // Wrong key: ignored, no response.
        await using (var wrong = TestClient.Start(options: options))
        {
            await wrong.CancelRequest(pid, key ^ 1).SendAsync();
            Assert.Empty(await wrong.ReadUntilClosedAsync());
        }

        Assert.Equal(0, first.Handler.CancelCount);

        // After SSLRequest -> 'N' on the same socket, as libpq does.
        await using (var canceller = TestClient.Start(options: options))
        {
            await canceller.SslRequest().SendAsync();
            Assert.Equal((byte)'N', await canceller.ReadByteAsync());
            await canceller.CancelRequest(pid, key).SendAsync();
            Assert.Empty(await canceller.ReadUntilClosedAsync());
        }

        await first.Handler.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, first.Handler.CancelCount);
        Assert.Equal(0, second.Handler.CancelCount);
    }

    [Fact]
    public async Task A_cancelled_statement_fails_with_57014_and_the_session_goes_on()
    {
        var registry = new CancelKeyRegistry();
        var factory = new FakeHandlerFactory
        {
            Configure = h => h.OnQuery = async (sql, responder, ct) =>
            {
                if (sql == "SELECT pg_sleep(60)")
                {
                    await h.Cancelled.Task.WaitAsync(ct);
                    throw new OperationCanceledException();
                }

                responder.WriteCommandComplete("SELECT 0");
            },
        };
        var (client, startup) = await TestClient.ConnectAsync(factory, new PgConnectionOptions { CancelKeys = registry });
        await using var _ = client;
        await client.Query("SELECT pg_sleep(60)").SendAsync();
        var (pid, key) = startup.Single(m => m.Tag == 'K').BackendKeyData();
        await using (var canceller = TestClient.Start(options: client.Options))
        {
            await canceller.CancelRequest(pid, key).SendAsync();
            await canceller.ReadUntilClosedAsync();
        }

        Assert.Equal(["Error ERROR 57014 canceling statement due to user request", "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
        await client.Query("SELECT 1").SendAsync();
        Assert.Equal(["CommandComplete SELECT 0", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Keys_are_unregistered_when_the_connection_ends()
    {
        var registry = new CancelKeyRegistry();
        var (client, _) = await TestClient.ConnectAsync(options: new PgConnectionOptions { CancelKeys = registry });
        Assert.Equal(1, registry.Count);
        await client.Terminate().SendAsync();
        await client.ServerTask;
        Assert.Equal(0, registry.Count);
        await client.DisposeAsync();
    }
}

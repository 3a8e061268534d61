using System.Text;
using AnnSql.Wire.Handlers;
using AnnSql.Wire.Tests.Support;

namespace AnnSql.Wire.Tests;

public class CopyTests
{
    private static FakeHandlerFactory CopyInFactory(List<string> received) => new()
    {
        Configure = h => h.OnQuery = async (sql, responder, ct) =>
        {
            var reader = await responder.BeginCopyInAsync(PgFormatCode.Text, [0, 0], ct);
            var text = new StringBuilder();
            while (await reader.ReadAsync(ct) is { } chunk)
            {
                text.Append(Encoding.UTF8.GetString(chunk.Span));
            }

            received.Add(text.ToString());
            responder.WriteCommandComplete("COPY " + text.ToString().Count(c => c == '\n'));
        },
    };

    [Fact]
    public async Task Copy_in_collects_chunked_CopyData_until_CopyDone()
    {
        var received = new List<string>();
        var (client, _) = await TestClient.ConnectAsync(CopyInFactory(received));
        await using var __ = client;
        await client.Query("COPY t FROM STDIN").SendAsync();
        Assert.Equal("CopyInResponse 0 [0,0]", (await client.ReadRequiredAsync()).Text);
        var big = new string('x', 100_000);
        await client.CopyData("1\ta\n"u8.ToArray()).Flush().Sync().CopyData(Encoding.ASCII.GetBytes("2\t" + big + "\n")).CopyDone()
            .SendInChunksAsync(3000);
        Assert.Equal(["CommandComplete COPY 2", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
        Assert.Equal("1\ta\n2\t" + big + "\n", Assert.Single(received));
    }

    [Fact]
    public async Task CopyFail_becomes_57014_and_later_copy_messages_are_ignored()
    {
        var (client, _) = await TestClient.ConnectAsync(CopyInFactory([]));
        await using var __ = client;
        await client.Query("COPY t FROM STDIN").SendAsync();
        Assert.Equal('G', (await client.ReadRequiredAsync()).Tag);
        await client.CopyData("1\n"u8.ToArray()).CopyFail("user gave up").CopyData("2\n"u8.ToArray()).CopyDone().Query("SELECT 1")
            .SendAsync();
        Assert.Equal(["Error ERROR 57014 COPY from stdin failed: user gave up", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
        // The stray CopyData/CopyDone were dropped; the Query starts a new COPY.
        Assert.Equal("CopyInResponse 0 [0,0]", (await client.ReadRequiredAsync()).Text);
    }

    [Fact]
    public async Task Query_during_copy_in_is_an_08P01_error()
    {
        var (client, _) = await TestClient.ConnectAsync(CopyInFactory([]));
        await using var __ = client;
        await client.Query("COPY t FROM STDIN").SendAsync();
        Assert.Equal('G', (await client.ReadRequiredAsync()).Tag);
        await client.Query("SELECT 1").SendAsync();
        Assert.Equal(["Error ERROR 08P01 unexpected message type 0x51 during COPY from stdin", "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Copy_out_sends_CopyOutResponse_CopyData_CopyDone()
    {
        var factory = new FakeHandlerFactory
        {
            Configure = h => h.OnQuery = (sql, responder, ct) =>
            {
                responder.BeginCopyOut(PgFormatCode.Binary, [1, 1]);
                responder.WriteCopyData("a"u8);
                responder.WriteCopyData("b"u8);
                responder.EndCopyOut();
                responder.WriteCommandComplete("COPY 2");
                return ValueTask.CompletedTask;
            },
        };
        var (client, _) = await TestClient.ConnectAsync(factory);
        await using var __ = client;
        await client.Query("COPY t TO STDOUT").SendAsync();
        Assert.Equal(["CopyOutResponse 1 [1,1]", "CopyData a", "CopyData b", "CopyDone", "CommandComplete COPY 2", "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Copy_in_through_the_extended_protocol()
    {
        var received = new List<string>();
        var factory = CopyInFactory(received);
        var configure = factory.Configure!;
        factory.Configure = h =>
        {
            configure(h);
            var query = h.OnQuery!;
            h.OnExecute = (portal, maxRows, responder, ct) => query(portal.Statement.Sql, responder, ct);
        };
        var (client, _) = await TestClient.ConnectAsync(factory);
        await using var __ = client;
        await client.Parse("", "COPY t FROM STDIN").Bind("", "").Execute().SendAsync();
        Assert.Equal(["ParseComplete", "BindComplete", "CopyInResponse 0 [0,0]"],
            new[] { await client.ReadRequiredAsync(), await client.ReadRequiredAsync(), await client.ReadRequiredAsync() }.Select(m => m.Text));
        await client.CopyData("1\n"u8.ToArray()).CopyDone().Sync().SendAsync();
        Assert.Equal(["CommandComplete COPY 1", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
    }
}

using AnnSql.Wire.Tests.Support;

namespace AnnSql.Wire.Tests;

public class FramingTests
{
    [Fact]
    public async Task Length_below_four_is_fatal_08P01_and_the_pipe_completes()
    {
        var (client, _) = await TestClient.ConnectAsync();
        await using var __ = client;
        await client.Raw((byte)'Q', 0, 0, 0, 2).SendAsync();
        var error = Assert.Single(await client.ReadUntilClosedAsync());
        Assert.Equal("Error FATAL 08P01 invalid message length", error.Text);
        await client.ServerTask.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Length_above_the_maximum_is_fatal_08P01()
    {
        var options = new Protocol.PgConnectionOptions { MaxMessageLength = 1000, CancelKeys = new() };
        var (client, _) = await TestClient.ConnectAsync(options: options);
        await using var __ = client;
        await client.Raw((byte)'B', 0, 0, 0x10, 0).SendAsync();
        Assert.Equal("Error FATAL 08P01 invalid message length", Assert.Single(await client.ReadUntilClosedAsync()).Text);
    }

    [Fact]
    public async Task Small_messages_have_the_small_limit()
    {
        var (client, _) = await TestClient.ConnectAsync();
        await using var __ = client;
        await client.Raw((byte)'S', 0, 1, 0, 0).SendAsync();
        Assert.Equal("Error FATAL 08P01 invalid message length", Assert.Single(await client.ReadUntilClosedAsync()).Text);
    }

    [Fact]
    public async Task Unknown_tag_is_fatal_08P01()
    {
        var (client, _) = await TestClient.ConnectAsync();
        await using var __ = client;
        await client.Raw((byte)'x', 0, 0, 0, 4).SendAsync();
        Assert.Equal("Error FATAL 08P01 invalid frontend message type 120", Assert.Single(await client.ReadUntilClosedAsync()).Text);
    }

    [Fact]
    public async Task Truncated_message_body_is_fatal_08P01()
    {
        var (client, _) = await TestClient.ConnectAsync();
        await using var __ = client;
        await client.Raw((byte)'E', 0, 0, 0, 6, (byte)'p', 0).SendAsync(); // portal name but no row count
        Assert.Equal("Error FATAL 08P01 insufficient data left in message", Assert.Single(await client.ReadUntilClosedAsync()).Text);
    }

    [Fact]
    public async Task Messages_split_byte_by_byte_are_reassembled()
    {
        var (client, _) = await TestClient.ConnectAsync();
        await using var __ = client;
        await client.Query("SELECT 1").Parse("", "SELECT 1").Bind("", "").Execute().Sync().SendInChunksAsync(1);
        Assert.Equal(4, (await client.ReadUntilReadyAsync()).Count);
        Assert.Equal(5, (await client.ReadUntilReadyAsync()).Count);
    }

    [Fact]
    public async Task A_message_larger_than_the_pipe_threshold_does_not_deadlock()
    {
        var (client, _) = await TestClient.ConnectAsync();
        await using var __ = client;
        var big = new byte[300_000];
        Array.Fill(big, (byte)'z');
        await client.Parse("", "SELECT $1").Bind("", "", values: [big]).Execute().Sync().SendInChunksAsync(16_384);
        var messages = await client.ReadUntilReadyAsync();
        Assert.Equal(big, messages[2].DataRow()[0]);
    }

    [Fact]
    public async Task Client_disconnect_ends_the_connection_quietly()
    {
        var (client, _) = await TestClient.ConnectAsync();
        await using var __ = client;
        await client.Raw((byte)'Q', 0, 0).SendAsync();
        await client.CloseInputAsync();
        Assert.Empty(await client.ReadUntilClosedAsync());
        await client.ServerTask.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(client.Handler.Disposed);
    }
}

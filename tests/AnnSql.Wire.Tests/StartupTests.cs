using AnnSql.Wire.Errors;
using AnnSql.Wire.Tests.Support;

namespace AnnSql.Wire.Tests;

public class StartupTests
{
    [Fact]
    public async Task Startup_sends_AuthenticationOk_ParameterStatus_BackendKeyData_ReadyForQuery_in_order()
    {
        var (client, messages) = await TestClient.ConnectAsync();
        await using var _ = client;
        Assert.Equal(
            ["Authentication 0", "ParameterStatus server_version=15.20", "ParameterStatus client_encoding=UTF8",
             "ParameterStatus DateStyle=ISO, MDY", "BackendKeyData", "ReadyForQuery I"],
            messages.Select(m => m.Text));
        var info = client.Handler.StartupInfo;
        Assert.Equal("alice", info.User);
        Assert.Equal("db", info.Database);
        Assert.Equal(info.ProcessId, messages[4].BackendKeyData().ProcessId);
    }

    [Fact]
    public async Task SslRequest_is_refused_with_N_then_startup_proceeds()
    {
        await using var client = TestClient.Start();
        await client.SslRequest().SendAsync();
        Assert.Equal((byte)'N', await client.ReadByteAsync());
        await client.Startup(("user", "bob"), ("application_name", "psql")).SendAsync();
        var texts = await client.ReadTextsUntilReadyAsync();
        Assert.Equal("Authentication 0", texts[0]);
        Assert.Equal("bob", client.Handler.StartupInfo.Database); // defaults to the user
        Assert.Equal("psql", client.Handler.StartupInfo.ApplicationName);
    }

    [Fact]
    public async Task GssEncRequest_then_SslRequest_are_both_refused()
    {
        await using var client = TestClient.Start();
        await client.GssEncRequest().SendAsync();
        Assert.Equal((byte)'N', await client.ReadByteAsync());
        await client.SslRequest().SendAsync();
        Assert.Equal((byte)'N', await client.ReadByteAsync());
        await client.Startup(("user", "bob")).SendAsync();
        Assert.Equal("ReadyForQuery I", (await client.ReadTextsUntilReadyAsync())[^1]);
    }

    [Fact]
    public async Task Unsupported_protocol_version_is_fatal_0A000()
    {
        await using var client = TestClient.Start();
        await client.StartupWithVersion(2 << 16, ("user", "a")).SendAsync();
        var messages = await client.ReadUntilClosedAsync();
        var error = Assert.Single(messages);
        Assert.Equal("Error FATAL 0A000 unsupported frontend protocol 2.0: server supports 3.0 to 3.0", error.Text);
    }

    [Fact]
    public async Task Newer_minor_version_gets_NegotiateProtocolVersion()
    {
        await using var client = TestClient.Start();
        await client.StartupWithVersion((3 << 16) | 2, ("user", "a"), ("_pq_.x", "1")).SendAsync();
        var messages = await client.ReadUntilReadyAsync();
        Assert.Equal('v', messages[0].Tag);
        Assert.Equal("Authentication 0", messages[1].Text);
    }

    [Fact]
    public async Task Missing_user_is_fatal_28000()
    {
        await using var client = TestClient.Start();
        await client.Startup(("database", "x")).SendAsync();
        var error = Assert.Single(await client.ReadUntilClosedAsync());
        Assert.Equal("Error FATAL 28000 no PostgreSQL user name specified in startup packet", error.Text);
    }

    [Fact]
    public async Task Handler_startup_error_is_sent_as_FATAL_after_AuthenticationOk_and_closes()
    {
        var factory = new FakeHandlerFactory
        {
            Configure = h => h.StartupError = PgError.Error(SqlState.InvalidCatalogName, "database \"nope\" does not exist"),
        };
        await using var client = TestClient.Start(factory);
        await client.Startup(("user", "a"), ("database", "nope")).SendAsync();
        var messages = await client.ReadUntilClosedAsync();
        Assert.Equal(["Authentication 0", "Error FATAL 3D000 database \"nope\" does not exist"], messages.Select(m => m.Text));
        await client.ServerTask;
        Assert.True(client.Handler.Disposed);
    }

    [Fact]
    public async Task Startup_packet_too_long_is_fatal_08P01()
    {
        await using var client = TestClient.Start();
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, 20000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), 196608);
        await client.Raw(bytes).SendAsync();
        var error = Assert.Single(await client.ReadUntilClosedAsync());
        Assert.Equal("Error FATAL 08P01 invalid length of startup packet", error.Text);
    }

    [Fact]
    public async Task Terminate_closes_and_disposes_the_handler()
    {
        var (client, _) = await TestClient.ConnectAsync();
        await using var __ = client;
        await client.Terminate().SendAsync();
        Assert.Empty(await client.ReadUntilClosedAsync());
        await client.ServerTask;
        Assert.True(client.Handler.Disposed);
    }

    [Fact]
    public async Task Server_shutdown_sends_FATAL_57P01()
    {
        var (client, _) = await TestClient.ConnectAsync();
        await using var __ = client;
        client.ShutdownServer();
        var error = Assert.Single(await client.ReadUntilClosedAsync());
        Assert.Equal("Error FATAL 57P01 terminating connection due to administrator command", error.Text);
    }
}

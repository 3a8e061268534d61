using System.Text;
using AnnSql.Wire.Tests.Support;

namespace AnnSql.Wire.Tests;

public class ExtendedQueryTests
{
    private static async Task<TestClient> ConnectAsync(FakeHandlerFactory? factory = null) =>
        (await TestClient.ConnectAsync(factory)).Client;

    [Fact]
    public async Task Parse_Bind_Describe_Execute_Sync_as_Npgsql_sends_it()
    {
        await using var client = await ConnectAsync();
        await client.Parse("", "SELECT 1").Bind("", "", resultFormats: [1]).Describe('P', "").Execute().Sync().SendAsync();
        var messages = await client.ReadUntilReadyAsync();
        Assert.Equal(["ParseComplete", "BindComplete", "RowDescription ?column?:23:1", "DataRow 0x00000001", "CommandComplete SELECT 1",
            "ReadyForQuery I"], messages.Select(m => m.Text.Replace("DataRow [", "DataRow ").TrimEnd(']')));
    }

    [Fact]
    public async Task Describe_statement_gives_ParameterDescription_then_RowDescription_or_NoData()
    {
        await using var client = await ConnectAsync();
        await client.Parse("s1", "SELECT $1, $2", 23, 0).Describe('S', "s1")
            .Parse("s2", "INSERT INTO t VALUES ($1)").Describe('S', "s2").Sync().SendAsync();
        Assert.Equal(
            ["ParseComplete", "ParameterDescription 23,25", "RowDescription ?column?:23:0", "ParseComplete", "ParameterDescription 25", "NoData",
             "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Bind_expands_format_codes_and_passes_values_and_nulls()
    {
        await using var client = await ConnectAsync();
        await client.Parse("", "SELECT $1, $2").Bind("", "", [1], [[0, 0, 0, 7], null], [1]).Execute().Sync().SendAsync();
        Assert.Equal(["ParseComplete", "BindComplete", "DataRow [0x00000007]", "CommandComplete SELECT 1", "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Error_in_Bind_skips_to_Sync_then_the_next_batch_works()
    {
        await using var client = await ConnectAsync();
        await client.Parse("", "SELECT $1").Bind("", "", values: [Encoding.ASCII.GetBytes("bad")]).Describe('P', "").Execute()
            .SendAsync();
        Assert.Equal("ParseComplete", (await client.ReadRequiredAsync()).Text);
        Assert.Equal("Error ERROR 22P02 invalid input syntax for type integer: \"bad\"", (await client.ReadRequiredAsync()).Text);
        await client.Parse("x", "SELECT 1").Query("SELECT 1").Flush().SendAsync();
        await client.AssertNothingPendingAsync();
        await client.Sync().SendAsync();
        Assert.Equal(["ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
        Assert.Equal(["Parse ", "Bind  "], client.Handler.Calls.Where(c => c.StartsWith('P') || c.StartsWith('B')).ToArray());

        await client.Parse("", "SELECT 1").Bind("", "").Execute().Sync().SendAsync();
        Assert.Equal(["ParseComplete", "BindComplete", "DataRow [1]", "CommandComplete SELECT 1", "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Pipelined_batch_with_three_executes_and_one_sync_then_a_simple_query_in_the_same_write()
    {
        await using var client = await ConnectAsync();
        client.Parse("ins", "INSERT INTO t VALUES ($1)");
        for (var i = 0; i < 3; i++)
        {
            client.Bind("", "ins", values: [Encoding.ASCII.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture))]).Execute();
        }

        await client.Sync().Query("SELECT 1").SendInChunksAsync(7);
        Assert.Equal(
            ["ParseComplete", "BindComplete", "CommandComplete INSERT", "BindComplete", "CommandComplete INSERT", "BindComplete",
             "CommandComplete INSERT", "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
        Assert.Equal(["RowDescription ?column?:23:0", "DataRow [1]", "CommandComplete SELECT 1", "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Named_statement_is_reused_and_a_duplicate_name_is_42P05()
    {
        await using var client = await ConnectAsync();
        await client.Parse("s", "SELECT $1").Sync().SendAsync();
        Assert.Equal(["ParseComplete", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
        for (var i = 0; i < 2; i++)
        {
            await client.Bind("", "s", values: [[(byte)('a' + i)]]).Execute().Sync().SendAsync();
            Assert.Equal(["BindComplete", $"DataRow [{(char)('a' + i)}]", "CommandComplete SELECT 1", "ReadyForQuery I"],
                await client.ReadTextsUntilReadyAsync());
        }

        await client.Parse("s", "SELECT 2").Sync().SendAsync();
        Assert.Equal(["Error ERROR 42P05 prepared statement \"s\" already exists", "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Unknown_statement_and_portal_give_26000_and_34000()
    {
        await using var client = await ConnectAsync();
        await client.Bind("", "nope").Sync().Describe('P', "nope").Sync().Execute("nope").Sync().Describe('S', "").Sync().SendAsync();
        Assert.Equal(["Error ERROR 26000 prepared statement \"nope\" does not exist", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
        Assert.Equal(["Error ERROR 34000 portal \"nope\" does not exist", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
        Assert.Equal(["Error ERROR 34000 portal \"nope\" does not exist", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
        Assert.Equal(["Error ERROR 26000 unnamed prepared statement does not exist", "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Bind_format_and_parameter_count_mismatches_are_08P01_errors()
    {
        await using var client = await ConnectAsync();
        await client.Parse("", "SELECT $1, $2").Bind("", "", [0, 1, 0], [[1], [2]]).Sync().SendAsync();
        Assert.Equal(["ParseComplete", "Error ERROR 08P01 bind message has 3 parameter formats but 2 parameters", "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
        await client.Bind("", "", values: [[1]]).Sync().SendAsync();
        Assert.Equal(["Error ERROR 08P01 bind message supplies 1 parameters, but prepared statement \"\" requires 2", "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
        await client.Bind("", "", values: [[1], [2]], resultFormats: [1, 1]).Sync().SendAsync();
        Assert.Equal(["Error ERROR 08P01 bind message has 2 result formats but query has 1 columns", "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
        await client.Bind("", "", [2], [[1], [2]]).Sync().SendAsync();
        Assert.Equal(["Error ERROR 22023 unsupported format code: 2", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Close_statement_and_portal_always_answer_CloseComplete()
    {
        await using var client = await ConnectAsync();
        await client.Parse("s", "SELECT 1").Bind("p", "s").Close('S', "s").Close('P', "missing").Describe('P', "p").Sync().SendAsync();
        Assert.Equal(["ParseComplete", "BindComplete", "CloseComplete", "CloseComplete", "Error ERROR 34000 portal \"p\" does not exist",
            "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
        Assert.Contains("ClosePortal p", client.Handler.Calls);
        Assert.Contains("CloseStatement s", client.Handler.Calls);
        await client.Parse("s", "SELECT 1").Sync().SendAsync();
        Assert.Equal(["ParseComplete", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Flush_sends_buffered_output_without_ReadyForQuery()
    {
        await using var client = await ConnectAsync();
        await client.Parse("", "SELECT 1").Flush().SendAsync();
        Assert.Equal("ParseComplete", (await client.ReadRequiredAsync()).Text);
        await client.AssertNothingPendingAsync();
        await client.Sync().SendAsync();
        Assert.Equal(["ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Portals_live_in_a_transaction_and_are_closed_at_idle_Sync()
    {
        var factory = new FakeHandlerFactory { Configure = h => h.TransactionStatus = 'T' };
        await using var client = await ConnectAsync(factory);
        await client.Parse("s", "SELECT 1").Bind("p", "s").Sync().SendAsync();
        Assert.Equal(["ParseComplete", "BindComplete", "ReadyForQuery T"], await client.ReadTextsUntilReadyAsync());
        client.Handler.TransactionStatus = 'I';
        await client.Execute("p").Sync().Execute("p").Sync().SendAsync();
        Assert.Equal(["DataRow [1]", "CommandComplete SELECT 1", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
        Assert.Equal(["Error ERROR 34000 portal \"p\" does not exist", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task PortalSuspended_can_be_written_for_maxRows()
    {
        var factory = new FakeHandlerFactory
        {
            Configure = h => h.OnExecute = (portal, maxRows, responder, ct) =>
            {
                Assert.Equal(5, maxRows);
                responder.WritePortalSuspended();
                return ValueTask.CompletedTask;
            },
        };
        await using var client = await ConnectAsync(factory);
        await client.Parse("", "SELECT 1").Bind("", "").Execute("", 5).Sync().SendAsync();
        Assert.Equal(["ParseComplete", "BindComplete", "PortalSuspended", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
    }
}

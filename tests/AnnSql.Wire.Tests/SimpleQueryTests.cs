using AnnSql.Wire.Errors;
using AnnSql.Wire.Tests.Support;

namespace AnnSql.Wire.Tests;

public class SimpleQueryTests
{
    [Fact]
    public async Task Select_returns_RowDescription_DataRow_CommandComplete_ReadyForQuery()
    {
        var (client, _) = await TestClient.ConnectAsync();
        await using var __ = client;
        await client.Query("SELECT 1").SendAsync();
        var messages = await client.ReadUntilReadyAsync();
        Assert.Equal(["RowDescription ?column?:23:0", "DataRow [1]", "CommandComplete SELECT 1", "ReadyForQuery I"],
            messages.Select(m => m.Text));
        Assert.Equal(FakeHandler.IntColumn, Assert.Single(messages[0].RowDescription()));
    }

    [Fact]
    public async Task Error_is_reported_with_fields_and_the_connection_keeps_working()
    {
        var (client, _) = await TestClient.ConnectAsync();
        await using var __ = client;
        await client.Query("fail now").SendAsync();
        var messages = await client.ReadUntilReadyAsync();
        Assert.Equal(2, messages.Count);
        Assert.Equal(
            [('S', "ERROR"), ('V', "ERROR"), ('C', "42601"), ('M', "syntax error at or near \"fail\""), ('P', "1")],
            messages[0].ErrorFields());
        await client.Query("SELECT 1").SendAsync();
        Assert.Equal("CommandComplete SELECT 1", (await client.ReadTextsUntilReadyAsync())[2]);
    }

    [Fact]
    public async Task Unexpected_exception_becomes_XX000_and_the_connection_stays_up()
    {
        var (client, _) = await TestClient.ConnectAsync();
        await using var __ = client;
        await client.Query("boom").Query("SELECT 1").SendAsync();
        Assert.Equal(["Error ERROR XX000 boom", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
        Assert.Equal("ReadyForQuery I", (await client.ReadTextsUntilReadyAsync())[^1]);
    }

    [Fact]
    public async Task Empty_query_gets_EmptyQueryResponse()
    {
        var (client, _) = await TestClient.ConnectAsync();
        await using var __ = client;
        await client.Query(" ; ").SendAsync();
        Assert.Equal(["EmptyQueryResponse", "ReadyForQuery I"], await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Half_written_row_is_dropped_when_the_handler_fails_and_status_comes_from_the_handler()
    {
        var factory = new FakeHandlerFactory
        {
            Configure = h => h.OnQuery = (sql, responder, ct) =>
            {
                h.TransactionStatus = 'E';
                responder.WriteNotice(PgError.Notice("about to fail"));
                responder.BeginDataRow(2);
                responder.WriteField("x"u8);
                throw new PgErrorException(SqlState.DivisionByZero, "division by zero");
            },
        };
        var (client, _) = await TestClient.ConnectAsync(factory);
        await using var __ = client;
        await client.Query("SELECT 1/0").SendAsync();
        Assert.Equal(["Notice NOTICE 00000 about to fail", "Error ERROR 22012 division by zero", "ReadyForQuery E"],
            await client.ReadTextsUntilReadyAsync());
    }

    [Fact]
    public async Task Large_results_are_streamed_past_the_flush_threshold()
    {
        var factory = new FakeHandlerFactory
        {
            Configure = h => h.OnQuery = async (sql, responder, ct) =>
            {
                responder.WriteRowDescription([FakeHandler.IntColumn]);
                var value = new byte[1000];
                for (var i = 0; i < 500; i++)
                {
                    responder.BeginDataRow(1);
                    responder.WriteField(value);
                    responder.EndDataRow();
                    if (i % 100 == 0)
                    {
                        await responder.FlushAsync(ct);
                    }
                }

                responder.WriteCommandComplete("SELECT 500");
            },
        };
        var (client, _) = await TestClient.ConnectAsync(factory);
        await using var __ = client;
        await client.Query("SELECT big").SendAsync();
        var messages = await client.ReadUntilReadyAsync();
        Assert.Equal(503, messages.Count);
        Assert.All(messages.Skip(1).Take(500), m => Assert.Equal(1000, m.DataRow()[0]!.Length));
        Assert.Equal("CommandComplete SELECT 500", messages[^2].Text);
    }

    [Fact]
    public async Task Handler_can_send_ParameterStatus_and_multiple_results_with_its_own_error()
    {
        var factory = new FakeHandlerFactory
        {
            Configure = h => h.OnQuery = (sql, responder, ct) =>
            {
                responder.WriteCommandComplete("SET");
                responder.WriteParameterStatus("TimeZone", "UTC");
                responder.WriteError(PgError.Error(SqlState.UndefinedTable, "relation \"t\" does not exist"));
                return ValueTask.CompletedTask;
            },
        };
        var (client, _) = await TestClient.ConnectAsync(factory);
        await using var __ = client;
        await client.Query("SET TimeZone='UTC'; SELECT * FROM t").SendAsync();
        Assert.Equal(
            ["CommandComplete SET", "ParameterStatus TimeZone=UTC", "Error ERROR 42P01 relation \"t\" does not exist", "ReadyForQuery I"],
            await client.ReadTextsUntilReadyAsync());
    }
}

using AnnSql.Wire.Buffers;
using AnnSql.Wire.Errors;
using AnnSql.Wire.Handlers;
using AnnSql.Wire.Messages;
using AnnSql.Wire.Tests.Support;

namespace AnnSql.Wire.Tests;

/// <summary>Every backend message Wire encodes, decoded back by the test-side decoder.</summary>
public class BackendMessageRoundTripTests
{
    private static BackendMessage RoundTrip(Action<PgOutputBuffer> write)
    {
        using var buffer = new PgOutputBuffer();
        write(buffer);
        var bytes = buffer.WrittenSpan.ToArray();
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1));
        Assert.Equal(bytes.Length - 1, length);
        return new BackendMessage((char)bytes[0], bytes[5..]);
    }

    [Fact]
    public void AuthenticationOk() => Assert.Equal("Authentication 0", RoundTrip(BackendMessages.WriteAuthenticationOk).Text);

    [Fact]
    public void ParameterStatus() =>
        Assert.Equal(("server_version", "15.20 (AnnSql)"),
            RoundTrip(b => BackendMessages.WriteParameterStatus(b, "server_version", "15.20 (AnnSql)")).ParameterStatus());

    [Fact]
    public void BackendKeyData() =>
        Assert.Equal((1234, -5), RoundTrip(b => BackendMessages.WriteBackendKeyData(b, 1234, -5)).BackendKeyData());

    [Theory]
    [InlineData('I')]
    [InlineData('T')]
    [InlineData('E')]
    public void ReadyForQuery(char status) =>
        Assert.Equal($"ReadyForQuery {status}", RoundTrip(b => BackendMessages.WriteReadyForQuery(b, status)).Text);

    [Fact]
    public void RowDescription()
    {
        PgField[] fields =
        [
            new("embedding", 16500, 3, 16403, -1, 3, 1),
            new("?column?", 0, 0, 23, 4, -1, 0),
            new("ünïcode", uint.MaxValue, short.MaxValue, uint.MaxValue, -2, int.MinValue, 0),
        ];
        Assert.Equal(fields, RoundTrip(b => BackendMessages.WriteRowDescription(b, fields)).RowDescription());
    }

    [Fact]
    public void ParameterDescription()
    {
        uint[] oids = [23, 25, 16403, uint.MaxValue];
        Assert.Equal(oids, RoundTrip(b => BackendMessages.WriteParameterDescription(b, oids)).ParameterDescription());
    }

    [Fact]
    public async Task DataRow_through_the_responder_api()
    {
        var (client, _) = await TestClient.ConnectAsync(new FakeHandlerFactory
        {
            Configure = h => h.OnQuery = (sql, r, ct) =>
            {
                r.BeginDataRow(4);
                r.WriteNull();
                r.WriteField([]);
                var w = r.BeginField();
                w.GetSpan(3)[..3].Fill(9);
                w.Advance(3);
                r.EndField();
                r.WriteField([1, 2]);
                r.EndDataRow();
                return ValueTask.CompletedTask;
            },
        });
        await using var _ = client;
        await client.Query("x").SendAsync();
        var row = await client.ReadRequiredAsync();
        Assert.Equal([null, [], [9, 9, 9], [1, 2]], row.DataRow());
    }

    [Fact]
    public void CommandComplete() =>
        Assert.Equal("INSERT 0 5", RoundTrip(b => BackendMessages.WriteCommandComplete(b, "INSERT 0 5")).SingleString());

    [Theory]
    [InlineData('1', "ParseComplete")]
    [InlineData('2', "BindComplete")]
    [InlineData('3', "CloseComplete")]
    [InlineData('n', "NoData")]
    [InlineData('I', "EmptyQueryResponse")]
    [InlineData('s', "PortalSuspended")]
    [InlineData('c', "CopyDone")]
    public void Empty_messages(char tag, string text) => Assert.Equal(text, RoundTrip(b => BackendMessages.WriteEmpty(b, (byte)tag)).Text);

    [Fact]
    public void ErrorResponse_has_every_field_in_PG_order()
    {
        var error = new PgError("ERROR", SqlState.UniqueViolation, "duplicate key value violates unique constraint \"t_pkey\"")
        {
            Detail = "Key (id)=(1) already exists.",
            Hint = "h",
            Position = 15,
            Where = "w",
            SchemaName = "public",
            TableName = "t",
            ColumnName = "id",
            DataTypeName = "int4",
            ConstraintName = "t_pkey",
            File = "nbtinsert.c",
            Line = 664,
            Routine = "_bt_check_unique",
        };
        var message = RoundTrip(b => BackendMessages.WriteErrorResponse(b, error));
        Assert.Equal('E', message.Tag);
        Assert.Equal(
            [('S', "ERROR"), ('V', "ERROR"), ('C', "23505"), ('M', error.Message), ('D', error.Detail), ('H', "h"), ('P', "15"), ('W', "w"),
             ('s', "public"), ('t', "t"), ('c', "id"), ('d', "int4"), ('n', "t_pkey"), ('F', "nbtinsert.c"), ('L', "664"),
             ('R', "_bt_check_unique")],
            message.ErrorFields());
    }

    [Fact]
    public void NoticeResponse()
    {
        var message = RoundTrip(b => BackendMessages.WriteNoticeResponse(b, PgError.Notice("table \"t\" does not exist, skipping")));
        Assert.Equal("Notice NOTICE 00000 table \"t\" does not exist, skipping", message.Text);
    }

    [Fact]
    public void CopyInResponse_and_CopyOutResponse()
    {
        var (format, columns) = RoundTrip(b => BackendMessages.WriteCopyResponse(b, BackendMessageCode.CopyInResponse, 1, [1, 1, 1]))
            .CopyResponse();
        Assert.Equal(1, format);
        Assert.Equal([1, 1, 1], columns);
        var outResponse = RoundTrip(b => BackendMessages.WriteCopyResponse(b, BackendMessageCode.CopyOutResponse, 0, [0]));
        Assert.Equal("CopyOutResponse 0 [0]", outResponse.Text);
    }

    [Fact]
    public void CopyData() => Assert.Equal(new byte[] { 0, 255, 7 }, RoundTrip(b => BackendMessages.WriteCopyData(b, [0, 255, 7])).Body);

    [Fact]
    public void NegotiateProtocolVersion()
    {
        var message = RoundTrip(b => BackendMessages.WriteNegotiateProtocolVersion(b, 0, ["_pq_.a", "_pq_.b"]));
        Assert.Equal('v', message.Tag);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 2, .. "_pq_.a\0_pq_.b\0"u8.ToArray()], message.Body);
    }
}

using AnnSql.Wire.Buffers;
using AnnSql.Wire.Errors;
using AnnSql.Wire.Handlers;

namespace AnnSql.Wire.Messages;

/// <summary>Encoders of backend messages into a <see cref="PgOutputBuffer"/> (PG docs: protocol-message-formats.html).</summary>
internal static class BackendMessages
{
    public static void WriteAuthenticationOk(PgOutputBuffer buffer)
    {
        var start = buffer.StartMessage(BackendMessageCode.Authentication);
        buffer.WriteInt32(0);
        buffer.EndMessage(start);
    }

    public static void WriteParameterStatus(PgOutputBuffer buffer, string name, string value)
    {
        var start = buffer.StartMessage(BackendMessageCode.ParameterStatus);
        buffer.WriteCString(name);
        buffer.WriteCString(value);
        buffer.EndMessage(start);
    }

    public static void WriteBackendKeyData(PgOutputBuffer buffer, int processId, int secretKey)
    {
        var start = buffer.StartMessage(BackendMessageCode.BackendKeyData);
        buffer.WriteInt32(processId);
        buffer.WriteInt32(secretKey);
        buffer.EndMessage(start);
    }

    public static void WriteNegotiateProtocolVersion(PgOutputBuffer buffer, int newestMinor, IReadOnlyList<string> unrecognizedOptions)
    {
        var start = buffer.StartMessage(BackendMessageCode.NegotiateProtocolVersion);
        buffer.WriteInt32(newestMinor);
        buffer.WriteInt32(unrecognizedOptions.Count);
        foreach (var option in unrecognizedOptions)
        {
            buffer.WriteCString(option);
        }

        buffer.EndMessage(start);
    }

    public static void WriteReadyForQuery(PgOutputBuffer buffer, char transactionStatus)
    {
        if (transactionStatus is not ('I' or 'T' or 'E'))
        {
            throw new ArgumentOutOfRangeException(nameof(transactionStatus), transactionStatus, "expected 'I', 'T' or 'E'");
        }

        var start = buffer.StartMessage(BackendMessageCode.ReadyForQuery);
        buffer.WriteByte((byte)transactionStatus);
        buffer.EndMessage(start);
    }

    public static void WriteRowDescription(PgOutputBuffer buffer, ReadOnlySpan<PgField> fields)
    {
        var start = buffer.StartMessage(BackendMessageCode.RowDescription);
        buffer.WriteInt16(checked((short)fields.Length));
        foreach (ref readonly var field in fields)
        {
            buffer.WriteCString(field.Name);
            buffer.WriteUInt32(field.TableOid);
            buffer.WriteInt16(field.ColumnAttributeNumber);
            buffer.WriteUInt32(field.TypeOid);
            buffer.WriteInt16(field.TypeSize);
            buffer.WriteInt32(field.TypeModifier);
            buffer.WriteInt16(field.FormatCode);
        }

        buffer.EndMessage(start);
    }

    public static void WriteParameterDescription(PgOutputBuffer buffer, ReadOnlySpan<uint> typeOids)
    {
        var start = buffer.StartMessage(BackendMessageCode.ParameterDescription);
        buffer.WriteInt16(checked((short)typeOids.Length));
        foreach (var oid in typeOids)
        {
            buffer.WriteUInt32(oid);
        }

        buffer.EndMessage(start);
    }

    public static void WriteCommandComplete(PgOutputBuffer buffer, string tag)
    {
        var start = buffer.StartMessage(BackendMessageCode.CommandComplete);
        buffer.WriteCString(tag);
        buffer.EndMessage(start);
    }

    /// <summary>Writes a message with no body: ParseComplete, BindComplete, CloseComplete, NoData, EmptyQueryResponse, PortalSuspended, CopyDone.</summary>
    public static void WriteEmpty(PgOutputBuffer buffer, byte tag)
    {
        buffer.WriteByte(tag);
        buffer.WriteInt32(4);
    }

    public static void WriteErrorResponse(PgOutputBuffer buffer, PgError error)
    {
        Telemetry.WireMetrics.ErrorSent(error.SqlState);
        WriteErrorOrNotice(buffer, BackendMessageCode.ErrorResponse, error);
    }

    public static void WriteNoticeResponse(PgOutputBuffer buffer, PgError notice) =>
        WriteErrorOrNotice(buffer, BackendMessageCode.NoticeResponse, notice);

    public static void WriteCopyResponse(PgOutputBuffer buffer, byte tag, short format, ReadOnlySpan<short> columnFormats)
    {
        if (format is not (PgFormatCode.Text or PgFormatCode.Binary))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "expected 0 or 1");
        }

        var start = buffer.StartMessage(tag);
        buffer.WriteByte((byte)format);
        buffer.WriteInt16(checked((short)columnFormats.Length));
        foreach (var columnFormat in columnFormats)
        {
            buffer.WriteInt16(columnFormat);
        }

        buffer.EndMessage(start);
    }

    public static void WriteCopyData(PgOutputBuffer buffer, ReadOnlySpan<byte> data)
    {
        var start = buffer.StartMessage(BackendMessageCode.CopyData);
        buffer.WriteBytes(data);
        buffer.EndMessage(start);
    }

    private static void WriteErrorOrNotice(PgOutputBuffer buffer, byte tag, PgError error)
    {
        var start = buffer.StartMessage(tag);
        WriteField(buffer, 'S', error.Severity);
        WriteField(buffer, 'V', error.Severity);
        WriteField(buffer, 'C', error.SqlState);
        WriteField(buffer, 'M', error.Message);
        WriteField(buffer, 'D', error.Detail);
        WriteField(buffer, 'H', error.Hint);
        if (error.Position is { } position)
        {
            WriteField(buffer, 'P', position.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        WriteField(buffer, 'W', error.Where);
        WriteField(buffer, 's', error.SchemaName);
        WriteField(buffer, 't', error.TableName);
        WriteField(buffer, 'c', error.ColumnName);
        WriteField(buffer, 'd', error.DataTypeName);
        WriteField(buffer, 'n', error.ConstraintName);
        WriteField(buffer, 'F', error.File);
        if (error.Line is { } line)
        {
            WriteField(buffer, 'L', line.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        WriteField(buffer, 'R', error.Routine);
        buffer.WriteByte(0);
        buffer.EndMessage(start);
    }

    private static void WriteField(PgOutputBuffer buffer, char code, string? value)
    {
        if (value is null)
        {
            return;
        }

        buffer.WriteByte((byte)code);
        // A NUL would end the field early; PG's messages never contain one, so replace it rather than fail while reporting.
        buffer.WriteCString(value.Contains('\0', StringComparison.Ordinal) ? value.Replace('\0', ' ') : value);
    }
}

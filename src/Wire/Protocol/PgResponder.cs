using System.Buffers;
using AnnSql.Wire.Errors;
using AnnSql.Wire.Handlers;
using AnnSql.Wire.Messages;

namespace AnnSql.Wire.Protocol;

/// <summary>The connection's <see cref="IPgResponder"/>: encodes into the connection's output buffer.</summary>
internal sealed class PgResponder(PgConnection connection) : IPgResponder
{
    private int _rowStart = -1;
    private int _rowColumns;
    private int _rowWritten;
    private int _fieldStart = -1;

    private Buffers.PgOutputBuffer Out => connection.Output;

    public void WriteRowDescription(ReadOnlySpan<PgField> fields)
    {
        EnsureNoOpenRow();
        BackendMessages.WriteRowDescription(Out, fields);
    }

    public void BeginDataRow(int columnCount)
    {
        EnsureNoOpenRow();
        ArgumentOutOfRangeException.ThrowIfNegative(columnCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(columnCount, short.MaxValue);
        _rowStart = Out.WrittenCount;
        var lengthPosition = Out.StartMessage(BackendMessageCode.DataRow);
        _ = lengthPosition;
        Out.WriteInt16((short)columnCount);
        _rowColumns = columnCount;
        _rowWritten = 0;
    }

    public void WriteNull()
    {
        NextField();
        Out.WriteInt32(-1);
    }

    public IBufferWriter<byte> BeginField()
    {
        NextField();
        _fieldStart = Out.ReserveLength();
        return Out;
    }

    public void EndField()
    {
        if (_fieldStart < 0)
        {
            throw new InvalidOperationException("EndField without BeginField");
        }

        Out.PatchLength(_fieldStart, includeSelf: false);
        _fieldStart = -1;
    }

    public void WriteField(ReadOnlySpan<byte> value)
    {
        NextField();
        Out.WriteInt32(value.Length);
        Out.WriteBytes(value);
    }

    public void EndDataRow()
    {
        if (_rowStart < 0 || _fieldStart >= 0)
        {
            throw new InvalidOperationException("EndDataRow without an open row, or with an open field");
        }

        if (_rowWritten != _rowColumns)
        {
            throw new InvalidOperationException($"data row announced {_rowColumns} fields but {_rowWritten} were written");
        }

        Out.EndMessage(_rowStart + 1);
        _rowStart = -1;
        connection.SpillIfLarge();
    }

    public void WriteCommandComplete(string tag)
    {
        EnsureNoOpenRow();
        BackendMessages.WriteCommandComplete(Out, tag);
    }

    public void WriteEmptyQueryResponse()
    {
        EnsureNoOpenRow();
        BackendMessages.WriteEmpty(Out, BackendMessageCode.EmptyQueryResponse);
    }

    public void WritePortalSuspended()
    {
        EnsureNoOpenRow();
        BackendMessages.WriteEmpty(Out, BackendMessageCode.PortalSuspended);
    }

    public void WriteNotice(PgError notice)
    {
        EnsureNoOpenRow();
        BackendMessages.WriteNoticeResponse(Out, notice);
    }

    public void WriteError(PgError error)
    {
        AbortOpenMessage();
        BackendMessages.WriteErrorResponse(Out, error);
    }

    public void WriteParameterStatus(string name, string value)
    {
        EnsureNoOpenRow();
        BackendMessages.WriteParameterStatus(Out, name, value);
    }

    public ValueTask<IPgCopyInReader> BeginCopyInAsync(short format, ReadOnlySpan<short> columnFormats, CancellationToken ct)
    {
        EnsureNoOpenRow();
        BackendMessages.WriteCopyResponse(Out, BackendMessageCode.CopyInResponse, format, columnFormats);
        return connection.BeginCopyInAsync(ct);
    }

    public void BeginCopyOut(short format, ReadOnlySpan<short> columnFormats)
    {
        EnsureNoOpenRow();
        BackendMessages.WriteCopyResponse(Out, BackendMessageCode.CopyOutResponse, format, columnFormats);
    }

    public void WriteCopyData(ReadOnlySpan<byte> data)
    {
        EnsureNoOpenRow();
        BackendMessages.WriteCopyData(Out, data);
        connection.SpillIfLarge();
    }

    public void EndCopyOut()
    {
        EnsureNoOpenRow();
        BackendMessages.WriteEmpty(Out, BackendMessageCode.CopyDone);
    }

    public ValueTask FlushAsync(CancellationToken ct)
    {
        EnsureNoOpenRow();
        return connection.FlushOutputAsync(ct);
    }

    /// <summary>Drops a DataRow the handler started but did not finish (it failed in the middle).</summary>
    public void AbortOpenMessage()
    {
        if (_rowStart >= 0)
        {
            Out.Truncate(_rowStart);
            _rowStart = -1;
            _fieldStart = -1;
        }
    }

    private void NextField()
    {
        if (_rowStart < 0 || _fieldStart >= 0)
        {
            throw new InvalidOperationException("no data row open, or the previous field was not ended");
        }

        if (_rowWritten == _rowColumns)
        {
            throw new InvalidOperationException($"data row announced {_rowColumns} fields");
        }

        _rowWritten++;
    }

    private void EnsureNoOpenRow()
    {
        if (_rowStart >= 0)
        {
            throw new InvalidOperationException("a data row is still open");
        }
    }
}

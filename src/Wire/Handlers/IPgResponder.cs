using System.Buffers;
using AnnSql.Wire.Errors;

namespace AnnSql.Wire.Handlers;

/// <summary>
/// What a handler writes back. Wire buffers the messages and flushes at ReadyForQuery, Flush, and
/// <see cref="FlushAsync"/>; above a threshold (64 KiB by default) complete messages are handed to the
/// transport without waiting, so long results should call <see cref="FlushAsync"/> now and then for back-pressure.
/// Message layouts: PG docs, protocol-message-formats.html. Not thread-safe.
/// </summary>
public interface IPgResponder
{
    /// <summary>RowDescription ('T'); in the simple protocol, before the rows of each result set.</summary>
    void WriteRowDescription(ReadOnlySpan<PgField> fields);

    /// <summary>Starts a DataRow ('D') of <paramref name="columnCount"/> fields; write exactly that many fields, then <see cref="EndDataRow"/>.</summary>
    void BeginDataRow(int columnCount);

    /// <summary>Writes a NULL field (length -1).</summary>
    void WriteNull();

    /// <summary>Returns a writer for one field's bytes; call <see cref="EndField"/> after writing (Wire back-patches the int32 length).</summary>
    IBufferWriter<byte> BeginField();

    /// <summary>Ends the field started by <see cref="BeginField"/>.</summary>
    void EndField();

    /// <summary>Writes one non-null field.</summary>
    void WriteField(ReadOnlySpan<byte> value);

    /// <summary>Ends the DataRow; throws <see cref="InvalidOperationException"/> when the field count differs from the one announced.</summary>
    void EndDataRow();

    /// <summary>CommandComplete ('C') with a tag such as <c>SELECT 3</c>, <c>INSERT 0 1</c>, <c>COPY 2</c>.</summary>
    void WriteCommandComplete(string tag);

    /// <summary>EmptyQueryResponse ('I'), the answer to an empty query string.</summary>
    void WriteEmptyQueryResponse();

    /// <summary>PortalSuspended ('s'): Execute stopped at its row limit; more rows remain.</summary>
    void WritePortalSuspended();

    /// <summary>NoticeResponse ('N').</summary>
    void WriteNotice(PgError notice);

    /// <summary>ErrorResponse ('E') for a handler that reports an error itself (e.g. multi-statement simple queries) and stops.</summary>
    void WriteError(PgError error);

    /// <summary>ParameterStatus ('S'), e.g. after <c>SET TimeZone</c>.</summary>
    void WriteParameterStatus(string name, string value);

    /// <summary>
    /// COPY FROM STDIN: sends CopyInResponse (overall format 0/1, per-column formats) and flushes, then returns a reader of
    /// CopyData payloads until CopyDone. CopyFail surfaces as <see cref="PgErrorException"/> 57014
    /// <c>COPY from stdin failed: …</c>; a Query, Parse or other non-copy message is an 08P01 error that ends the copy.
    /// Flush and Sync are ignored during COPY IN.
    /// </summary>
    ValueTask<IPgCopyInReader> BeginCopyInAsync(short format, ReadOnlySpan<short> columnFormats, CancellationToken ct);

    /// <summary>COPY TO STDOUT: sends CopyOutResponse; follow with <see cref="WriteCopyData"/> and <see cref="EndCopyOut"/>.</summary>
    void BeginCopyOut(short format, ReadOnlySpan<short> columnFormats);

    /// <summary>One CopyData ('d') message.</summary>
    void WriteCopyData(ReadOnlySpan<byte> data);

    /// <summary>CopyDone ('c'); the handler then writes CommandComplete <c>COPY n</c>.</summary>
    void EndCopyOut();

    /// <summary>Sends everything buffered so far and waits for the transport (back-pressure).</summary>
    ValueTask FlushAsync(CancellationToken ct);
}

/// <summary>Reads the CopyData payloads of a COPY FROM STDIN.</summary>
public interface IPgCopyInReader
{
    /// <summary>
    /// The next CopyData payload, or null at CopyDone. The memory is valid only until the next call.
    /// Throws <see cref="PgErrorException"/> 57014 on CopyFail and 08P01 on a non-copy message.
    /// </summary>
    ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken ct);
}

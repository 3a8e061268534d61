using System.Buffers;
using System.Buffers.Binary;

namespace AnnSql.Sql.Storage;

/// <summary>Outcome of <see cref="WalSegmentReader.Read"/>.</summary>
internal enum WalReadStatus
{
    /// <summary>A valid record was read.</summary>
    Record,

    /// <summary>The segment ended exactly at a record boundary.</summary>
    EndOfSegment,

    /// <summary>The bytes at <see cref="WalSegmentReader.Position"/> are not a valid record (torn or damaged).</summary>
    Invalid,
}

/// <summary>
/// Sequential reader of one segment file, validating each record's length, CRC32C and LSN. Reading stops for good
/// at the first invalid record: like PostgreSQL's XLogReadRecord, anything after it is treated as never written.
/// </summary>
internal sealed class WalSegmentReader : IDisposable
{
    private readonly FileStream _stream;
    private readonly byte[] _header = new byte[WriteAheadLog.HeaderSize];
    private byte[] _payload;
    private int _payloadLength;

    public WalSegmentReader(string path, ulong segmentStart)
    {
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1 << 16);
        Position = segmentStart;
        SegmentStart = segmentStart;
        _payload = ArrayPool<byte>.Shared.Rent(4096);
    }

    /// <summary>First LSN of the segment.</summary>
    public ulong SegmentStart { get; }

    /// <summary>LSN just past the last valid record read (the next record's expected LSN).</summary>
    public ulong Position { get; private set; }

    /// <summary>LSN of the record last returned.</summary>
    public ulong RecordLsn { get; private set; }

    /// <summary>Why the last <see cref="WalReadStatus.Invalid"/> was returned.</summary>
    public string? InvalidReason { get; private set; }

    /// <summary>Payload of the record last returned; valid until the next <see cref="Read"/>.</summary>
    public ReadOnlySpan<byte> Payload => _payload.AsSpan(0, _payloadLength);

    /// <summary>Reads the next record.</summary>
    public WalReadStatus Read()
    {
        int headerRead = _stream.ReadAtLeast(_header, _header.Length, throwOnEndOfStream: false);
        if (headerRead == 0)
        {
            return WalReadStatus.EndOfSegment;
        }

        if (headerRead < _header.Length)
        {
            return Invalid($"short record header ({headerRead} of {WriteAheadLog.HeaderSize} bytes)");
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(_header);
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(4));
        ulong lsn = BinaryPrimitives.ReadUInt64LittleEndian(_header.AsSpan(8));
        long remaining = _stream.Length - _stream.Position;
        if (length > WriteAheadLog.MaxPayloadLength || length > remaining)
        {
            return Invalid($"impossible record length {length} ({remaining} bytes left in the segment)");
        }

        if (_payload.Length < length)
        {
            ArrayPool<byte>.Shared.Return(_payload);
            _payload = ArrayPool<byte>.Shared.Rent((int)length);
        }

        int payloadRead = _stream.ReadAtLeast(_payload.AsSpan(0, (int)length), (int)length, throwOnEndOfStream: false);
        if (payloadRead < length)
        {
            return Invalid($"short record payload ({payloadRead} of {length} bytes)");
        }

        uint crc = WriteAheadLog.RecordCrc(_header.AsSpan(0, 4), _payload.AsSpan(0, (int)length));
        if (crc != storedCrc)
        {
            return Invalid($"CRC32C mismatch (stored {storedCrc:X8}, computed {crc:X8})");
        }

        if (lsn != Position)
        {
            return Invalid($"record claims LSN {lsn:X16}");
        }

        RecordLsn = lsn;
        _payloadLength = (int)length;
        Position = lsn + WriteAheadLog.HeaderSize + length;
        return WalReadStatus.Record;
    }

    public void Dispose()
    {
        _stream.Dispose();
        ArrayPool<byte>.Shared.Return(_payload);
        _payload = [];
    }

    private WalReadStatus Invalid(string reason)
    {
        InvalidReason = reason;
        _payloadLength = 0;
        return WalReadStatus.Invalid;
    }
}

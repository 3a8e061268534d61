using System.Buffers;
using System.Text;
using AnnSql.Wire.Errors;

namespace AnnSql.Wire.Buffers;

/// <summary>
/// Reads the body of one frontend message (big-endian integers, NUL-terminated UTF-8 strings).
/// Running past the end is a protocol violation, as in PG's pq_getmsg* functions.
/// </summary>
internal ref struct PgMessageReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private SequenceReader<byte> _reader;

    public PgMessageReader(ReadOnlySequence<byte> payload) => _reader = new SequenceReader<byte>(payload);

    public readonly long Remaining => _reader.Remaining;

    public byte ReadByte()
    {
        if (!_reader.TryRead(out var value))
        {
            throw Insufficient();
        }

        return value;
    }

    public short ReadInt16()
    {
        if (!_reader.TryReadBigEndian(out short value))
        {
            throw Insufficient();
        }

        return value;
    }

    public int ReadInt32()
    {
        if (!_reader.TryReadBigEndian(out int value))
        {
            throw Insufficient();
        }

        return value;
    }

    public uint ReadUInt32() => unchecked((uint)ReadInt32());

    /// <summary>Reads a NUL-terminated string; invalid UTF-8 is error 22021 as in PG's pg_verify_mbstr.</summary>
    public string ReadCString()
    {
        if (!_reader.TryReadTo(out ReadOnlySequence<byte> bytes, 0))
        {
            throw new ProtocolViolationException("invalid string in message");
        }

        try
        {
            return bytes.IsSingleSegment ? StrictUtf8.GetString(bytes.FirstSpan) : StrictUtf8.GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException ex)
        {
            throw new PgErrorException(
                PgError.Error(SqlState.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\""), ex);
        }
    }

    /// <summary>Fills <paramref name="destination"/> with the next bytes.</summary>
    public void ReadBytes(Span<byte> destination)
    {
        if (!_reader.TryCopyTo(destination))
        {
            throw Insufficient();
        }

        _reader.Advance(destination.Length);
    }

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public void Skip(int count)
    {
        if (count < 0 || _reader.Remaining < count)
        {
            throw Insufficient();
        }

        _reader.Advance(count);
    }

    /// <summary>The rest of the message, unread.</summary>
    public readonly ReadOnlySequence<byte> UnreadSequence => _reader.UnreadSequence;

    /// <summary>Checks that the whole message was consumed (PG's pq_getmsgend).</summary>
    public readonly void EnsureEnd()
    {
        if (!_reader.End)
        {
            throw new ProtocolViolationException("invalid message format");
        }
    }

    private static ProtocolViolationException Insufficient() => new("insufficient data left in message");
}

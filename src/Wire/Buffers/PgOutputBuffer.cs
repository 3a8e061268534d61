using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace AnnSql.Wire.Buffers;

/// <summary>
/// A growable output buffer over pooled arrays, with big-endian helpers and message framing
/// (tag + int32 length back-patched when the message ends). One per connection; not thread-safe.
/// </summary>
internal sealed class PgOutputBuffer : IBufferWriter<byte>, IDisposable
{
    private const int MinimumSize = 4096;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private byte[] _buffer;
    private int _written;

    public PgOutputBuffer(int initialSize = MinimumSize) => _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialSize, MinimumSize));

    /// <summary>Bytes written and not yet taken.</summary>
    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>Forgets the written bytes; a buffer that grew beyond <paramref name="shrinkAbove"/> goes back to the pool.</summary>
    public void Reset(int shrinkAbove = 1 << 20)
    {
        _written = 0;
        if (_buffer.Length > shrinkAbove)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(MinimumSize);
        }
    }

    /// <summary>Drops everything written after <paramref name="position"/> (an unfinished message after an error).</summary>
    public void Truncate(int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, _written);
        _written = position;
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _buffer.Length)
        {
            throw new InvalidOperationException("advanced past the end of the buffer");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Writes the tag and a length placeholder; returns the position of the length for <see cref="EndMessage"/>.</summary>
    public int StartMessage(byte tag)
    {
        WriteByte(tag);
        var lengthPosition = _written;
        WriteInt32(0);
        return lengthPosition;
    }

    /// <summary>Back-patches the int32 length (which counts itself but not the tag) at <paramref name="lengthPosition"/>.</summary>
    public void EndMessage(int lengthPosition) => PatchLength(lengthPosition, includeSelf: true);

    /// <summary>Writes an int32 -1 placeholder for a length and returns its position.</summary>
    public int ReserveLength()
    {
        var position = _written;
        WriteInt32(-1);
        return position;
    }

    /// <summary>Back-patches the length at <paramref name="position"/>: the bytes after it, plus 4 when it counts itself.</summary>
    public void PatchLength(int position, bool includeSelf)
    {
        var length = _written - position - (includeSelf ? 0 : 4);
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(position, 4), length);
    }

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_written++] = value;
    }

    public void WriteInt16(short value)
    {
        Ensure(2);
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_written), value);
        _written += 2;
    }

    public void WriteInt32(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_written), value);
        _written += 4;
    }

    public void WriteUInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_written), value);
        _written += 4;
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_written));
        _written += value.Length;
    }

    /// <summary>Writes UTF-8 text followed by a NUL terminator (PG's String type). NUL inside the text is not allowed.</summary>
    public void WriteCString(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a protocol string cannot contain NUL", nameof(value));
        }

        var max = Utf8.GetMaxByteCount(value.Length);
        Ensure(max + 1);
        _written += Utf8.GetBytes(value, _buffer.AsSpan(_written));
        _buffer[_written++] = 0;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }

        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        var needed = (long)_written + sizeHint;
        var size = Math.Max((long)_buffer.Length * 2, needed);
        if (size > Array.MaxLength)
        {
            size = needed <= Array.MaxLength ? Array.MaxLength : throw new OutOfMemoryException("output buffer too large");
        }

        var bigger = ArrayPool<byte>.Shared.Rent((int)size);
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = bigger;
    }
}

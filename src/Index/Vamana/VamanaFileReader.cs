using System.Buffers.Binary;
using System.Runtime.InteropServices;
using AnnSql.Index.Storage;

namespace AnnSql.Index.Vamana;

/// <summary>
/// Little-endian reader of a saved <see cref="VamanaIndex"/> through a 1 MiB buffer. It never reads ahead past the bytes
/// declared with <see cref="Declare"/> (the sections whose sizes the header gave), so the stream is left just after the
/// image, which may be followed by other data. <see cref="Checksum"/> is the CRC-32C of every byte pulled from the stream.
/// A stream that ends early throws <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class VamanaFileReader(Stream source)
{
    private const int BufferBytes = 1 << 20;

    private readonly Stream _source = source;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _start;
    private int _end;
    private long _declared;
    private long _consumed;
    private uint _crc = Crc32C.Seed;

    /// <summary>Bytes handed out so far.</summary>
    public long Position => _consumed;

    /// <summary>CRC-32C of the bytes pulled from the stream so far.</summary>
    public uint Checksum => Crc32C.Finish(_crc);

    /// <summary>True when every declared byte has been pulled from the stream and handed out.</summary>
    public bool AtDeclaredEnd => _declared == 0 && _start == _end;

    /// <summary>Allows the next <paramref name="bytes"/> bytes of the stream to be read.</summary>
    public void Declare(long bytes) => _declared += bytes;

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(sizeof(int)));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(sizeof(uint)));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(sizeof(long)));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(sizeof(ulong)));

    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(Take(sizeof(float)));

    /// <summary>Fills <paramref name="destination"/> with consecutive little-endian float32s.</summary>
    public void ReadSingles(Span<float> destination) => ReadUInt32s(MemoryMarshal.Cast<float, uint>(destination));

    /// <summary>Fills <paramref name="destination"/> with consecutive little-endian int32s.</summary>
    public void ReadInt32s(Span<int> destination) => ReadUInt32s(MemoryMarshal.Cast<int, uint>(destination));

    /// <summary>Fills <paramref name="destination"/> with consecutive little-endian uint32s.</summary>
    public void ReadUInt32s(Span<uint> destination)
    {
        ReadBytes(MemoryMarshal.AsBytes(destination));
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(destination, destination);
        }
    }

    /// <summary>Fills <paramref name="destination"/> with the next bytes.</summary>
    public void ReadBytes(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_start == _end)
            {
                Fill(1);
            }

            int n = Math.Min(destination.Length, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(destination);
            _start += n;
            _consumed += n;
            destination = destination[n..];
        }
    }

    /// <summary>The next <paramref name="bytes"/> bytes (at most the buffer size), valid until the next read.</summary>
    public ReadOnlySpan<byte> Take(int bytes)
    {
        if (_end - _start < bytes)
        {
            Fill(bytes);
        }

        ReadOnlySpan<byte> span = _buffer.AsSpan(_start, bytes);
        _start += bytes;
        _consumed += bytes;
        return span;
    }

    /// <summary>Makes at least <paramref name="needed"/> bytes available, reading no further than the declared bytes.</summary>
    private void Fill(int needed)
    {
        int have = _end - _start;
        if (have != 0 && _start != 0)
        {
            _buffer.AsSpan(_start, have).CopyTo(_buffer);
        }

        _start = 0;
        _end = have;
        int allowed = (int)Math.Min(_buffer.Length - have, _declared);
        int minimum = needed - have;
        if (allowed < minimum)
        {
            throw new InvalidOperationException($"read of {needed} bytes past the declared section ({have + allowed} available)");
        }

        int read = _source.ReadAtLeast(_buffer.AsSpan(have, allowed), minimum, throwOnEndOfStream: false);
        if (read < minimum)
        {
            throw new InvalidDataException(
                $"invalid vamana index image: truncated: the stream ends {minimum - read} bytes short of the value at offset {_consumed}");
        }

        _crc = Crc32C.Append(_crc, _buffer.AsSpan(have, read));
        _declared -= read;
        _end = have + read;
    }
}

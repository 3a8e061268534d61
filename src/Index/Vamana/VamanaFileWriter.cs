using System.Buffers.Binary;
using System.Runtime.InteropServices;
using AnnSql.Index.Storage;

namespace AnnSql.Index.Vamana;

/// <summary>
/// Little-endian writer of a saved <see cref="VamanaIndex"/>: values are copied into a 1 MiB buffer that is written to the
/// stream when full; <see cref="Checksum"/> is the CRC-32C of every byte flushed so far.
/// </summary>
internal sealed class VamanaFileWriter(Stream destination)
{
    private const int BufferBytes = 1 << 20;

    private readonly Stream _destination = destination;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _used;
    private long _flushed;
    private uint _crc = Crc32C.Seed;

    /// <summary>Bytes written so far (flushed or buffered).</summary>
    public long Position => _flushed + _used;

    /// <summary>CRC-32C of the bytes flushed so far; call <see cref="Flush"/> first for all of them.</summary>
    public uint Checksum => Crc32C.Finish(_crc);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(sizeof(int)), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(sizeof(uint)), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(sizeof(long)), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(sizeof(ulong)), value);

    public void WriteSingle(float value) => BinaryPrimitives.WriteSingleLittleEndian(Reserve(sizeof(float)), value);

    /// <summary>Writes <paramref name="values"/> as consecutive little-endian float32s.</summary>
    public void WriteSingles(ReadOnlySpan<float> values) => WriteUInt32s(MemoryMarshal.Cast<float, uint>(values));

    /// <summary>Writes <paramref name="values"/> as consecutive little-endian int32s.</summary>
    public void WriteInt32s(ReadOnlySpan<int> values) => WriteUInt32s(MemoryMarshal.Cast<int, uint>(values));

    /// <summary>Writes <paramref name="values"/> as consecutive little-endian uint32s.</summary>
    public void WriteUInt32s(ReadOnlySpan<uint> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            WriteBytes(MemoryMarshal.AsBytes(values));
            return;
        }

        foreach (uint value in values)
        {
            WriteUInt32(value);
        }
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_used == _buffer.Length)
            {
                Flush();
            }

            int n = Math.Min(bytes.Length, _buffer.Length - _used);
            bytes[..n].CopyTo(_buffer.AsSpan(_used));
            _used += n;
            bytes = bytes[n..];
        }
    }

    /// <summary>Writes the buffered bytes to the stream, adding them to <see cref="Checksum"/>.</summary>
    public void Flush()
    {
        if (_used == 0)
        {
            return;
        }

        _crc = Crc32C.Append(_crc, _buffer.AsSpan(0, _used));
        _destination.Write(_buffer, 0, _used);
        _flushed += _used;
        _used = 0;
    }

    private Span<byte> Reserve(int bytes)
    {
        if (_buffer.Length - _used < bytes)
        {
            Flush();
        }

        Span<byte> span = _buffer.AsSpan(_used, bytes);
        _used += bytes;
        return span;
    }
}

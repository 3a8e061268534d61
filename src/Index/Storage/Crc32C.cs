using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;

namespace AnnSql.Index.Storage;

/// <summary>
/// CRC-32C (Castagnoli), the checksum PostgreSQL uses for WAL records (src/include/port/pg_crc32c.h), and AnnSql for its
/// log records, checkpoint files and index images. Built on <see cref="BitOperations.Crc32C(uint, ulong)"/>, which uses the
/// SSE4.2 / ARMv8 instruction when present and a table otherwise.
/// </summary>
public static class Crc32C
{
    /// <summary>Initial value to pass to <see cref="Append"/>; finish with <see cref="Finish"/>.</summary>
    public const uint Seed = 0xFFFF_FFFFu;

    /// <summary>Folds <paramref name="data"/> into a running (not yet finished) CRC.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    /// <summary>Turns a running CRC into the final checksum value.</summary>
    public static uint Finish(uint crc) => ~crc;

    /// <summary>CRC-32C of one buffer.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Seed, data));

    /// <summary>CRC-32C of what <paramref name="stream"/> holds from its position to its end, read in 1 MiB pooled chunks.</summary>
    /// <exception cref="IOException">the stream cannot be read.</exception>
    public static uint Compute(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            uint crc = Seed;
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                crc = Append(crc, buffer.AsSpan(0, read));
            }

            return Finish(crc);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

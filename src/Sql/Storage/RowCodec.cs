using System.Buffers;
using System.Buffers.Binary;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Storage;

/// <summary>
/// Encodes rows for the log and checkpoints: per column an int32 length (-1 for NULL) and the value's PostgreSQL binary
/// (typsend) form, so stored bytes are exactly what a binary client receives.
/// </summary>
public static class RowCodec
{
    public static void Write(IBufferWriter<byte> output, IReadOnlyList<ColumnInfo> columns, object?[] values)
    {
        var scratch = new ArrayBufferWriter<byte>(64);
        for (int i = 0; i < columns.Count; i++)
        {
            var v = values[i];
            if (v is null)
            {
                BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), -1);
                output.Advance(4);
                continue;
            }

            scratch.ResetWrittenCount();
            TypeIO.SendBinary(v, columns[i].Type, scratch);
            BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), scratch.WrittenCount);
            output.Advance(4);
            output.Write(scratch.WrittenSpan);
        }
    }

    /// <summary>Reads one row written by <see cref="Write"/>; advances <paramref name="offset"/>.</summary>
    /// <exception cref="InvalidDataException">When the bytes end early.</exception>
    public static object?[] Read(ReadOnlySpan<byte> data, ref int offset, IReadOnlyList<ColumnInfo> columns)
    {
        var values = new object?[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            if (offset + 4 > data.Length)
            {
                throw new InvalidDataException("row ends early");
            }

            int len = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
            offset += 4;
            if (len < 0)
            {
                continue;
            }

            if (offset + len > data.Length)
            {
                throw new InvalidDataException("row value ends early");
            }

            values[i] = TypeIO.ReceiveBinary(data.Slice(offset, len), columns[i].Type);
            offset += len;
        }

        return values;
    }
}

using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>
/// A cursor over one value's binary form, reading big-endian as PostgreSQL's <c>pq_getmsg*</c> functions do and failing the
/// same way: 08P01 <c>insufficient data left in message</c> when the value is shorter than its format says.
/// </summary>
internal ref struct BinaryValueReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Remaining => _data.Length - _position;

    public byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            ThrowInsufficientData();
        }

        return _data[_position++];
    }

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(ReadBytes(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(ReadBytes(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(ReadBytes(8));

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > _data.Length - _position)
        {
            ThrowInsufficientData();
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    public ReadOnlySpan<byte> ReadRest() => ReadBytes(Remaining);

    /// <summary>PostgreSQL's receive path rejects values whose bytes are not all consumed by the type's receive function.</summary>
    public readonly void EnsureEnd()
    {
        if (_position != _data.Length)
        {
            throw new SqlException(SqlState.InvalidBinaryRepresentation, "incorrect binary data format");
        }
    }

    [DoesNotReturn]
    public static void ThrowInsufficientData() =>
        throw new SqlException(SqlState.ProtocolViolation, "insufficient data left in message");
}

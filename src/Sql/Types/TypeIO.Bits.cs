using System.Buffers;
using System.Globalization;
using System.Text;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>bit(n) and bit varying(n) (PostgreSQL's varbit.c: bit_in, varbit_in, bit_out, bit_recv, bit_send).</summary>
public static partial class TypeIO
{
    /// <summary>VARBITMAXLEN: the longest bit string PostgreSQL accepts.</summary>
    public const int BitStringMaxLength = 0x7FFFFFFF - 8 - 4 - 7;

    private const string StringDataLengthMismatch = "22026";

    /// <summary>
    /// bit_in / varbit_in: binary digits, or a <c>B</c> prefix for binary or an <c>X</c> prefix for hexadecimal. The typmod is checked
    /// before the digits, as PostgreSQL does.
    /// </summary>
    private static BitString ParseBitString(ReadOnlySpan<char> text, SqlType type)
    {
        bool hex = false;
        var digits = text;
        if (text.Length > 0 && (text[0] | 0x20) is 'b' or 'x')
        {
            hex = (text[0] | 0x20) == 'x';
            digits = text[1..];
        }

        // PostgreSQL counts bytes of the server encoding here.
        long byteLength = digits.Length == 0 ? 0 : Encoding.UTF8.GetByteCount(digits);
        long length = hex ? byteLength * 4 : byteLength;
        if (length > BitStringMaxLength)
        {
            throw new SqlException(SqlState.ProgramLimitExceeded,
                string.Create(CultureInfo.InvariantCulture, $"bit string length exceeds the maximum allowed ({BitStringMaxLength})"));
        }

        CheckBitLength((int)length, type);
        byte[] bytes = new byte[(length + 7) / 8];
        for (int i = 0; i < digits.Length; i++)
        {
            char c = digits[i];
            if (hex)
            {
                int nibble = HexValue(c);
                if (nibble < 0)
                {
                    throw new SqlException(SqlState.InvalidTextRepresentation, $"\"{FirstCharacter(digits[i..])}\" is not a valid hexadecimal digit");
                }

                bytes[i >> 1] |= (byte)((i & 1) == 0 ? nibble << 4 : nibble);
            }
            else if (c == '1')
            {
                bytes[i >> 3] |= (byte)(0x80 >> (i & 7));
            }
            else if (c != '0')
            {
                throw new SqlException(SqlState.InvalidTextRepresentation, $"\"{FirstCharacter(digits[i..])}\" is not a valid binary digit");
            }
        }

        return new BitString((int)length, bytes);
    }

    private static ReadOnlySpan<char> FirstCharacter(ReadOnlySpan<char> text) =>
        text[..(char.IsHighSurrogate(text[0]) && text.Length > 1 ? 2 : 1)];

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static void CheckBitLength(int length, SqlType type)
    {
        if (type.Modifier <= 0)
        {
            return;
        }

        if (type.Kind == SqlTypeKind.Bit && length != type.Modifier)
        {
            throw new SqlException(StringDataLengthMismatch,
                string.Create(CultureInfo.InvariantCulture, $"bit string length {length} does not match type bit({type.Modifier})"));
        }

        if (type.Kind == SqlTypeKind.VarBit && length > type.Modifier)
        {
            throw new SqlException(SqlState.StringDataRightTruncation,
                string.Create(CultureInfo.InvariantCulture, $"bit string too long for type bit varying({type.Modifier})"));
        }
    }

    private static void WriteBitStringText(BitString value, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            span[i] = value[i] ? (byte)'1' : (byte)'0';
        }

        output.Advance(value.Length);
    }

    private static void SendBitString(BitString value, IBufferWriter<byte> output)
    {
        WriteInt32BigEndian(output, value.Length);
        output.Write(value.Bytes.AsSpan(0, (value.Length + 7) / 8));
    }

    private static BitString ReceiveBitString(ref BinaryValueReader reader, SqlType type)
    {
        int length = reader.ReadInt32();
        if (length is < 0 or > BitStringMaxLength)
        {
            throw new SqlException(SqlState.InvalidBinaryRepresentation, "invalid length in external bit string");
        }

        CheckBitLength(length, type);
        byte[] bytes = reader.ReadBytes((int)((length + 7L) / 8)).ToArray();
        if ((length & 7) != 0)
        {
            bytes[^1] &= (byte)(0xFF << (8 - (length & 7)));
        }

        return new BitString(length, bytes);
    }
}

using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>bytea (hex and escape text formats) and uuid.</summary>
public static partial class TypeIO
{
    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>byteain: <c>\x</c> followed by hex pairs (whitespace allowed between pairs), or the escape format.</summary>
    private static byte[] ParseBytea(ReadOnlySpan<char> text)
    {
        if (text.Length >= 2 && text[0] == '\\' && text[1] == 'x')
        {
            return ParseByteaHex(text[2..]);
        }

        var result = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < text.Length;)
        {
            char c = text[i];
            if (c != '\\')
            {
                int width = char.IsHighSurrogate(c) && i + 1 < text.Length ? 2 : 1;
                int n = Encoding.UTF8.GetBytes(text.Slice(i, width), utf8);
                for (int k = 0; k < n; k++)
                {
                    result.Add(utf8[k]);
                }

                i += width;
            }
            else if (i + 3 < text.Length && text[i + 1] is >= '0' and <= '3' && IsOctal(text[i + 2]) && IsOctal(text[i + 3]))
            {
                result.Add((byte)(((text[i + 1] - '0') << 6) | ((text[i + 2] - '0') << 3) | (text[i + 3] - '0')));
                i += 4;
            }
            else if (i + 1 < text.Length && text[i + 1] == '\\')
            {
                result.Add((byte)'\\');
                i += 2;
            }
            else
            {
                throw new SqlException(SqlState.InvalidTextRepresentation, "invalid input syntax for type bytea");
            }
        }

        return [.. result];
    }

    /// <summary>hex_decode: pairs of hex digits; spaces, tabs and newlines between pairs are skipped.</summary>
    private static byte[] ParseByteaHex(ReadOnlySpan<char> hex)
    {
        byte[] buffer = new byte[hex.Length / 2];
        int count = 0;
        for (int i = 0; i < hex.Length;)
        {
            char c = hex[i];
            if (c is ' ' or '\n' or '\t' or '\r')
            {
                i++;
                continue;
            }

            int high = HexValue(c);
            if (high < 0)
            {
                ThrowInvalidHexDigit(hex[i..]);
            }

            if (i + 1 >= hex.Length)
            {
                throw new SqlException(SqlState.InvalidParameterValue, "invalid hexadecimal data: odd number of digits");
            }

            int low = HexValue(hex[i + 1]);
            if (low < 0)
            {
                ThrowInvalidHexDigit(hex[(i + 1)..]);
            }

            buffer[count++] = (byte)((high << 4) | low);
            i += 2;
        }

        return count == buffer.Length ? buffer : buffer[..count];
    }

    [DoesNotReturn]
    private static void ThrowInvalidHexDigit(ReadOnlySpan<char> rest) =>
        throw new SqlException(SqlState.InvalidParameterValue, $"invalid hexadecimal digit: \"{FirstCharacter(rest)}\"");

    private static void WriteByteaText(byte[] value, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(2 + (2 * value.Length));
        span[0] = (byte)'\\';
        span[1] = (byte)'x';
        for (int i = 0; i < value.Length; i++)
        {
            span[2 + (2 * i)] = HexDigits[value[i] >> 4];
            span[3 + (2 * i)] = HexDigits[value[i] & 0xF];
        }

        output.Advance(2 + (2 * value.Length));
    }

    /// <summary>
    /// string_to_uuid: 32 hex digits, optionally in braces, with a hyphen allowed after any group of four digits; no whitespace.
    /// </summary>
    private static Guid ParseUuid(ReadOnlySpan<char> text)
    {
        Span<byte> bytes = stackalloc byte[16];
        int i = 0;
        bool braces = text.Length > 0 && text[0] == '{';
        if (braces)
        {
            i++;
        }

        for (int b = 0; b < 16; b++)
        {
            if (i + 1 >= text.Length)
            {
                ThrowInvalidText("uuid", text);
            }

            int high = HexValue(text[i]), low = HexValue(text[i + 1]);
            if (high < 0 || low < 0)
            {
                ThrowInvalidText("uuid", text);
            }

            bytes[b] = (byte)((high << 4) | low);
            i += 2;
            if (i < text.Length && text[i] == '-' && (b % 2) == 1 && b < 15)
            {
                i++;
            }
        }

        if (braces)
        {
            if (i >= text.Length || text[i] != '}')
            {
                ThrowInvalidText("uuid", text);
            }

            i++;
        }

        if (i != text.Length)
        {
            ThrowInvalidText("uuid", text);
        }

        return new Guid(bytes, bigEndian: true);
    }

    private static void WriteUuidText(Guid value, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(36);
        value.TryFormat(span, out int written, "D");
        output.Advance(written);
    }

    /// <summary>uuid_send: the 16 bytes in RFC 4122 (network) order, which is not <see cref="Guid.ToByteArray()"/>'s order.</summary>
    private static void SendUuid(Guid value, IBufferWriter<byte> output)
    {
        value.TryWriteBytes(output.GetSpan(16), bigEndian: true, out _);
        output.Advance(16);
    }
}

using System.Buffers;
using System.Globalization;
using System.Text;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>Character types: text, varchar(n), bpchar(n), name and the single-byte "char".</summary>
public static partial class TypeIO
{
    /// <summary>NAMEDATALEN - 1: the longest name in bytes; longer input is truncated at a character boundary.</summary>
    public const int NameMaxBytes = 63;

    private const string CharacterNotInRepertoire = "22021";

    /// <summary>varchar_input: at most n characters; an excess made only of spaces is cut off, anything else is 22001.</summary>
    private static string ParseVarchar(ReadOnlySpan<char> text, int typmod)
    {
        if (typmod < 4)
        {
            return text.ToString();
        }

        int maxLength = typmod - 4;
        int cut = CodePointOffset(text, maxLength);
        if (cut < 0)
        {
            return text.ToString();
        }

        CheckOnlySpaces(text[cut..], "character varying", maxLength);
        return text[..cut].ToString();
    }

    /// <summary>bpchar_input: exactly n characters, padded with spaces; an excess made only of spaces is cut off.</summary>
    private static string ParseBpchar(ReadOnlySpan<char> text, int typmod)
    {
        if (typmod < 4)
        {
            return text.ToString();
        }

        int length = typmod - 4;
        int cut = CodePointOffset(text, length);
        if (cut >= 0)
        {
            CheckOnlySpaces(text[cut..], "character", length);
            return text[..cut].ToString();
        }

        int codePoints = CountCodePoints(text);
        return string.Concat(text, new string(' ', length - codePoints));
    }

    private static void CheckOnlySpaces(ReadOnlySpan<char> excess, string typeName, int maxLength)
    {
        if (excess.ContainsAnyExcept(' '))
        {
            throw new SqlException(SqlState.StringDataRightTruncation,
                string.Create(CultureInfo.InvariantCulture, $"value too long for type {typeName}({maxLength})"));
        }
    }

    /// <summary>The UTF-16 offset just after <paramref name="count"/> code points, or -1 when the text has no more than that.</summary>
    private static int CodePointOffset(ReadOnlySpan<char> text, int count)
    {
        if (text.Length <= count)
        {
            return -1;
        }

        int i = 0;
        for (int seen = 0; seen < count; seen++)
        {
            if (i >= text.Length)
            {
                return -1;
            }

            i += char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
        }

        return i < text.Length ? i : -1;
    }

    private static int CountCodePoints(ReadOnlySpan<char> text)
    {
        int count = 0;
        for (int i = 0; i < text.Length; i++, count++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
        }

        return count;
    }

    /// <summary>namein: the text truncated to <see cref="NameMaxBytes"/> bytes of UTF-8 without splitting a character.</summary>
    private static string ParseName(ReadOnlySpan<char> text)
    {
        if (text.Length * 3 <= NameMaxBytes || Encoding.UTF8.GetByteCount(text) <= NameMaxBytes)
        {
            return text.ToString();
        }

        int bytes = 0, i = 0;
        while (i < text.Length)
        {
            int width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
            int size = Encoding.UTF8.GetByteCount(text.Slice(i, width));
            if (bytes + size > NameMaxBytes)
            {
                break;
            }

            bytes += size;
            i += width;
        }

        return text[..i].ToString();
    }

    /// <summary>
    /// charin: the first byte of the input, or the byte written as <c>\ooo</c>. A non-ASCII byte is kept as its <c>\ooo</c> text
    /// form (what charout prints); an empty input is the zero byte, held as the empty string.
    /// </summary>
    private static string ParseInternalChar(ReadOnlySpan<char> text)
    {
        if (text.Length == 4 && text[0] == '\\' && IsOctal(text[1]) && IsOctal(text[2]) && IsOctal(text[3]))
        {
            return InternalCharFromByte((byte)(((text[1] - '0') << 6) | ((text[2] - '0') << 3) | (text[3] - '0')));
        }

        if (text.IsEmpty)
        {
            return string.Empty;
        }

        if (text[0] < 0x80)
        {
            return text[..1].ToString();
        }

        Span<byte> utf8 = stackalloc byte[4];
        Encoding.UTF8.GetBytes(text[..(char.IsHighSurrogate(text[0]) && text.Length > 1 ? 2 : 1)], utf8);
        return InternalCharFromByte(utf8[0]);
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';

    private static string InternalCharFromByte(byte value) => value switch
    {
        0 => string.Empty,
        < 0x80 => ((char)value).ToString(),
        _ => string.Create(CultureInfo.InvariantCulture, $"\\{value >> 6}{(value >> 3) & 7}{value & 7}"),
    };

    private static string ReceiveInternalChar(ref BinaryValueReader reader) =>
        InternalCharFromByte(reader.Remaining == 0 ? (byte)0 : reader.ReadByte());

    private static void SendInternalChar(string value, IBufferWriter<byte> output)
    {
        string parsed = ParseInternalChar(value);
        byte b = parsed.Length switch
        {
            0 => 0,
            1 => (byte)parsed[0],
            _ => (byte)(((parsed[1] - '0') << 6) | ((parsed[2] - '0') << 3) | (parsed[3] - '0')),
        };
        WriteByte(output, b);
    }

    /// <summary>textrecv: the bytes must be valid UTF-8 without NUL (PostgreSQL's server encoding check).</summary>
    private static string ReceiveText(ref BinaryValueReader reader)
    {
        var bytes = reader.ReadRest();
        int bad = FindInvalidUtf8(bytes);
        if (bad >= 0)
        {
            ThrowInvalidUtf8(bytes[bad..]);
        }

        return Encoding.UTF8.GetString(bytes);
    }

    private static int FindInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length)
        {
            if (bytes[i] is > 0 and < 0x80)
            {
                i++;
                continue;
            }

            if (bytes[i] == 0 || Rune.DecodeFromUtf8(bytes[i..], out _, out int consumed) != OperationStatus.Done)
            {
                return i;
            }

            i += consumed;
        }

        return -1;
    }

    private static void ThrowInvalidUtf8(ReadOnlySpan<byte> rest)
    {
        byte first = rest[0];
        int length = first switch
        {
            >= 0xF0 and <= 0xF7 => 4,
            >= 0xE0 => 3,
            >= 0xC0 => 2,
            _ => 1,
        };
        length = Math.Min(length, rest.Length);
        var sb = new StringBuilder();
        for (int k = 0; k < length; k++)
        {
            sb.Append(k == 0 ? "0x" : " 0x").Append(rest[k].ToString("x2", CultureInfo.InvariantCulture));
        }

        throw new SqlException(CharacterNotInRepertoire, $"invalid byte sequence for encoding \"UTF8\": {sb}");
    }
}

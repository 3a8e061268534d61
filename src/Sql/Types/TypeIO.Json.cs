using System.Buffers;
using System.Text;
using System.Text.Json;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>
/// json (validated, kept as written) and jsonb (kept and printed in PostgreSQL's normalized form: <c>{"a": 1, "b": [1, 2]}</c>,
/// object keys ordered by length and then bytewise, the last of duplicate keys kept, numbers as numeric prints them).
/// </summary>
public static partial class TypeIO
{
    private const int JsonMaxDepth = 1000;

    private const string UntranslatableCharacter = "22P05";

    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = JsonMaxDepth };

    /// <summary>The jsonb normal form of a JSON text (what <c>'...'::jsonb::text</c> prints).</summary>
    /// <exception cref="SqlException">22P02 for invalid JSON; 22P05 for <c>\u0000</c>, which jsonb cannot hold.</exception>
    public static string NormalizeJsonb(ReadOnlySpan<char> json)
    {
        using var document = ParseJsonDocument(json);
        var output = new ArrayBufferWriter<byte>(json.Length + 16);
        WriteJsonbValue(document.RootElement, output, checkNul: true);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static string ParseJson(ReadOnlySpan<char> text)
    {
        using var document = ParseJsonDocument(text);
        return text.ToString();
    }

    private static string ParseJsonb(ReadOnlySpan<char> text) => NormalizeJsonb(text);

    private static JsonDocument ParseJsonDocument(ReadOnlySpan<char> text)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            int length = Encoding.UTF8.GetBytes(text, rented);
            return JsonDocument.Parse(rented.AsMemory(0, length), JsonOptions);
        }
        catch (JsonException)
        {
            throw new SqlException(SqlState.InvalidTextRepresentation, "invalid input syntax for type json");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void WriteJsonbText(string value, IBufferWriter<byte> output)
    {
        using var document = ParseJsonDocument(value);
        WriteJsonbValue(document.RootElement, output, checkNul: true);
    }

    private static string ReceiveJsonb(ref BinaryValueReader reader)
    {
        if (reader.Remaining == 0)
        {
            BinaryValueReader.ThrowInsufficientData();
        }

        byte version = reader.ReadByte();
        if (version != 1)
        {
            throw new SqlException(SqlState.InternalError, $"unsupported jsonb version number {version}");
        }

        return NormalizeJsonb(ReceiveText(ref reader));
    }

    private static void WriteJsonbValue(JsonElement element, IBufferWriter<byte> output, bool checkNul)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteJsonbObject(element, output, checkNul);
                break;
            case JsonValueKind.Array:
                output.Write("["u8);
                bool first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        output.Write(", "u8);
                    }

                    first = false;
                    WriteJsonbValue(item, output, checkNul);
                }

                output.Write("]"u8);
                break;
            case JsonValueKind.String:
                WriteJsonString(GetJsonString(element, checkNul), output);
                break;
            case JsonValueKind.Number:
                WriteJsonbNumber(element.GetRawText(), output);
                break;
            case JsonValueKind.True:
                output.Write("true"u8);
                break;
            case JsonValueKind.False:
                output.Write("false"u8);
                break;
            default:
                output.Write("null"u8);
                break;
        }
    }

    private static void WriteJsonbObject(JsonElement element, IBufferWriter<byte> output, bool checkNul)
    {
        // jsonb orders keys by length, then bytewise (lengthCompareJsonbString); of duplicate keys the last one wins.
        var members = new List<(byte[] Key, JsonElement Value)>();
        foreach (var property in element.EnumerateObject())
        {
            if (checkNul && property.Name.Contains('\0', StringComparison.Ordinal))
            {
                ThrowNulInJsonb();
            }

            members.Add((Encoding.UTF8.GetBytes(property.Name), property.Value));
        }

        var order = new int[members.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) =>
        {
            var (x, y) = (members[a].Key, members[b].Key);
            int c = x.Length != y.Length ? x.Length.CompareTo(y.Length) : x.AsSpan().SequenceCompareTo(y);
            return c != 0 ? c : a.CompareTo(b);
        });

        output.Write("{"u8);
        bool first = true;
        for (int k = 0; k < order.Length; k++)
        {
            int index = order[k];
            if (k + 1 < order.Length && members[order[k + 1]].Key.AsSpan().SequenceEqual(members[index].Key))
            {
                continue;
            }

            if (!first)
            {
                output.Write(", "u8);
            }

            first = false;
            WriteJsonString(Encoding.UTF8.GetString(members[index].Key), output);
            output.Write(": "u8);
            WriteJsonbValue(members[index].Value, output, checkNul);
        }

        output.Write("}"u8);
    }

    private static string GetJsonString(JsonElement element, bool checkNul)
    {
        string value;
        try
        {
            value = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new SqlException(SqlState.InvalidTextRepresentation, "invalid input syntax for type json");
        }

        if (checkNul && value.Contains('\0', StringComparison.Ordinal))
        {
            ThrowNulInJsonb();
        }

        return value;
    }

    private static void ThrowNulInJsonb() =>
        throw new SqlException(UntranslatableCharacter, "unsupported Unicode escape sequence",
            detail: "\\u0000 cannot be converted to text.");

    /// <summary>escape_json: quotes, backslashes and control characters are escaped; everything else is written as is.</summary>
    private static void WriteJsonString(string value, IBufferWriter<byte> output)
    {
        output.Write("\""u8);
        int start = 0;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c >= 0x20 && c != '"' && c != '\\')
            {
                continue;
            }

            WriteUtf8(value.AsSpan(start, i - start), output);
            start = i + 1;
            switch (c)
            {
                case '"':
                    output.Write("\\\""u8);
                    break;
                case '\\':
                    output.Write("\\\\"u8);
                    break;
                case '\b':
                    output.Write("\\b"u8);
                    break;
                case '\f':
                    output.Write("\\f"u8);
                    break;
                case '\n':
                    output.Write("\\n"u8);
                    break;
                case '\r':
                    output.Write("\\r"u8);
                    break;
                case '\t':
                    output.Write("\\t"u8);
                    break;
                default:
                    var span = output.GetSpan(6);
                    "\\u00"u8.CopyTo(span);
                    span[4] = HexDigits[c >> 4];
                    span[5] = HexDigits[c & 0xF];
                    output.Advance(6);
                    break;
            }
        }

        WriteUtf8(value.AsSpan(start), output);
        output.Write("\""u8);
    }

    /// <summary>
    /// A JSON number as jsonb keeps it: numeric_in then numeric_out, i.e. plain decimal notation with
    /// max(0, fraction digits - exponent) digits after the point (<c>1e2</c> → <c>100</c>, <c>1.50e-1</c> → <c>0.150</c>, <c>-0</c> → <c>0</c>).
    /// </summary>
    private static void WriteJsonbNumber(string raw, IBufferWriter<byte> output)
    {
        WriteUtf8(NormalizeNumericLiteral(raw), output);
    }

    internal static string NormalizeNumericLiteral(ReadOnlySpan<char> raw)
    {
        int i = 0;
        bool negative = raw[0] == '-';
        if (raw[0] is '-' or '+')
        {
            i++;
        }

        var digits = new StringBuilder(raw.Length);
        int integerDigits = 0, fractionDigits = 0;
        for (; i < raw.Length && char.IsAsciiDigit(raw[i]); i++, integerDigits++)
        {
            digits.Append(raw[i]);
        }

        if (i < raw.Length && raw[i] == '.')
        {
            for (i++; i < raw.Length && char.IsAsciiDigit(raw[i]); i++, fractionDigits++)
            {
                digits.Append(raw[i]);
            }
        }

        int exponent = 0;
        if (i < raw.Length && (raw[i] | 0x20) == 'e')
        {
            i++;
            bool negativeExponent = raw[i] == '-';
            if (raw[i] is '-' or '+')
            {
                i++;
            }

            for (; i < raw.Length; i++)
            {
                exponent = Math.Min((exponent * 10) + (raw[i] - '0'), 1_000_000);
            }

            if (exponent > 1000)
            {
                throw new SqlException(SqlState.InvalidTextRepresentation, $"invalid input syntax for type numeric: \"{raw}\"");
            }

            exponent = negativeExponent ? -exponent : exponent;
        }

        int scale = Math.Max(0, fractionDigits - exponent);
        int pointAt = integerDigits + exponent;
        var result = new StringBuilder(digits.Length + scale + 4);
        if (pointAt <= 0)
        {
            result.Append('0');
        }
        else
        {
            for (int k = 0; k < pointAt; k++)
            {
                result.Append(k < digits.Length ? digits[k] : '0');
            }
        }

        if (scale > 0)
        {
            result.Append('.');
            for (int k = 0; k < scale; k++)
            {
                int index = pointAt + k;
                result.Append(index >= 0 && index < digits.Length ? digits[index] : '0');
            }
        }

        // Strip leading zeros of the integer part, keeping one.
        int lead = 0;
        while (lead < result.Length - 1 && result[lead] == '0' && result[lead + 1] != '.')
        {
            lead++;
        }

        string text = result.ToString(lead, result.Length - lead);
        bool nonZero = text.AsSpan().IndexOfAnyInRange('1', '9') >= 0;
        return negative && nonZero ? "-" + text : text;
    }
}

using System.Buffers;
using System.Globalization;
using System.Numerics;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

public static partial class TypeIO
{
    private const NumberStyles FloatTokenStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>C's <c>isspace</c> in the C locale, which PostgreSQL's number and vector input functions skip.</summary>
    internal static bool IsCSpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f';

    internal static ReadOnlySpan<char> TrimCSpace(ReadOnlySpan<char> text)
    {
        int start = 0, end = text.Length;
        while (start < end && IsCSpace(text[start]))
        {
            start++;
        }

        while (end > start && IsCSpace(text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }

    /// <summary>boolin: t/true/yes/on/1 and f/false/no/off/0, any unambiguous prefix, case-insensitive, surrounding whitespace ignored.</summary>
    private static bool ParseBool(ReadOnlySpan<char> text)
    {
        var s = TrimCSpace(text);
        if (s.Length > 0)
        {
            switch (char.ToLowerInvariant(s[0]))
            {
                case 't' when IsPrefixOf(s, "true", 1):
                case 'y' when IsPrefixOf(s, "yes", 1):
                case 'o' when IsPrefixOf(s, "on", 2):
                case '1' when s.Length == 1:
                    return true;
                case 'f' when IsPrefixOf(s, "false", 1):
                case 'n' when IsPrefixOf(s, "no", 1):
                case 'o' when IsPrefixOf(s, "off", 2):
                case '0' when s.Length == 1:
                    return false;
            }
        }

        ThrowInvalidText("boolean", text);
        return false;
    }

    private static bool IsPrefixOf(ReadOnlySpan<char> s, string word, int minLength) =>
        s.Length >= minLength && s.Length <= word.Length && s.Equals(word.AsSpan(0, s.Length), StringComparison.OrdinalIgnoreCase);

    private static short ParseInt2(ReadOnlySpan<char> text) => (short)ParseInteger(text, short.MinValue, short.MaxValue, "smallint");

    private static int ParseInt4(ReadOnlySpan<char> text) => (int)ParseInteger(text, int.MinValue, int.MaxValue, "integer");

    private static long ParseInt8(ReadOnlySpan<char> text) => ParseInteger(text, long.MinValue, long.MaxValue, "bigint");

    /// <summary>oidin accepts what <c>strtoul</c> does within 32 bits, so <c>-1</c> is 4294967295.</summary>
    private static uint ParseOid(ReadOnlySpan<char> text) => unchecked((uint)ParseInteger(text, int.MinValue, uint.MaxValue, "oid"));

    /// <summary>PostgreSQL 15's <c>pg_strtoint*</c>: optional whitespace, sign, decimal digits, optional whitespace.</summary>
    private static long ParseInteger(ReadOnlySpan<char> text, long min, long max, string typeName)
    {
        var s = TrimCSpace(text);
        int i = 0;
        bool negative = false;
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            i++;
        }

        if (i == s.Length)
        {
            ThrowInvalidText(typeName, text);
        }

        ulong magnitude = 0;
        bool overflow = false;
        for (; i < s.Length; i++)
        {
            uint digit = (uint)(s[i] - '0');
            if (digit > 9)
            {
                ThrowInvalidText(typeName, text);
            }

            if (magnitude > (ulong.MaxValue - digit) / 10)
            {
                overflow = true;
            }
            else
            {
                magnitude = (magnitude * 10) + digit;
            }
        }

        if (!overflow)
        {
            if (negative && magnitude <= (ulong)-(min + 1) + 1)
            {
                return magnitude == 0 ? 0 : -(long)(magnitude - 1) - 1;
            }

            if (!negative && magnitude <= (ulong)max)
            {
                return (long)magnitude;
            }
        }

        throw new SqlException(SqlState.NumericValueOutOfRange, $"value \"{text}\" is out of range for type {typeName}");
    }

    private static float ParseFloat4(ReadOnlySpan<char> text) => ParseFloat<float>(text, "real");

    private static double ParseFloat8(ReadOnlySpan<char> text) => ParseFloat<double>(text, "double precision");

    /// <summary>float4in / float8in: <c>strtof</c>/<c>strtod</c> over the trimmed text; overflow and underflow to zero are 22003.</summary>
    private static T ParseFloat<T>(ReadOnlySpan<char> text, string typeName)
        where T : IBinaryFloatingPointIeee754<T>
    {
        var s = TrimCSpace(text);
        T value = T.Zero;
        bool outOfRange = false;
        if (s.IsEmpty || ScanFloat(s, out value, out outOfRange) != s.Length)
        {
            ThrowInvalidText(typeName, text);
        }

        if (outOfRange)
        {
            throw new SqlException(SqlState.NumericValueOutOfRange, $"\"{s}\" is out of range for type {typeName}");
        }

        return value;
    }

    /// <summary>
    /// <c>strtod</c>'s grammar without hexadecimal forms: an optional sign, then <c>inf</c>, <c>infinity</c> or <c>nan</c>
    /// (any case) or decimal digits with an optional point and exponent. Returns the length of the longest valid prefix (0 when
    /// there is none). <paramref name="outOfRange"/> is set, as <c>errno == ERANGE</c>, when a finite literal overflows or a
    /// non-zero literal underflows to zero.
    /// </summary>
    internal static int ScanFloat<T>(ReadOnlySpan<char> s, out T value, out bool outOfRange)
        where T : IBinaryFloatingPointIeee754<T>
    {
        value = T.Zero;
        outOfRange = false;
        int i = 0;
        bool negative = false;
        if (i < s.Length && s[i] is '+' or '-')
        {
            negative = s[i] == '-';
            i++;
        }

        if (i < s.Length && (s[i] | 0x20) is 'i' or 'n')
        {
            var rest = s[i..];
            if (rest.StartsWith("infinity", StringComparison.OrdinalIgnoreCase))
            {
                value = negative ? T.NegativeInfinity : T.PositiveInfinity;
                return i + 8;
            }

            if (rest.StartsWith("inf", StringComparison.OrdinalIgnoreCase))
            {
                value = negative ? T.NegativeInfinity : T.PositiveInfinity;
                return i + 3;
            }

            if (rest.StartsWith("nan", StringComparison.OrdinalIgnoreCase))
            {
                value = T.NaN;
                return i + 3;
            }

            return 0;
        }

        int digits = 0;
        bool nonZero = false;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            digits++;
            nonZero |= s[i] != '0';
        }

        if (i < s.Length && s[i] == '.')
        {
            i++;
            for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
            {
                digits++;
                nonZero |= s[i] != '0';
            }
        }

        if (digits == 0)
        {
            return 0;
        }

        if (i < s.Length && (s[i] | 0x20) == 'e')
        {
            int j = i + 1;
            if (j < s.Length && s[j] is '+' or '-')
            {
                j++;
            }

            if (j < s.Length && char.IsAsciiDigit(s[j]))
            {
                while (j < s.Length && char.IsAsciiDigit(s[j]))
                {
                    j++;
                }

                i = j;
            }
        }

        value = T.Parse(s[..i], FloatTokenStyle, CultureInfo.InvariantCulture);
        outOfRange = T.IsInfinity(value) || (nonZero && T.IsZero(value));
        return i;
    }

    private static void WriteFloat4(float value, IBufferWriter<byte> output)
    {
        int written = ShortestFloat.Format(value, output.GetSpan(ShortestFloat.MaxLength));
        output.Advance(written);
    }

    private static void WriteFloat8(double value, IBufferWriter<byte> output)
    {
        int written = ShortestFloat.Format(value, output.GetSpan(ShortestFloat.MaxLength));
        output.Advance(written);
    }
}

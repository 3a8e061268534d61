using System.Globalization;
using System.Numerics;
using System.Text;

namespace AnnSql.Sql.Types;

/// <summary>
/// PostgreSQL's float output (<c>float4out</c>/<c>float8out</c> with the default <c>extra_float_digits = 1</c>, and pgvector's
/// element output): Ryu's shortest digits (src/common/f2s.c, d2s.c) printed in fixed notation when the decimal exponent is in
/// [-4, 6) for float4 or [-4, 15) for float8, otherwise as <c>d.ddde+XX</c> (at least two exponent digits).
/// </summary>
/// <remarks>
/// .NET's <c>"R"</c> format gives the shortest digits that round-trip, which is what Ryu gives, with one difference: PostgreSQL
/// builds Ryu without <c>STRICTLY_SHORTEST</c>, so a decimal lying exactly halfway between the value and its neighbour is not
/// accepted even though round-half-even parsing would map it back (e.g. float4 207375392 prints as <c>2.0737539e+08</c>, not
/// <c>2.073754e+08</c>). Such ties can only end in the digit 5 or be integers beyond 2^24 (2^53 for float8); those candidates are
/// checked exactly and, when they are ties, the next longer correctly rounded form is used.
/// </remarks>
internal static class ShortestFloat
{
    /// <summary>Longest output: <c>-1.7976931348623157e+308</c> is 24 bytes.</summary>
    public const int MaxLength = 26;

    public static int Format(float value, Span<byte> destination)
    {
        if (!float.IsFinite(value) || value == 0)
        {
            return FormatSpecial(value, destination);
        }

        Span<byte> text = stackalloc byte[32];
        value.TryFormat(text, out int length, "R", CultureInfo.InvariantCulture);
        Span<byte> digits = stackalloc byte[32];
        int count = Digits(text[..length], digits, out int exponent);
        if ((digits[count - 1] == '5' || MathF.Abs(value) >= 16777216f) && IsFloatTie(value, text[..length]))
        {
            for (int precision = count + 1; precision <= 9; precision++)
            {
                value.TryFormat(text, out length, FixedFormats[precision - 1], CultureInfo.InvariantCulture);
                if (float.Parse(text[..length], NumberStyles.Float, CultureInfo.InvariantCulture) == value
                    && !IsFloatTie(value, text[..length]))
                {
                    break;
                }
            }

            count = Digits(text[..length], digits, out exponent);
        }

        return Layout(value < 0, digits[..count], exponent, 6, destination);
    }

    public static int Format(double value, Span<byte> destination)
    {
        if (!double.IsFinite(value) || value == 0)
        {
            return FormatSpecial(value, destination);
        }

        Span<byte> text = stackalloc byte[40];
        value.TryFormat(text, out int length, "R", CultureInfo.InvariantCulture);
        Span<byte> digits = stackalloc byte[40];
        int count = Digits(text[..length], digits, out int exponent);
        if ((digits[count - 1] == '5' || Math.Abs(value) >= 9007199254740992d) && IsDoubleTie(value, text[..length]))
        {
            for (int precision = count + 1; precision <= 17; precision++)
            {
                value.TryFormat(text, out length, FixedFormats[precision - 1], CultureInfo.InvariantCulture);
                if (double.Parse(text[..length], NumberStyles.Float, CultureInfo.InvariantCulture) == value
                    && !IsDoubleTie(value, text[..length]))
                {
                    break;
                }
            }

            count = Digits(text[..length], digits, out exponent);
        }

        return Layout(value < 0, digits[..count], exponent, 15, destination);
    }

    private static readonly string[] FixedFormats =
        ["E0", "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10", "E11", "E12", "E13", "E14", "E15", "E16"];

    private static int FormatSpecial(double value, Span<byte> destination)
    {
        ReadOnlySpan<byte> text = double.IsNaN(value) ? "NaN"u8
            : double.IsPositiveInfinity(value) ? "Infinity"u8
            : double.IsNegativeInfinity(value) ? "-Infinity"u8
            : double.IsNegative(value) ? "-0"u8
            : "0"u8;
        text.CopyTo(destination);
        return text.Length;
    }

    /// <summary>Whether the decimal <paramref name="text"/> is exactly halfway between <paramref name="value"/> and a neighbour.</summary>
    private static bool IsFloatTie(float value, ReadOnlySpan<byte> text)
    {
        // Midpoints of adjacent floats are exact in double, and an exact midpoint parses to exactly that double.
        double parsed = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        float below = MathF.BitDecrement(value), above = MathF.BitIncrement(value);
        double low = ((double)value + below) / 2;
        double high = float.IsInfinity(above) ? value + (((double)value - below) / 2) : ((double)value + above) / 2;
        return (parsed == low || parsed == high) && ExactlyEquals(text, parsed);
    }

    private static bool IsDoubleTie(double value, ReadOnlySpan<byte> text)
    {
        double below = Math.BitDecrement(value), above = Math.BitIncrement(value);
        var (num, den) = Exact(text);
        var (vn, vd) = Exact(value);
        var (bn, bd) = Exact(below);
        var (an, ad) = double.IsInfinity(above) ? (vn, vd) : Exact(above);
        if (double.IsInfinity(above))
        {
            // The largest double: the upper gap is taken to be as wide as the lower one.
            an = (2 * vn * bd) - (bn * vd);
            ad = vd * bd;
        }

        // text == (value + neighbour) / 2  <=>  2 * text * vd * nd == (vn * nd + nn * vd) * den
        return IsMidpoint(num, den, vn, vd, bn, bd) || IsMidpoint(num, den, vn, vd, an, ad);
    }

    private static bool IsMidpoint(BigInteger num, BigInteger den, BigInteger vn, BigInteger vd, BigInteger nn, BigInteger nd) =>
        2 * num * vd * nd == ((vn * nd) + (nn * vd)) * den;

    private static bool ExactlyEquals(ReadOnlySpan<byte> text, double value)
    {
        var (num, den) = Exact(text);
        var (vn, vd) = Exact(value);
        return num * vd == vn * den;
    }

    /// <summary>The exact rational value of a finite double.</summary>
    private static (BigInteger Numerator, BigInteger Denominator) Exact(double value)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        int rawExponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        int exponent;
        if (rawExponent == 0)
        {
            exponent = -1074;
        }
        else
        {
            mantissa |= 1L << 52;
            exponent = rawExponent - 1075;
        }

        var numerator = new BigInteger(bits < 0 ? -mantissa : mantissa);
        return exponent >= 0 ? (numerator << exponent, BigInteger.One) : (numerator, BigInteger.One << -exponent);
    }

    /// <summary>The exact rational value of a decimal literal in .NET's round-trip or exponent format.</summary>
    private static (BigInteger Numerator, BigInteger Denominator) Exact(ReadOnlySpan<byte> text)
    {
        Span<byte> digits = stackalloc byte[40];
        int count = Digits(text, digits, out int exponent);
        var numerator = BigInteger.Parse(Encoding.ASCII.GetString(digits[..count]), CultureInfo.InvariantCulture);
        if (text[0] == '-')
        {
            numerator = -numerator;
        }

        int scale = exponent - (count - 1);
        return scale >= 0
            ? (numerator * BigInteger.Pow(10, scale), BigInteger.One)
            : (numerator, BigInteger.Pow(10, -scale));
    }

    /// <summary>
    /// The significant digits of .NET's text (<c>1.5E-05</c>, <c>123.25</c>, <c>1E+20</c>) without leading or trailing zeros,
    /// and the decimal exponent of the first of them.
    /// </summary>
    private static int Digits(ReadOnlySpan<byte> text, Span<byte> digits, out int decimalExponent)
    {
        int count = 0, pointAt = -1, exponent = 0, i = text[0] == '-' ? 1 : 0;
        for (; i < text.Length; i++)
        {
            byte c = text[i];
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                digits[count++] = c;
            }
            else if (c == '.')
            {
                pointAt = count;
            }
            else if (c is (byte)'E' or (byte)'e')
            {
                int sign = 1;
                i++;
                if (text[i] == '-')
                {
                    sign = -1;
                    i++;
                }
                else if (text[i] == '+')
                {
                    i++;
                }

                for (; i < text.Length; i++)
                {
                    exponent = (exponent * 10) + (text[i] - '0');
                }

                exponent *= sign;
            }
        }

        if (pointAt < 0)
        {
            pointAt = count;
        }

        int first = 0;
        while (first < count - 1 && digits[first] == '0')
        {
            first++;
        }

        while (count > first + 1 && digits[count - 1] == '0')
        {
            count--;
        }

        decimalExponent = pointAt - first - 1 + exponent;
        if (first > 0)
        {
            digits[first..count].CopyTo(digits);
            count -= first;
        }

        return count;
    }

    private static int Layout(bool negative, ReadOnlySpan<byte> significant, int decimalExponent, int fixedExponentLimit,
        Span<byte> destination)
    {
        int n = 0;
        if (negative)
        {
            destination[n++] = (byte)'-';
        }
        if (decimalExponent >= -4 && decimalExponent < fixedExponentLimit)
        {
            if (decimalExponent < 0)
            {
                destination[n++] = (byte)'0';
                destination[n++] = (byte)'.';
                for (int z = -1; z > decimalExponent; z--)
                {
                    destination[n++] = (byte)'0';
                }

                significant.CopyTo(destination[n..]);
                n += significant.Length;
            }
            else if (significant.Length <= decimalExponent + 1)
            {
                significant.CopyTo(destination[n..]);
                n += significant.Length;
                for (int z = significant.Length; z <= decimalExponent; z++)
                {
                    destination[n++] = (byte)'0';
                }
            }
            else
            {
                significant[..(decimalExponent + 1)].CopyTo(destination[n..]);
                n += decimalExponent + 1;
                destination[n++] = (byte)'.';
                significant[(decimalExponent + 1)..].CopyTo(destination[n..]);
                n += significant.Length - decimalExponent - 1;
            }

            return n;
        }

        destination[n++] = significant[0];
        if (significant.Length > 1)
        {
            destination[n++] = (byte)'.';
            significant[1..].CopyTo(destination[n..]);
            n += significant.Length - 1;
        }

        destination[n++] = (byte)'e';
        destination[n++] = decimalExponent < 0 ? (byte)'-' : (byte)'+';
        int magnitude = Math.Abs(decimalExponent);
        if (magnitude >= 100)
        {
            destination[n++] = (byte)('0' + (magnitude / 100));
            magnitude %= 100;
        }

        destination[n++] = (byte)('0' + (magnitude / 10));
        destination[n++] = (byte)('0' + (magnitude % 10));
        return n;
    }
}

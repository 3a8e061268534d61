using System.Buffers;
using System.Globalization;
using System.Numerics;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>
/// numeric over <see cref="decimal"/>: PostgreSQL's text syntax and display scale, the typmod's rounding and overflow check, and
/// the base-10000 binary format (ndigits, weight, sign, dscale, digits).
/// </summary>
/// <remarks>
/// A decimal holds 28-29 significant digits and at most 28 fractional digits; input beyond that is rounded (half away from zero,
/// as PostgreSQL rounds) and input beyond its range is 22003. NaN and ±Infinity, which PostgreSQL 15's numeric has, cannot be
/// represented and are rejected with 0A000.
/// </remarks>
public static partial class TypeIO
{
    private const int NumericPositive = 0x0000, NumericNegative = 0x4000, NumericNaN = 0xC000, NumericPositiveInfinity = 0xD000,
        NumericNegativeInfinity = 0xF000;

    private static readonly BigInteger DecimalMaxMantissa = (BigInteger.One << 96) - 1;

    private static decimal ParseNumeric(ReadOnlySpan<char> text, int typmod)
    {
        var s = TrimCSpace(text);
        int i = 0;
        bool negative = false;
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            i++;
        }

        var rest = s[i..];
        if (rest.Equals("NaN", StringComparison.OrdinalIgnoreCase) || rest.Equals("Infinity", StringComparison.OrdinalIgnoreCase)
            || rest.Equals("inf", StringComparison.OrdinalIgnoreCase))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"numeric value \"{s}\" cannot be represented");
        }

        BigInteger mantissa = BigInteger.Zero;
        int digits = 0, fractionDigits = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++, digits++)
        {
            mantissa = (mantissa * 10) + (s[i] - '0');
        }

        if (i < s.Length && s[i] == '.')
        {
            for (i++; i < s.Length && char.IsAsciiDigit(s[i]); i++, digits++, fractionDigits++)
            {
                mantissa = (mantissa * 10) + (s[i] - '0');
            }
        }

        if (digits == 0)
        {
            ThrowInvalidText("numeric", text);
        }

        long exponent = 0;
        if (i < s.Length && (s[i] | 0x20) == 'e')
        {
            i++;
            bool negativeExponent = false;
            if (i < s.Length && s[i] is '+' or '-')
            {
                negativeExponent = s[i] == '-';
                i++;
            }

            int start = i;
            for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
            {
                exponent = Math.Min((exponent * 10) + (s[i] - '0'), 1_000_000);
            }

            if (i == start)
            {
                ThrowInvalidText("numeric", text);
            }

            if (exponent > 1000)
            {
                throw InvalidText("numeric", text);
            }

            exponent = negativeExponent ? -exponent : exponent;
        }

        if (i != s.Length)
        {
            ThrowInvalidText("numeric", text);
        }

        long scale = fractionDigits - exponent;
        if (scale < 0)
        {
            mantissa *= BigInteger.Pow(10, (int)-scale);
            scale = 0;
        }

        decimal value = MakeDecimal(negative ? -mantissa : mantissa, (int)scale);
        return ApplyNumericTypmod(value, typmod);
    }

    /// <summary>mantissa × 10^-scale as a decimal, rounding away fractional digits that do not fit.</summary>
    private static decimal MakeDecimal(BigInteger mantissa, int scale)
    {
        while (scale > 0 && (scale > 28 || BigInteger.Abs(mantissa) > DecimalMaxMantissa))
        {
            var quotient = BigInteger.DivRem(mantissa, 10, out var remainder);
            if (BigInteger.Abs(remainder) >= 5)
            {
                quotient += mantissa.Sign;
            }

            mantissa = quotient;
            scale--;
        }

        var magnitude = BigInteger.Abs(mantissa);
        if (magnitude > DecimalMaxMantissa)
        {
            throw new SqlException(SqlState.NumericValueOutOfRange, "value overflows numeric format");
        }

        return new decimal((int)(uint)(magnitude & uint.MaxValue), (int)(uint)((magnitude >> 32) & uint.MaxValue),
            (int)(uint)((magnitude >> 64) & uint.MaxValue), mantissa.Sign < 0, (byte)scale);
    }

    /// <summary>apply_typmod: round to the scale, then require fewer than precision - scale integer digits.</summary>
    private static decimal ApplyNumericTypmod(decimal value, int typmod)
    {
        if (typmod < 4)
        {
            return value;
        }

        int precision = ((typmod - 4) >> 16) & 0xffff;
        int scale = (((typmod - 4) & 0x7ff) ^ 1024) - 1024;
        decimal rounded;
        if (scale >= 0)
        {
            int digits = Math.Min(scale, 28);
            rounded = decimal.Round(value, digits, MidpointRounding.AwayFromZero);
            rounded += new decimal(0, 0, 0, false, (byte)digits);
        }
        else
        {
            decimal factor = Pow10(-scale);
            rounded = decimal.Round(decimal.Round(value / factor, 0, MidpointRounding.AwayFromZero) * factor, 0);
        }

        int maxDigits = precision - scale;
        if (rounded != 0 && IntegerDigits(rounded) > maxDigits)
        {
            string limit = maxDigits != 0 ? string.Create(CultureInfo.InvariantCulture, $"10^{maxDigits}") : "1";
            throw new SqlException(SqlState.NumericValueOutOfRange, "numeric field overflow",
                detail: string.Create(CultureInfo.InvariantCulture,
                    $"A field with precision {precision}, scale {scale} must round to an absolute value less than {limit}."));
        }

        return rounded;
    }

    private static decimal Pow10(int exponent)
    {
        decimal result = 1;
        for (int i = 0; i < exponent && i < 28; i++)
        {
            result *= 10;
        }

        return result;
    }

    /// <summary>The decimal exponent of the first significant digit plus one (1 for 1..9, 0 for 0.1..0.9, -1 for 0.01..).</summary>
    private static int IntegerDigits(decimal value)
    {
        value = Math.Abs(value);
        int digits = 0;
        if (value >= 1)
        {
            for (decimal v = decimal.Truncate(value); v >= 1; v = decimal.Truncate(v / 10))
            {
                digits++;
            }

            return digits;
        }

        while (value < 0.1m)
        {
            value *= 10;
            digits--;
        }

        return digits;
    }

    private static void WriteNumericText(decimal value, IBufferWriter<byte> output)
    {
        if (value == 0 && decimal.IsNegative(value))
        {
            value = new decimal(0, 0, 0, false, value.Scale);
        }

        var span = output.GetSpan(40);
        value.TryFormat(span, out int written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    private static void SendNumeric(decimal value, IBufferWriter<byte> output)
    {
        int scale = value.Scale;
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var mantissa = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);

        // Align the decimal point on a base-10000 digit boundary, then split into digits, least significant first.
        int fractionGroups = (scale + 3) / 4;
        mantissa *= BigInteger.Pow(10, (4 * fractionGroups) - scale);
        Span<short> groups = stackalloc short[16];
        int count = 0;
        while (!mantissa.IsZero)
        {
            mantissa = BigInteger.DivRem(mantissa, 10000, out var group);
            groups[count++] = (short)group;
        }

        int weight = count - 1 - fractionGroups;
        int first = 0;
        while (first < count && groups[first] == 0)
        {
            first++;
        }

        if (first == count)
        {
            // Zero: no digits, weight 0, positive.
            weight = 0;
        }

        WriteInt16BigEndian(output, (short)(count - first));
        WriteInt16BigEndian(output, (short)weight);
        WriteInt16BigEndian(output, (short)(value < 0 ? NumericNegative : NumericPositive));
        WriteInt16BigEndian(output, (short)scale);
        for (int i = count - 1; i >= first; i--)
        {
            WriteInt16BigEndian(output, groups[i]);
        }
    }

    private static decimal ReceiveNumeric(ref BinaryValueReader reader, int typmod)
    {
        int ndigits = (ushort)reader.ReadInt16();
        int weight = reader.ReadInt16();
        int sign = (ushort)reader.ReadInt16();
        int dscale = (ushort)reader.ReadInt16();
        if (sign is NumericNaN or NumericPositiveInfinity or NumericNegativeInfinity)
        {
            string name = sign == NumericNaN ? "NaN" : sign == NumericPositiveInfinity ? "Infinity" : "-Infinity";
            throw new SqlException(SqlState.FeatureNotSupported, $"numeric value \"{name}\" cannot be represented");
        }

        if (sign is not (NumericPositive or NumericNegative))
        {
            throw new SqlException(SqlState.InvalidBinaryRepresentation, "invalid sign in external \"numeric\" value");
        }

        if ((dscale & 0x3FFF) != dscale)
        {
            throw new SqlException(SqlState.InvalidBinaryRepresentation, "invalid scale in external \"numeric\" value");
        }

        BigInteger mantissa = BigInteger.Zero;
        for (int i = 0; i < ndigits; i++)
        {
            int digit = reader.ReadInt16();
            if (digit is < 0 or >= 10000)
            {
                throw new SqlException(SqlState.InvalidBinaryRepresentation, "invalid digit in external \"numeric\" value");
            }

            mantissa = (mantissa * 10000) + digit;
        }

        // value = mantissa × 10^exponent; digits beyond dscale are truncated as numeric_recv does.
        int exponent = 4 * (weight - ndigits + 1);
        if (-exponent > dscale)
        {
            mantissa /= BigInteger.Pow(10, -exponent - dscale);
        }
        else
        {
            mantissa *= BigInteger.Pow(10, exponent + dscale);
        }

        decimal value = MakeDecimal(sign == NumericNegative ? -mantissa : mantissa, dscale);
        return ApplyNumericTypmod(value, typmod);
    }
}

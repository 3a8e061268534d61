using AnnSql.Sql.Errors;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Functions;

/// <summary>Numeric operators with PostgreSQL's result types and overflow/division errors (22003, 22012).</summary>
public static class Arithmetic
{
    /// <summary>Widening order of numeric kinds: int2 &lt; int4 &lt; int8 &lt; numeric &lt; float4 &lt; float8.</summary>
    public static int Rank(SqlType t) => t.Kind switch
    {
        SqlTypeKind.Int2 => 1,
        SqlTypeKind.Int4 or SqlTypeKind.Oid => 2,
        SqlTypeKind.Int8 => 3,
        SqlTypeKind.Numeric => 4,
        SqlTypeKind.Float4 => 5,
        SqlTypeKind.Float8 => 6,
        _ => 0,
    };

    public static SqlType ResultType(SqlType a, SqlType b)
    {
        var r = Rank(a) >= Rank(b) ? a : b;
        // real combines only with real: with an integer or numeric operand PostgreSQL picks the float8 operator.
        if (r.Kind == SqlTypeKind.Float4 && (a.Kind != SqlTypeKind.Float4 || b.Kind != SqlTypeKind.Float4))
        {
            return SqlType.Float8;
        }

        return r.Kind == SqlTypeKind.Oid ? SqlType.Int8 : r.WithoutModifier();
    }

    public static object Apply(char op, object a, object b, SqlType type)
    {
        switch (type.Kind)
        {
            case SqlTypeKind.Int2:
            case SqlTypeKind.Int4:
            case SqlTypeKind.Int8:
                long x = SqlValues.ToInt64(a), y = SqlValues.ToInt64(b);
                long r;
                try
                {
                    r = op switch
                    {
                        '+' => checked(x + y),
                        '-' => checked(x - y),
                        '*' => checked(x * y),
                        '/' => y == 0 ? throw DivisionByZero() : x == long.MinValue && y == -1 ? throw new OverflowException() : x / y,
                        '%' => y == 0 ? throw DivisionByZero() : y == -1 ? 0 : x % y,
                        _ => throw new InvalidOperationException(),
                    };
                }
                catch (OverflowException)
                {
                    throw Casts.OutOfRange(IntName(type.Kind));
                }

                return type.Kind switch
                {
                    SqlTypeKind.Int2 => r is < short.MinValue or > short.MaxValue ? throw Casts.OutOfRange("smallint") : (short)r,
                    SqlTypeKind.Int4 => r is < int.MinValue or > int.MaxValue ? throw Casts.OutOfRange("integer") : (int)r,
                    _ => r,
                };
            case SqlTypeKind.Numeric:
                decimal m = SqlValues.ToDecimal(a), n = SqlValues.ToDecimal(b);
                try
                {
                    return op switch
                    {
                        '+' => m + n,
                        '-' => m - n,
                        '*' => m * n,
                        '/' => n == 0 ? throw DivisionByZero() : DivideNumeric(m, n),
                        '%' => n == 0 ? throw DivisionByZero() : m % n,
                        _ => throw new InvalidOperationException(),
                    };
                }
                catch (OverflowException)
                {
                    throw new SqlException(SqlState.NumericValueOutOfRange, "value overflows numeric format");
                }

            default:
                double d = SqlValues.ToDouble(a), e = SqlValues.ToDouble(b);
                double v = op switch
                {
                    '+' => d + e,
                    '-' => d - e,
                    '*' => d * e,
                    '/' => e == 0 ? throw DivisionByZero() : d / e,
                    '%' => e == 0 ? throw DivisionByZero() : Math.IEEERemainder(d, e),
                    _ => throw new InvalidOperationException(),
                };
                if (double.IsInfinity(v) && !double.IsInfinity(d) && !double.IsInfinity(e))
                {
                    throw new SqlException(SqlState.NumericValueOutOfRange, "value out of range: overflow");
                }

                if (v == 0 && d != 0 && ((op == '*' && e != 0) || (op == '/' && !double.IsInfinity(e))))
                {
                    throw new SqlException(SqlState.NumericValueOutOfRange, "value out of range: underflow");
                }

                return type.Kind == SqlTypeKind.Float4 ? (float)v : v;
        }
    }

    private static string IntName(SqlTypeKind k) => k switch
    {
        SqlTypeKind.Int2 => "smallint",
        SqlTypeKind.Int4 => "integer",
        _ => "bigint",
    };

    /// <summary>
    /// numeric division with PostgreSQL's result scale (select_div_scale in numeric.c): at least 16 significant digits,
    /// and no fewer decimals than either input, so <c>10::numeric / 4</c> is 2.5000000000000000 and <c>avg</c> of
    /// integers shows 16 decimals. Rounds half away from zero; limited to the 28 decimals a <see cref="decimal"/> holds.
    /// </summary>
    /// <exception cref="SqlException">22012 when <paramref name="divisor"/> is zero.</exception>
    public static decimal DivideNumeric(decimal dividend, decimal divisor)
    {
        if (divisor == 0)
        {
            throw DivisionByZero();
        }

        var (weight1, first1) = Base10000Lead(dividend);
        var (weight2, first2) = Base10000Lead(divisor);
        int qweight = weight1 - weight2;
        if (first1 <= first2)
        {
            qweight--;
        }

        int scale = Math.Max(16 - (qweight * 4), Math.Max(dividend.Scale, divisor.Scale));
        scale = Math.Clamp(scale, 0, 28);
        decimal q = Math.Round(dividend / divisor, scale, MidpointRounding.AwayFromZero);
        return q.Scale < scale ? WithScale(q, scale) : q;
    }

    /// <summary>Pads <paramref name="value"/> with trailing zero decimals up to <paramref name="scale"/> where it has room.</summary>
    private static decimal WithScale(decimal value, int scale)
    {
        // Multiplying by 1 written with k decimals adds k to the scale (rounded back when the digits do not fit).
        var one = new decimal(1, 0, 0, false, 0);
        for (int k = value.Scale; k < scale; k++)
        {
            one *= 1.0m;
        }

        try
        {
            return value * one;
        }
        catch (OverflowException)
        {
            return value;
        }
    }

    /// <summary>The weight (position of the leading base-10000 digit) and that digit, as numeric.c stores a value.</summary>
    private static (int Weight, int First) Base10000Lead(decimal value)
    {
        decimal a = Math.Abs(value);
        if (a == 0)
        {
            return (0, 0);
        }

        int weight = 0;
        while (a >= 10000)
        {
            a /= 10000;
            weight++;
        }

        while (a < 1)
        {
            a *= 10000;
            weight--;
        }

        return (weight, (int)decimal.Truncate(a));
    }

    public static SqlException DivisionByZero() => new(SqlState.DivisionByZero, "division by zero");

    public static object Negate(object v, SqlType type) => v switch
    {
        int i => i == int.MinValue ? throw Casts.OutOfRange("integer") : -i,
        long l => l == long.MinValue ? throw Casts.OutOfRange("bigint") : -l,
        short s => s == short.MinValue ? throw Casts.OutOfRange("smallint") : (short)-s,
        double d => -d,
        float f => -f,
        decimal m => -m,
        TimeSpan t => -t,
        _ => throw new SqlException(SqlState.UndefinedFunction, $"operator does not exist: - {type.DisplayName}"),
    };

    public static object Abs(object v) => v switch
    {
        int i => i == int.MinValue ? throw Casts.OutOfRange("integer") : Math.Abs(i),
        long l => l == long.MinValue ? throw Casts.OutOfRange("bigint") : Math.Abs(l),
        short s => (short)Math.Abs(s),
        double d => Math.Abs(d),
        float f => Math.Abs(f),
        decimal m => Math.Abs(m),
        _ => throw new SqlException(SqlState.UndefinedFunction, "function abs does not exist"),
    };
}

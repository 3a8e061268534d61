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
        if (r.Kind == SqlTypeKind.Float4 && (a.Kind == SqlTypeKind.Numeric || b.Kind == SqlTypeKind.Numeric))
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
                        '/' => n == 0 ? throw DivisionByZero() : m / n,
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

                return type.Kind == SqlTypeKind.Float4 ? (float)v : v;
        }
    }

    private static string IntName(SqlTypeKind k) => k switch
    {
        SqlTypeKind.Int2 => "smallint",
        SqlTypeKind.Int4 => "integer",
        _ => "bigint",
    };

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

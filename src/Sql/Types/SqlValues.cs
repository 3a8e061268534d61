using System.Globalization;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>
/// Comparison, hashing and conversion of engine values (CLR representations fixed by <see cref="SqlType"/>), following
/// PostgreSQL's semantics: NULL handling is the caller's; numbers compare across kinds; text compares by code point
/// (the "C" collation); NaN sorts above every other float as in PostgreSQL.
/// </summary>
public static class SqlValues
{
    /// <summary>Orders two non-null values of comparable types; throws 42883 when the types cannot be compared.</summary>
    public static int Compare(object a, object b)
    {
        switch (a)
        {
            case string sa when b is string sb:
                return string.CompareOrdinal(sa, sb);
            case bool ba when b is bool bb:
                return ba.CompareTo(bb);
            case int ia when b is int ib:
                return ia.CompareTo(ib);
            case long la when b is long lb:
                return la.CompareTo(lb);
            case double da when b is double db:
                return CompareDouble(da, db);
        }

        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double or float || b is double or float)
            {
                return CompareDouble(ToDouble(a), ToDouble(b));
            }

            if (a is decimal || b is decimal)
            {
                return ToDecimal(a).CompareTo(ToDecimal(b));
            }

            return ToInt64(a).CompareTo(ToInt64(b));
        }

        return (a, b) switch
        {
            (Guid x, Guid y) => CompareGuid(x, y),
            (DateTime x, DateTime y) => x.Ticks.CompareTo(y.Ticks),
            (DateOnly x, DateOnly y) => x.CompareTo(y),
            (DateOnly x, DateTime y) => x.ToDateTime(TimeOnly.MinValue).Ticks.CompareTo(y.Ticks),
            (DateTime x, DateOnly y) => x.Ticks.CompareTo(y.ToDateTime(TimeOnly.MinValue).Ticks),
            (TimeSpan x, TimeSpan y) => x.CompareTo(y),
            (byte[] x, byte[] y) => x.AsSpan().SequenceCompareTo(y),
            (float[] x, float[] y) => CompareVectors(x, y),
            (Half[] x, Half[] y) => CompareHalfVectors(x, y),
            (BitString x, BitString y) => CompareBits(x, y),
            (object?[] x, object?[] y) => CompareArrays(x, y),
            (short[] x, short[] y) => x.AsSpan().SequenceCompareTo(y),
            (uint[] x, uint[] y) => x.AsSpan().SequenceCompareTo(y),
            (string x, _) => string.CompareOrdinal(x, Convert.ToString(b, CultureInfo.InvariantCulture)),
            _ => throw new SqlException(SqlState.UndefinedFunction,
                $"operator does not exist: {a.GetType().Name} = {b.GetType().Name}"),
        };
    }

    /// <summary>SQL equality of two non-null values (numbers across kinds, vectors element-wise).</summary>
    public static bool AreEqual(object a, object b)
    {
        if (a is string sa && b is string sb)
        {
            return sa == sb;
        }

        if (a is SparseVector va && b is SparseVector vb)
        {
            return va.Equals(vb);
        }

        return Compare(a, b) == 0;
    }

    /// <summary>A hash consistent with <see cref="AreEqual"/> (numbers of equal value hash alike).</summary>
    public static int GetHashCode(object? value) => value switch
    {
        null => 0,
        string s => string.GetHashCode(s, StringComparison.Ordinal),
        short or int or long or uint => ToInt64(value).GetHashCode(),
        decimal d => d == decimal.Truncate(d) && d >= long.MinValue && d <= long.MaxValue ? ((long)d).GetHashCode() : d.GetHashCode(),
        float f => HashDouble(f),
        double d => HashDouble(d),
        byte[] b => b.Length == 0 ? 0 : HashCode.Combine(b.Length, b[0], b[^1]),
        float[] v => v.Length == 0 ? 0 : HashCode.Combine(v.Length, v[0], v[^1]),
        object?[] arr => arr.Length == 0 ? 0 : HashCode.Combine(arr.Length, GetHashCode(arr[0])),
        _ => value.GetHashCode(),
    };

    private static int HashDouble(double d) => d == Math.Floor(d) && Math.Abs(d) < 9e18 ? ((long)d).GetHashCode() : d.GetHashCode();

    public static bool IsNumber(object v) => v is short or int or long or float or double or decimal or uint;

    public static double ToDouble(object v) => v switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        short s => s,
        decimal m => (double)m,
        uint u => u,
        _ => throw new InvalidCastException($"not a number: {v.GetType().Name}"),
    };

    public static long ToInt64(object v) => v switch
    {
        long l => l,
        int i => i,
        short s => s,
        uint u => u,
        decimal m => decimal.ToInt64(decimal.Round(m, MidpointRounding.AwayFromZero)),
        double d => checked((long)Math.Round(d, MidpointRounding.ToEven)),
        float f => checked((long)Math.Round(f, MidpointRounding.ToEven)),
        _ => throw new InvalidCastException($"not an integer: {v.GetType().Name}"),
    };

    /// <summary>Converts a number to a 64-bit integer (rounding half to even from floats, as PostgreSQL's casts do);
    /// 22003 "<paramref name="typeName"/> out of range" when it does not fit.</summary>
    public static long ToInt64Checked(object v, string typeName)
    {
        switch (v)
        {
            case double d:
                d = Math.Round(d, MidpointRounding.ToEven);
                return double.IsNaN(d) || d < -9.2233720368547758E18 || d >= 9.2233720368547758E18 ? throw Casts.OutOfRange(typeName) : (long)d;
            case float f:
                double r = Math.Round((double)f, MidpointRounding.ToEven);
                return double.IsNaN(r) || r < -9.2233720368547758E18 || r >= 9.2233720368547758E18 ? throw Casts.OutOfRange(typeName) : (long)r;
            case decimal m:
                m = decimal.Round(m, MidpointRounding.AwayFromZero);
                return m < long.MinValue || m > long.MaxValue ? throw Casts.OutOfRange(typeName) : (long)m;
            default:
                return ToInt64(v);
        }
    }

    public static decimal ToDecimal(object v) => v switch
    {
        decimal m => m,
        long l => l,
        int i => i,
        short s => s,
        uint u => u,
        double d => (decimal)d,
        float f => (decimal)f,
        _ => throw new InvalidCastException($"not a number: {v.GetType().Name}"),
    };

    private static int CompareDouble(double a, double b)
    {
        // PostgreSQL: NaN equals NaN and is greater than every non-NaN value.
        if (double.IsNaN(a))
        {
            return double.IsNaN(b) ? 0 : 1;
        }

        return double.IsNaN(b) ? -1 : a.CompareTo(b);
    }

    private static int CompareGuid(Guid a, Guid b)
    {
        Span<byte> x = stackalloc byte[16];
        Span<byte> y = stackalloc byte[16];
        a.TryWriteBytes(x, bigEndian: true, out _);
        b.TryWriteBytes(y, bigEndian: true, out _);
        return x.SequenceCompareTo(y);
    }

    private static int CompareVectors(float[] a, float[] b)
    {
        // pgvector vector_cmp_internal: element-wise, then by dimension count.
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            if (a[i] < b[i])
            {
                return -1;
            }

            if (a[i] > b[i])
            {
                return 1;
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    private static int CompareHalfVectors(Half[] a, Half[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            int c = a[i].CompareTo(b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    private static int CompareBits(BitString a, BitString b)
    {
        int c = a.Bytes.AsSpan().SequenceCompareTo(b.Bytes);
        return c != 0 ? c : a.Length.CompareTo(b.Length);
    }

    private static int CompareArrays(object?[] a, object?[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            var x = a[i];
            var y = b[i];
            if (x is null || y is null)
            {
                if (x is null && y is null)
                {
                    continue;
                }

                return x is null ? 1 : -1;
            }

            int c = Compare(x, y);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Length.CompareTo(b.Length);
    }
}

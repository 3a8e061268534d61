using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>
/// Value conversions between SQL types (PostgreSQL's pg_cast plus I/O conversion through text), including pgvector's casts
/// between vector, halfvec, sparsevec and real[]/integer[]/double precision[]/numeric[].
/// </summary>
public static class Casts
{
    /// <summary>Whether a value of <paramref name="from"/> can be converted to <paramref name="to"/> at all.</summary>
    public static bool CanCast(SqlType from, SqlType to)
    {
        if (from.Kind == to.Kind || from.Kind == SqlTypeKind.Unknown || to.IsString || from.IsString)
        {
            return true;
        }

        if (IsNumberLike(from) && IsNumberLike(to))
        {
            return true;
        }

        return (from.Kind, to.Kind) switch
        {
            (SqlTypeKind.Bool, SqlTypeKind.Int4) or (SqlTypeKind.Int4, SqlTypeKind.Bool) => true,
            (SqlTypeKind.Vector or SqlTypeKind.HalfVec or SqlTypeKind.SparseVec, SqlTypeKind.Vector or SqlTypeKind.HalfVec or SqlTypeKind.SparseVec) => true,
            (SqlTypeKind.Array, SqlTypeKind.Vector or SqlTypeKind.HalfVec) => from.Element!.IsNumeric,
            (SqlTypeKind.Vector or SqlTypeKind.HalfVec, SqlTypeKind.Array) => to.Element!.Kind is SqlTypeKind.Float4 or SqlTypeKind.Float8,
            (SqlTypeKind.Bit or SqlTypeKind.VarBit, SqlTypeKind.Bit or SqlTypeKind.VarBit) => true,
            (SqlTypeKind.Timestamp or SqlTypeKind.TimestampTz or SqlTypeKind.Date, SqlTypeKind.Timestamp or SqlTypeKind.TimestampTz or SqlTypeKind.Date) => true,
            (SqlTypeKind.Json or SqlTypeKind.Jsonb, SqlTypeKind.Json or SqlTypeKind.Jsonb) => true,
            (SqlTypeKind.Array, SqlTypeKind.Array) => CanCast(from.Element!, to.Element!),
            (SqlTypeKind.Int2Vector, SqlTypeKind.Array) or (SqlTypeKind.OidVector, SqlTypeKind.Array) => true,
            _ => false,
        };
    }

    private static bool IsNumberLike(SqlType t) => t.IsNumeric || t.Kind is SqlTypeKind.RegClass or SqlTypeKind.RegType
        or SqlTypeKind.RegProc or SqlTypeKind.RegNamespace or SqlTypeKind.Oid;

    private static bool IsInfinite(object value) => value is double d ? double.IsInfinity(d) : value is float f && float.IsInfinity(f);

    private static decimal Pow10(int exponent)
    {
        decimal r = 1;
        for (int i = 0; i < exponent; i++)
        {
            r *= 10;
        }

        return r;
    }

    /// <summary>
    /// A value's cast to text: its output text, except boolean, whose cast (booltext) writes <c>true</c>/<c>false</c>
    /// where its output function writes <c>t</c>/<c>f</c>.
    /// </summary>
    public static string ToTextCast(object value, SqlType from) =>
        value is bool b ? (b ? "true" : "false") : TypeIO.FormatText(value, from);

    /// <summary>
    /// Converts a non-null value of type <paramref name="from"/> to <paramref name="to"/>, applying <paramref name="to"/>'s typmod.
    /// Errors carry PostgreSQL's SQLSTATEs (22P02, 22003, 22001, 22000, 42846).
    /// </summary>
    public static object Convert(object value, SqlType from, SqlType to)
    {
        if (to.Kind == SqlTypeKind.Unknown)
        {
            return value;
        }

        if (from.Kind == to.Kind && to.Kind != SqlTypeKind.Array)
        {
            return to.Modifier < 0 ? value : ApplyModifier(value, to);
        }

        if (value is string s && (from.IsString || from.Kind is SqlTypeKind.Json or SqlTypeKind.Jsonb) && !to.IsString)
        {
            return TypeIO.ParseText(s, to)!;
        }

        if (to.IsString)
        {
            string text = value as string ?? ToTextCast(value, from);
            if (from.Kind == SqlTypeKind.Char && to.Kind != SqlTypeKind.Char)
            {
                // bpchar to text or varchar drops the padding.
                text = text.TrimEnd(' ');
            }

            return to.Modifier >= 0 || to.Kind == SqlTypeKind.Char ? ApplyModifier(text, to) : text;
        }

        switch (to.Kind)
        {
            case SqlTypeKind.Int2:
                return checked16(value);
            case SqlTypeKind.Int4:
                return value is bool b ? (b ? 1 : 0) : checked32(value);
            case SqlTypeKind.Int8:
                return checked64(value);
            case SqlTypeKind.Oid or SqlTypeKind.RegClass or SqlTypeKind.RegType or SqlTypeKind.RegProc or SqlTypeKind.RegNamespace:
                return value is uint u ? u : unchecked((uint)SqlValues.ToInt64(value));
            case SqlTypeKind.Float4:
                float single = (float)SqlValues.ToDouble(value);
                return float.IsInfinity(single) && !IsInfinite(value) ? throw new SqlException(SqlState.NumericValueOutOfRange, "value out of range: overflow") : single;
            case SqlTypeKind.Float8:
                double dbl = value is float f ? f : SqlValues.ToDouble(value);
                return double.IsInfinity(dbl) && !IsInfinite(value)
                    ? throw new SqlException(SqlState.NumericValueOutOfRange, "value out of range: overflow") : dbl;
            case SqlTypeKind.Numeric:
                return ApplyModifier(ToNumeric(value), to);
            case SqlTypeKind.Bool when value is int i:
                return i != 0;
            case SqlTypeKind.Vector:
                return ApplyModifier(ToVector(value), to);
            case SqlTypeKind.HalfVec:
                return ApplyModifier(ToHalfVector(value), to);
            case SqlTypeKind.SparseVec:
                return ApplyModifier(ToSparse(value), to);
            case SqlTypeKind.Bit or SqlTypeKind.VarBit when value is BitString bits:
                return ApplyModifier(bits, to);
            case SqlTypeKind.Json or SqlTypeKind.Jsonb when value is string js:
                return TypeIO.ParseText(js, to)!;
            case SqlTypeKind.Timestamp:
                return value switch
                {
                    DateOnly d => d.ToDateTime(TimeOnly.MinValue),
                    DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Unspecified),
                    _ => throw CannotCast(from, to),
                };
            case SqlTypeKind.TimestampTz:
                return value switch
                {
                    DateOnly d => DateTime.SpecifyKind(d.ToDateTime(TimeOnly.MinValue), DateTimeKind.Utc),
                    DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Utc),
                    _ => throw CannotCast(from, to),
                };
            case SqlTypeKind.Date when value is DateTime dt:
                return DateOnly.FromDateTime(dt);
            case SqlTypeKind.Array:
                return ToArray(value, from, to);
        }

        throw CannotCast(from, to);

        static short checked16(object v)
        {
            long l = SqlValues.ToInt64Checked(v, "smallint");
            return l is < short.MinValue or > short.MaxValue ? throw OutOfRange("smallint") : (short)l;
        }

        static int checked32(object v)
        {
            long l = SqlValues.ToInt64Checked(v, "integer");
            return l is < int.MinValue or > int.MaxValue ? throw OutOfRange("integer") : (int)l;
        }

        static long checked64(object v) => SqlValues.ToInt64Checked(v, "bigint");
    }

    internal static SqlException OutOfRange(string type) => new(SqlState.NumericValueOutOfRange, $"{type} out of range");

    private static SqlException CannotCast(SqlType from, SqlType to) =>
        new(SqlState.CannotCoerce, $"cannot cast type {from.DisplayName} to {to.DisplayName}");

    private static decimal ToNumeric(object value)
    {
        if (value is double d && (double.IsNaN(d) || double.IsInfinity(d)))
        {
            throw new SqlException(SqlState.FeatureNotSupported, "cannot convert infinity to numeric");
        }

        return SqlValues.ToDecimal(value);
    }

    /// <summary>Applies a type modifier: vector dimension checks, varchar/char length, numeric scale, bit length.</summary>
    public static object ApplyModifier(object value, SqlType type)
    {
        int mod = type.Modifier;
        switch (type.Kind)
        {
            case SqlTypeKind.Vector when mod >= 0 && value is float[] v && v.Length != mod:
                throw DimensionError(mod, v.Length);
            case SqlTypeKind.HalfVec when mod >= 0 && value is Half[] h && h.Length != mod:
                throw DimensionError(mod, h.Length);
            case SqlTypeKind.SparseVec when mod >= 0 && value is SparseVector sv && sv.Dimensions != mod:
                throw DimensionError(mod, sv.Dimensions);
            case SqlTypeKind.Varchar when mod >= 4 && value is string s && s.Length > mod - 4:
                // An explicit cast truncates; assignment errors are raised by the INSERT path before converting.
                return s[..(mod - 4)];
            case SqlTypeKind.Char when value is string c:
                int n = mod >= 4 ? mod - 4 : 1;
                return c.Length > n ? c[..n] : c.PadRight(n);
            case SqlTypeKind.Numeric when mod >= 4 && value is decimal m:
                int scale = (mod - 4) & 0xffff;
                int precision = ((mod - 4) >> 16) & 0xffff;
                var rounded = decimal.Round(m, scale, MidpointRounding.AwayFromZero);
                if (precision - scale is >= 0 and <= 28 && Math.Abs(rounded) >= Pow10(precision - scale))
                {
                    throw new SqlException(SqlState.NumericValueOutOfRange, "numeric field overflow",
                        detail: $"A field with precision {precision}, scale {scale} must round to an absolute value less than " +
                            (precision == scale ? "1." : $"10^{precision - scale}."));
                }

                return rounded;
            case SqlTypeKind.Bit when mod >= 0 && value is BitString b && b.Length != mod:
                throw new SqlException("22026", $"bit string length {b.Length} does not match type bit({mod})");
        }

        return value;
    }

    /// <summary>pgvector's dimension check message (SQLSTATE 22000).</summary>
    public static SqlException DimensionError(int expected, int actual) =>
        new(SqlState.DataException, $"expected {expected} dimensions, not {actual}");

    private static float[] ToVector(object value) => value switch
    {
        float[] v => v,
        Half[] h => Array.ConvertAll(h, x => (float)x),
        SparseVector s => Densify(s),
        object?[] arr => ArrayToFloats(arr),
        _ => throw new SqlException(SqlState.CannotCoerce, "cannot cast to vector"),
    };

    private static Half[] ToHalfVector(object value) => value switch
    {
        Half[] h => h,
        float[] v => Array.ConvertAll(v, x => (Half)x),
        SparseVector s => Array.ConvertAll(Densify(s), x => (Half)x),
        object?[] arr => Array.ConvertAll(ArrayToFloats(arr), x => (Half)x),
        _ => throw new SqlException(SqlState.CannotCoerce, "cannot cast to halfvec"),
    };

    private static SparseVector ToSparse(object value)
    {
        if (value is SparseVector sparse)
        {
            return sparse;
        }

        float[] dense = value switch
        {
            float[] v => v,
            Half[] h => Array.ConvertAll(h, x => (float)x),
            _ => throw new SqlException(SqlState.CannotCoerce, "cannot cast to sparsevec"),
        };

        var idx = new List<int>();
        var vals = new List<float>();
        for (int i = 0; i < dense.Length; i++)
        {
            if (dense[i] != 0)
            {
                idx.Add(i);
                vals.Add(dense[i]);
            }
        }

        return new SparseVector(dense.Length, [.. idx], [.. vals]);
    }

    private static float[] Densify(SparseVector s)
    {
        var dense = new float[s.Dimensions];
        for (int i = 0; i < s.Indices.Length; i++)
        {
            dense[s.Indices[i]] = s.Values[i];
        }

        return dense;
    }

    private static float[] ArrayToFloats(object?[] arr)
    {
        var result = new float[arr.Length];
        for (int i = 0; i < arr.Length; i++)
        {
            if (arr[i] is null)
            {
                throw new SqlException(SqlState.NullValueNotAllowed, "array must not contain nulls");
            }

            result[i] = (float)SqlValues.ToDouble(arr[i]!);
            if (float.IsNaN(result[i]))
            {
                throw new SqlException(SqlState.DataException, "NaN not allowed in vector");
            }

            if (float.IsInfinity(result[i]))
            {
                throw new SqlException(SqlState.DataException, "infinite value not allowed in vector");
            }
        }

        if (arr.Length == 0)
        {
            throw new SqlException(SqlState.DataException, "vector must have at least 1 dimension");
        }

        return result;
    }

    private static object ToArray(object value, SqlType from, SqlType to)
    {
        var element = to.Element!;
        switch (value)
        {
            case float[] v:
                return element.Kind == SqlTypeKind.Float8
                    ? Array.ConvertAll(v, x => (object?)(double)x)
                    : Array.ConvertAll(v, x => (object?)x);
            case Half[] h:
                return Array.ConvertAll(h, x => (object?)(float)x);
            case short[] sv:
                return Array.ConvertAll(sv, x => (object?)Convert(x, SqlType.Int2, element));
            case uint[] ov:
                return Array.ConvertAll(ov, x => (object?)Convert(x, SqlType.Oid, element));
            case object?[] arr:
                var result = new object?[arr.Length];
                for (int i = 0; i < arr.Length; i++)
                {
                    result[i] = arr[i] is null ? null : Convert(arr[i]!, from.Element ?? SqlType.Unknown, element);
                }

                return result;
        }

        throw CannotCast(from, to);
    }
}

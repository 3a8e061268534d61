using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Functions;

/// <summary>
/// Binds infix operators other than AND/OR and comparisons: arithmetic, <c>||</c>, pgvector's distance and element-wise
/// operators, pattern matching (LIKE, ILIKE, POSIX regular expressions), array containment and JSON access.
/// </summary>
public static class Operators
{
    private static readonly ConcurrentDictionary<(string, bool), Regex> RegexCache = new();

    public static BoundExpr Bind(string op, BoundExpr left, BoundExpr right, int position)
    {
        var lt = left.Type;
        var rt = right.Type;
        if (VectorFunctions.ForOperator(op) is { } distance)
        {
            if (!(lt.IsVector || lt.Kind is SqlTypeKind.Bit or SqlTypeKind.VarBit) || !(rt.IsVector || rt.Kind is SqlTypeKind.Bit or SqlTypeKind.VarBit))
            {
                throw NoOperator(op, lt, rt, position);
            }

            return new CallExpr(op, [left, right], SqlType.Float8, (a, _) => distance(a[0]!, a[1]!), true);
        }

        switch (op)
        {
            case "+" or "-" or "*" or "/" or "%":
                if (lt.IsVector && rt.IsVector && op is "+" or "-" or "*")
                {
                    char c = op[0];
                    return new CallExpr(op, [left, right], lt.WithoutModifier(), (a, _) => VectorFunctions.Arithmetic(c, a[0]!, a[1]!), true);
                }

                if (lt.IsNumeric && rt.IsNumeric)
                {
                    var type = Arithmetic.ResultType(lt, rt);
                    char c = op[0];
                    return new CallExpr(op, [left, right], type, (a, _) => Arithmetic.Apply(c, a[0]!, a[1]!, type), true);
                }

                if (lt.Kind is SqlTypeKind.Timestamp or SqlTypeKind.TimestampTz or SqlTypeKind.Date && op is "+" or "-")
                {
                    return BindDateArithmetic(op, left, right, position);
                }

                throw NoOperator(op, lt, rt, position);
            case "^":
                return new CallExpr(op, [left, right], SqlType.Float8, (a, _) => Math.Pow(SqlValues.ToDouble(a[0]!), SqlValues.ToDouble(a[1]!)), true);
            case "||":
                if (lt.IsVector && rt.IsVector)
                {
                    return new CallExpr(op, [left, right], lt.WithoutModifier(), (a, _) => VectorFunctions.Concat(a[0]!, a[1]!), true);
                }

                if (lt.IsArray || rt.IsArray)
                {
                    var type = lt.IsArray ? lt : rt;
                    return new CallExpr(op, [left, right], type, (a, _) => ConcatArrays(a[0], a[1]), false);
                }

                return new CallExpr(op, [left, right], SqlType.Text, (a, _) => ToText(a[0]!, lt) + ToText(a[1]!, rt), true);
            case "^@" when (lt.IsString || lt.Kind == SqlTypeKind.Unknown) && (rt.IsString || rt.Kind == SqlTypeKind.Unknown):
                return new CallExpr(op, [left, right], SqlType.Bool, (a, _) => ToText(a[0]!, lt).StartsWith(ToText(a[1]!, rt), StringComparison.Ordinal), true);
            case "LIKE" or "ILIKE" or "NOT LIKE" or "NOT ILIKE" or "~~" or "~~*" or "!~~" or "!~~*" or "~" or "~*" or "!~" or "!~*":
                return new CallExpr(op, [left, right], SqlType.Bool, (a, _) => Evaluate(op, ToText(a[0]!, lt), ToText(a[1]!, rt)), true);
            case "&&":
                return new CallExpr(op, [left, right], SqlType.Bool, (a, _) => Elements(a[0]!).Any(x => x is not null && Elements(a[1]!).Any(y => y is not null && SqlValues.AreEqual(x, y))), true);
            case "@>":
                return new CallExpr(op, [left, right], SqlType.Bool, (a, _) => Contains(a[0]!, a[1]!), true);
            case "<@":
                return new CallExpr(op, [left, right], SqlType.Bool, (a, _) => Contains(a[1]!, a[0]!), true);
            case "->" or "->>":
                bool asText = op == "->>";
                var resultType = asText ? SqlType.Text : lt.Kind == SqlTypeKind.Json ? SqlType.Json : SqlType.Jsonb;
                return new CallExpr(op, [left, right], resultType, (a, _) => JsonGet((string)a[0]!, a[1]!, asText, resultType), true);
            case "&" or "|" or "#" or "<<" or ">>" when lt.IsInteger && rt.IsInteger:
                var itype = Arithmetic.ResultType(lt, rt);
                return new CallExpr(op, [left, right], itype, (a, _) =>
                {
                    long x = SqlValues.ToInt64(a[0]!), y = SqlValues.ToInt64(a[1]!);
                    long r = op switch { "&" => x & y, "|" => x | y, "#" => x ^ y, "<<" => x << (int)y, _ => x >> (int)y };
                    return itype.Kind switch { SqlTypeKind.Int2 => (short)r, SqlTypeKind.Int4 => (int)r, _ => (object)r };
                }, true);
        }

        throw NoOperator(op, lt, rt, position);
    }

    private static BoundExpr BindDateArithmetic(string op, BoundExpr left, BoundExpr right, int position)
    {
        var lt = left.Type;
        var rt = right.Type;
        if (rt.Kind == SqlTypeKind.Interval || rt.Kind == SqlTypeKind.Unknown)
        {
            var resultType = lt.Kind == SqlTypeKind.Date ? SqlType.Timestamp : lt;
            return new CallExpr(op, [left, right], resultType, (a, _) =>
            {
                var t = a[0] is DateOnly d ? d.ToDateTime(TimeOnly.MinValue) : (DateTime)a[0]!;
                var span = a[1] as TimeSpan? ?? (TimeSpan)TypeIO.ParseText((string)a[1]!, SqlType.Interval)!;
                return op == "+" ? t + span : t - span;
            }, true);
        }

        if (op == "-" && rt.Kind == lt.Kind && lt.Kind != SqlTypeKind.Date)
        {
            return new CallExpr(op, [left, right], SqlType.Interval, (a, _) => (DateTime)a[0]! - (DateTime)a[1]!, true);
        }

        if (lt.Kind == SqlTypeKind.Date && rt.IsInteger)
        {
            return new CallExpr(op, [left, right], SqlType.Date, (a, _) => ((DateOnly)a[0]!).AddDays((int)SqlValues.ToInt64(a[1]!) * (op == "+" ? 1 : -1)), true);
        }

        if (lt.Kind == SqlTypeKind.Date && rt.Kind == SqlTypeKind.Date && op == "-")
        {
            return new CallExpr(op, [left, right], SqlType.Int4, (a, _) => ((DateOnly)a[0]!).DayNumber - ((DateOnly)a[1]!).DayNumber, true);
        }

        throw NoOperator(op, lt, rt, position);
    }

    private static SqlException NoOperator(string op, SqlType l, SqlType r, int position) =>
        new(SqlState.UndefinedFunction, $"operator does not exist: {l.DisplayName} {op} {r.DisplayName}", position,
            hint: "No operator matches the given name and argument types. You might need to add explicit type casts.");

    private static string ToText(object v, SqlType t) =>
        t.Kind == SqlTypeKind.Char ? ((string)v).TrimEnd(' ') : v as string ?? Casts.ToTextCast(v, t);

    /// <summary>Evaluates a pattern-matching operator on two strings.</summary>
    public static bool Evaluate(string op, object value, object pattern)
    {
        string s = value as string ?? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!;
        string p = (string)pattern;
        return op.ToUpperInvariant() switch
        {
            "LIKE" or "~~" => Like(s, p, false),
            "NOT LIKE" or "!~~" => !Like(s, p, false),
            "ILIKE" or "~~*" => Like(s, p, true),
            "NOT ILIKE" or "!~~*" => !Like(s, p, true),
            "~" => Posix(p, false).IsMatch(s),
            "~*" => Posix(p, true).IsMatch(s),
            "!~" => !Posix(p, false).IsMatch(s),
            "!~*" => !Posix(p, true).IsMatch(s),
            _ => throw new SqlException(SqlState.UndefinedFunction, $"operator does not exist: {op}"),
        };
    }

    private static bool Like(string s, string pattern, bool ignoreCase)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                sb.Append(Regex.Escape(pattern[++i].ToString()));
            }
            else if (c == '%')
            {
                sb.Append(".*");
            }
            else if (c == '_')
            {
                sb.Append('.');
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }

        sb.Append('$');
        return RegexCache.GetOrAdd((sb.ToString(), ignoreCase), k => new Regex(k.Item1,
            RegexOptions.Singleline | RegexOptions.CultureInvariant | (k.Item2 ? RegexOptions.IgnoreCase : RegexOptions.None))).IsMatch(s);
    }

    private static Regex Posix(string pattern, bool ignoreCase)
    {
        try
        {
            return RegexCache.GetOrAdd((pattern, ignoreCase), k => new Regex(k.Item1,
                RegexOptions.CultureInvariant | (k.Item2 ? RegexOptions.IgnoreCase : RegexOptions.None), TimeSpan.FromSeconds(5)));
        }
        catch (ArgumentException e)
        {
            throw new SqlException("2201B", $"invalid regular expression: {e.Message}");
        }
    }

    internal static IEnumerable<object?> Elements(object v) => v switch
    {
        object?[] a => a,
        short[] s => s.Select(x => (object?)x),
        uint[] u => u.Select(x => (object?)x),
        _ => [v],
    };

    private static bool Contains(object container, object items) =>
        Elements(items).All(y => y is not null && Elements(container).Any(x => x is not null && SqlValues.AreEqual(x, y)));

    private static object? ConcatArrays(object? a, object? b)
    {
        if (a is null)
        {
            return b is object?[]? b : b is null ? null : new object?[] { b };
        }

        if (b is null)
        {
            return a is object?[]? a : new object?[] { a };
        }

        return Elements(a).Concat(Elements(b)).ToArray();
    }

    private static object? JsonGet(string json, object key, bool asText, SqlType resultType)
    {
        using var doc = JsonDocument.Parse(json);
        JsonElement el;
        if (key is string k)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty(k, out el))
            {
                return null;
            }
        }
        else
        {
            int i = (int)SqlValues.ToInt64(key);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            int n = doc.RootElement.GetArrayLength();
            if (i < 0)
            {
                i += n;
            }

            if (i < 0 || i >= n)
            {
                return null;
            }

            el = doc.RootElement[i];
        }

        if (asText)
        {
            return el.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => el.GetString(),
                _ => TypeIO.FormatText(TypeIO.ParseText(el.GetRawText(), SqlType.Jsonb), SqlType.Jsonb),
            };
        }

        return TypeIO.ParseText(el.GetRawText(), resultType);
    }
}

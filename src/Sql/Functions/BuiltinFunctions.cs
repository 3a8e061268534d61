using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Functions;

/// <summary>
/// The scalar function catalog: string, math, date/time, array and pgvector functions, plus the system-information
/// functions registered by <see cref="Catalog.System.SystemCatalog"/>. Overloads are chosen by argument count and types.
/// </summary>
public static partial class BuiltinFunctions
{
    private static readonly Dictionary<string, List<FunctionDefinition>> Registry = [];

    static BuiltinFunctions()
    {
        RegisterStrings();
        RegisterMoreStrings();
        RegisterMath();
        RegisterVectors();
        RegisterMisc();
        Catalog.System.SystemCatalog.RegisterFunctions(Register);
    }

    /// <summary>Adds a function overload (used by the system catalog at startup).</summary>
    public static void Register(FunctionDefinition def)
    {
        if (!Registry.TryGetValue(def.Name, out var list))
        {
            list = [];
            Registry[def.Name] = list;
        }

        list.Add(def);
    }

    private static void Add(string name, SqlType result, SqlType[] parameters, ScalarImplementation impl, bool strict = true) =>
        Register(new FunctionDefinition(name, parameters, _ => result, impl) { Strict = strict });

    private static void AddDyn(string name, Func<SqlType[], SqlType> result, SqlType[] parameters, ScalarImplementation impl, bool strict = true) =>
        Register(new FunctionDefinition(name, parameters, result, impl) { Strict = strict });

    /// <summary>Picks the overload for the bound arguments; 42883 when none fits.</summary>
    public static FunctionDefinition Resolve(string name, BoundExpr[] args, int position)
    {
        if (Registry.TryGetValue(name, out var list))
        {
            FunctionDefinition? best = null;
            int bestScore = -1;
            foreach (var def in list)
            {
                if (!(def.Variadic ? args.Length >= def.ParameterTypes.Length : args.Length == def.ParameterTypes.Length))
                {
                    continue;
                }

                int score = 0;
                bool ok = true;
                for (int i = 0; i < args.Length && ok; i++)
                {
                    var p = i < def.ParameterTypes.Length ? def.ParameterTypes[i] : def.ParameterTypes[^1];
                    var a = args[i].Type;
                    if (p.Kind == SqlTypeKind.Unknown || a.Kind == SqlTypeKind.Unknown)
                    {
                        score += 1;
                    }
                    else if (p.Kind == a.Kind)
                    {
                        score += 3;
                    }
                    else if ((p.IsNumeric && a.IsNumeric) || (p.IsString && a.IsString) || Casts.CanCast(a, p) && p.IsString
                        || (IsOidLike(p) && IsOidLike(a)))
                    {
                        score += 2;
                    }
                    else
                    {
                        ok = false;
                    }
                }

                if (ok && score > bestScore)
                {
                    best = def;
                    bestScore = score;
                }
            }

            if (best is not null)
            {
                return best;
            }
        }

        string sig = string.Join(", ", args.Select(a => a.Type.Kind == SqlTypeKind.Unknown ? "unknown" : a.Type.DisplayName));
        throw new SqlException(SqlState.UndefinedFunction, $"function {name}({sig}) does not exist", position,
            hint: "No function matches the given name and argument types. You might need to add explicit type casts.");
    }

    private static readonly SqlType T = SqlType.Text;
    private static readonly SqlType I4 = SqlType.Int4;
    private static readonly SqlType I8 = SqlType.Int8;
    private static readonly SqlType F8 = SqlType.Float8;
    private static readonly SqlType Any = SqlType.Unknown;

    private static string S(object? v) => (string)v!;

    /// <summary>oid and the reg* types convert to each other implicitly (binary coercible).</summary>
    private static bool IsOidLike(SqlType t) =>
        t.Kind is SqlTypeKind.Oid or SqlTypeKind.RegClass or SqlTypeKind.RegType or SqlTypeKind.RegProc or SqlTypeKind.RegNamespace;

    private static int I(object? v) => (int)SqlValues.ToInt64(v!);

    private static void RegisterStrings()
    {
        Add("lower", T, [T], (a, _) => S(a[0]).ToLowerInvariant());
        Add("upper", T, [T], (a, _) => S(a[0]).ToUpperInvariant());
        foreach (var n in new[] { "length", "char_length", "character_length" })
        {
            Add(n, I4, [T], (a, _) => S(a[0]).Length);
        }

        Add("octet_length", I4, [T], (a, _) => Encoding.UTF8.GetByteCount(S(a[0])));
        foreach (var n in new[] { "substr", "substring" })
        {
            Add(n, T, [T, I4], (a, _) => Substring(S(a[0]), I(a[1]), null));
            Add(n, T, [T, I4, I4], (a, _) => Substring(S(a[0]), I(a[1]), I(a[2])));
        }

        Add("btrim", T, [T], (a, _) => S(a[0]).Trim(' '));
        Add("btrim", T, [T, T], (a, _) => S(a[0]).Trim(S(a[1]).ToCharArray()));
        Add("trim", T, [T], (a, _) => S(a[0]).Trim(' '));
        Add("ltrim", T, [T], (a, _) => S(a[0]).TrimStart(' '));
        Add("ltrim", T, [T, T], (a, _) => S(a[0]).TrimStart(S(a[1]).ToCharArray()));
        Add("rtrim", T, [T], (a, _) => S(a[0]).TrimEnd(' '));
        Add("rtrim", T, [T, T], (a, _) => S(a[0]).TrimEnd(S(a[1]).ToCharArray()));
        Add("replace", T, [T, T, T], (a, _) => S(a[1]).Length == 0 ? S(a[0]) : S(a[0]).Replace(S(a[1]), S(a[2]), StringComparison.Ordinal));
        Add("strpos", I4, [T, T], (a, _) => S(a[0]).IndexOf(S(a[1]), StringComparison.Ordinal) + 1);
        Add("position", I4, [T, T], (a, _) => S(a[0]).IndexOf(S(a[1]), StringComparison.Ordinal) + 1);
        Add("left", T, [T, I4], (a, _) => { var s = S(a[0]); int n = I(a[1]); return n >= 0 ? s[..Math.Min(n, s.Length)] : s[..Math.Max(0, s.Length + n)]; });
        Add("right", T, [T, I4], (a, _) => { var s = S(a[0]); int n = I(a[1]); return n >= 0 ? s[Math.Max(0, s.Length - n)..] : s[Math.Min(s.Length, -n)..]; });
        Add("repeat", T, [T, I4], (a, _) => string.Concat(Enumerable.Repeat(S(a[0]), Math.Max(0, I(a[1])))));
        Add("reverse", T, [T], (a, _) => new string(S(a[0]).Reverse().ToArray()));
        Add("lpad", T, [T, I4], (a, _) => Pad(S(a[0]), I(a[1]), " ", true));
        Add("lpad", T, [T, I4, T], (a, _) => Pad(S(a[0]), I(a[1]), S(a[2]), true));
        Add("rpad", T, [T, I4], (a, _) => Pad(S(a[0]), I(a[1]), " ", false));
        Add("rpad", T, [T, I4, T], (a, _) => Pad(S(a[0]), I(a[1]), S(a[2]), false));
        Add("starts_with", SqlType.Bool, [T, T], (a, _) => S(a[0]).StartsWith(S(a[1]), StringComparison.Ordinal));
        Add("split_part", T, [T, T, I4], (a, _) =>
        {
            var parts = S(a[0]).Split(S(a[1]));
            int n = I(a[2]);
            return n > 0 && n <= parts.Length ? parts[n - 1] : n < 0 && -n <= parts.Length ? parts[^(-n)] : "";
        });
#pragma warning disable CA5351 // md5() is part of the SQL surface, not used for security
        Add("md5", T, [T], (a, _) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(S(a[0])))));
#pragma warning restore CA5351
        Add("chr", T, [I4], (a, _) => I(a[0]) == 0
            ? throw new SqlException("54000", "null character not permitted")
            : char.ConvertFromUtf32(I(a[0])));
        Add("ascii", I4, [T], (a, _) => S(a[0]).Length == 0 ? 0 : char.ConvertToUtf32(S(a[0]), 0));
        Add("quote_ident", T, [T], (a, _) => QuoteIdent(S(a[0])));
        Add("quote_literal", T, [T], (a, _) => "'" + S(a[0]).Replace("'", "''", StringComparison.Ordinal) + "'");
        Register(new FunctionDefinition("concat", [Any], _ => T, (a, _) => string.Concat(a.Where(x => x is not null).Select(ToText))) { Strict = false, Variadic = true });
        Register(new FunctionDefinition("concat_ws", [T, Any], _ => T, (a, _) => a[0] is null ? null : string.Join(S(a[0]), a.Skip(1).Where(x => x is not null).Select(ToText))) { Strict = false, Variadic = true });
        Add("string_to_array", SqlType.ArrayOf(T), [T, T], (a, _) => S(a[0]).Length == 0 ? Array.Empty<object?>() : S(a[0]).Split(S(a[1])).Select(x => (object?)x).ToArray());
        Add("array_to_string", T, [Any, T], (a, _) => string.Join(S(a[1]), Operators.Elements(a[0]!).Where(x => x is not null).Select(ToText)));
        Add("array_to_string", T, [Any, T, T], (a, _) => string.Join(S(a[1]), Operators.Elements(a[0]!).Select(x => x is null ? a[2] as string : ToText(x)).Where(x => x is not null)));
    }

    private static string ToText(object? v) => v switch
    {
        string s => s,
        bool b => b ? "t" : "f",
        int or long or short or uint => Convert.ToString(v, CultureInfo.InvariantCulture)!,
        double d => TypeIO.FormatText(d, SqlType.Float8),
        float f => TypeIO.FormatText(f, SqlType.Float4),
        decimal m => TypeIO.FormatText(m, SqlType.Numeric),
        float[] vec => TypeIO.FormatText(vec, SqlType.Vector),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>PostgreSQL's quote_ident: quotes unless the name is a lower-case identifier.</summary>
    public static string QuoteIdent(string s)
    {
        bool plain = s.Length > 0 && (char.IsAsciiLetterLower(s[0]) || s[0] == '_') && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
        return plain ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private static string Substring(string s, int start, int? count)
    {
        long from = start - 1L;
        long to = count is null ? s.Length : from + count.Value;
        if (count < 0)
        {
            throw new SqlException(SqlState.DataException.Replace("000", "011", StringComparison.Ordinal), "negative substring length not allowed");
        }

        from = Math.Clamp(from, 0, s.Length);
        to = Math.Clamp(to, from, s.Length);
        return s[(int)from..(int)to];
    }

    private static string Pad(string s, int length, string fill, bool left)
    {
        if (length <= s.Length)
        {
            return s[..Math.Max(0, length)];
        }

        if (fill.Length == 0)
        {
            return s;
        }

        var sb = new StringBuilder();
        while (sb.Length < length - s.Length)
        {
            sb.Append(fill);
        }

        var padding = sb.ToString()[..(length - s.Length)];
        return left ? padding + s : s + padding;
    }

    private static void RegisterMath()
    {
        AddDyn("abs", t => t[0], [Any], (a, _) => Arithmetic.Abs(a[0]!));
        Add("sqrt", F8, [F8], (a, _) => (double)a[0]! < 0 ? throw new SqlException("2201F", "cannot take square root of a negative number") : Math.Sqrt((double)a[0]!));
        Add("cbrt", F8, [F8], (a, _) => Math.Cbrt((double)a[0]!));
        Add("power", F8, [F8, F8], (a, _) => Math.Pow((double)a[0]!, (double)a[1]!));
        Add("pow", F8, [F8, F8], (a, _) => Math.Pow((double)a[0]!, (double)a[1]!));
        Add("exp", F8, [F8], (a, _) => Math.Exp((double)a[0]!));
        Add("ln", F8, [F8], (a, _) => Math.Log((double)a[0]!));
        Add("log", F8, [F8], (a, _) => Math.Log10((double)a[0]!));
        Add("pi", F8, [], (_, _) => Math.PI);
        Add("random", F8, [], (_, _) => Random.Shared.NextDouble());
        Registry["random"][0] = Registry["random"][0] with { Volatile = true };
        AddDyn("floor", t => t[0].Kind == SqlTypeKind.Numeric ? SqlType.Numeric : F8, [Any], (a, _) => a[0] is decimal m ? Math.Floor(m) : Math.Floor(SqlValues.ToDouble(a[0]!)));
        AddDyn("ceil", t => t[0].Kind == SqlTypeKind.Numeric ? SqlType.Numeric : F8, [Any], (a, _) => a[0] is decimal m ? Math.Ceiling(m) : Math.Ceiling(SqlValues.ToDouble(a[0]!)));
        AddDyn("ceiling", t => t[0].Kind == SqlTypeKind.Numeric ? SqlType.Numeric : F8, [Any], (a, _) => a[0] is decimal m ? Math.Ceiling(m) : Math.Ceiling(SqlValues.ToDouble(a[0]!)));
        AddDyn("round", t => t[0].Kind is SqlTypeKind.Float4 or SqlTypeKind.Float8 ? F8 : SqlType.Numeric, [Any], (a, _) => a[0] is double or float ? Math.Round(SqlValues.ToDouble(a[0]!), MidpointRounding.ToEven) : Math.Round(SqlValues.ToDecimal(a[0]!), MidpointRounding.AwayFromZero));
        Add("round", SqlType.Numeric, [SqlType.Numeric, I4], (a, _) => Math.Round(SqlValues.ToDecimal(a[0]!), I(a[1]), MidpointRounding.AwayFromZero));
        AddDyn("trunc", t => t[0].Kind is SqlTypeKind.Float4 or SqlTypeKind.Float8 ? F8 : SqlType.Numeric, [Any], (a, _) => a[0] is double or float ? Math.Truncate(SqlValues.ToDouble(a[0]!)) : Math.Truncate(SqlValues.ToDecimal(a[0]!)));
        Add("trunc", SqlType.Numeric, [SqlType.Numeric, I4], (a, _) => { var m = SqlValues.ToDecimal(a[0]!); decimal f = (decimal)Math.Pow(10, I(a[1])); return Math.Truncate(m * f) / f; });
        AddDyn("sign", t => t[0].Kind == SqlTypeKind.Numeric ? SqlType.Numeric : F8, [Any], (a, _) => a[0] is decimal m ? (decimal)Math.Sign(m) : (double)Math.Sign(SqlValues.ToDouble(a[0]!)));
        AddDyn("mod", t => Arithmetic.ResultType(t[0], t[1]), [Any, Any], (a, _) => Arithmetic.Apply('%', a[0]!, a[1]!, Arithmetic.ResultType(TypeOf(a[0]!), TypeOf(a[1]!))));
        Add("div", SqlType.Numeric, [SqlType.Numeric, SqlType.Numeric], (a, _) => Math.Truncate((decimal)Arithmetic.Apply('/', a[0]!, a[1]!, SqlType.Numeric)));
    }

    private static SqlType TypeOf(object v) => v switch
    {
        short => SqlType.Int2,
        int => SqlType.Int4,
        long => SqlType.Int8,
        decimal => SqlType.Numeric,
        float => SqlType.Float4,
        _ => SqlType.Float8,
    };

    private static void RegisterVectors()
    {
        foreach (var (name, fn) in new (string, Func<object, object, double>)[]
        {
            ("l2_distance", VectorFunctions.L2Distance), ("inner_product", VectorFunctions.InnerProduct),
            ("negative_inner_product", VectorFunctions.NegativeInnerProduct), ("cosine_distance", VectorFunctions.CosineDistance),
            ("l1_distance", VectorFunctions.L1Distance), ("vector_l2_squared_distance", VectorFunctions.L2SquaredDistance),
            ("l2_squared_distance", VectorFunctions.L2SquaredDistance),
            ("hamming_distance", VectorFunctions.HammingDistance), ("jaccard_distance", VectorFunctions.JaccardDistance),
        })
        {
            AddDyn(name, _ => F8, [Any, Any], (a, _) => fn(a[0]!, a[1]!));
        }

        Add("vector_dims", I4, [Any], (a, _) => VectorFunctions.Dimensions(a[0]!));
        Add("vector_norm", F8, [Any], (a, _) => VectorFunctions.Norm(a[0]!));
        Add("l2_norm", F8, [Any], (a, _) => VectorFunctions.Norm(a[0]!));
        AddDyn("l2_normalize", t => t[0].WithoutModifier(), [Any], (a, _) => VectorFunctions.Normalize(a[0]!));
        Add("binary_quantize", SqlType.Bit, [Any], (a, _) => VectorFunctions.BinaryQuantize(a[0]!));
        AddDyn("subvector", t => t[0].WithoutModifier(), [Any, I4, I4], (a, _) => VectorFunctions.Subvector(a[0]!, I(a[1]), I(a[2])));
    }

    private static void RegisterMisc()
    {
        Add("now", SqlType.TimestampTz, [], (_, ctx) => ctx.Execution.Session.TransactionTimestamp);
        Add("transaction_timestamp", SqlType.TimestampTz, [], (_, ctx) => ctx.Execution.Session.TransactionTimestamp);
        Add("statement_timestamp", SqlType.TimestampTz, [], (_, ctx) => ctx.Execution.Session.StatementTimestamp);
        Add("clock_timestamp", SqlType.TimestampTz, [], (_, _) => DateTime.UtcNow);
        Add("gen_random_uuid", SqlType.Uuid, [], (_, _) => Guid.NewGuid());
        foreach (var n in new[] { "now", "clock_timestamp", "gen_random_uuid", "statement_timestamp" })
        {
            Registry[n][0] = Registry[n][0] with { Volatile = true };
        }

        Add("array_length", I4, [Any, I4], (a, _) => I(a[1]) == 1 && Operators.Elements(a[0]!).Count() is int n and > 0 ? n : null);
        Add("cardinality", I4, [Any], (a, _) => Operators.Elements(a[0]!).Count());
        Add("array_upper", I4, [Any, I4], (a, _) => I(a[1]) == 1 && Operators.Elements(a[0]!).Count() is int n and > 0 ? n : null);
        Add("array_lower", I4, [Any, I4], (a, _) => I(a[1]) == 1 && Operators.Elements(a[0]!).Any() ? 1 : null);
        Add("array_ndims", I4, [Any], (a, _) => Operators.Elements(a[0]!).Any() ? 1 : null);
        Add("array_position", I4, [Any, Any], (a, _) =>
        {
            int i = 1;
            foreach (var x in Operators.Elements(a[0]!))
            {
                if (x is not null && SqlValues.AreEqual(x, a[1]!))
                {
                    return i;
                }

                i++;
            }

            return null;
        });
        AddDyn("array_append", t => t[0], [Any, Any], (a, _) => Operators.Elements(a[0] ?? Array.Empty<object?>()).Append(a[1]).ToArray(), strict: false);
        AddDyn("array_prepend", t => t[1], [Any, Any], (a, _) => Operators.Elements(a[1] ?? Array.Empty<object?>()).Prepend(a[0]).ToArray(), strict: false);
        AddDyn("array_cat", t => t[0], [Any, Any], (a, _) => Operators.Elements(a[0] ?? Array.Empty<object?>()).Concat(Operators.Elements(a[1] ?? Array.Empty<object?>())).ToArray(), strict: false);
        Add("pg_sleep", SqlType.Void, [F8], (a, ctx) =>
        {
            Task.Delay(TimeSpan.FromSeconds((double)a[0]!), ctx.Execution.Cancellation).GetAwaiter().GetResult();
            return null;
        });
    }
}

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Functions;

/// <summary>String functions of PostgreSQL's "String Functions and Operators" chapter beyond the basic set.</summary>
public static partial class BuiltinFunctions
{
    private static readonly SqlType Bytes = SqlType.Bytea;

    private static void RegisterMoreStrings()
    {
        Add("initcap", T, [T], (a, _) => InitCap(S(a[0])));
        Add("translate", T, [T, T, T], (a, _) => Translate(S(a[0]), S(a[1]), S(a[2])));
        Add("to_hex", T, [I4], (a, _) => ((uint)(int)SqlValues.ToInt64(a[0]!)).ToString("x", CultureInfo.InvariantCulture));
        Add("to_hex", T, [I8], (a, _) => ((ulong)SqlValues.ToInt64(a[0]!)).ToString("x", CultureInfo.InvariantCulture));
        Add("regexp_replace", T, [T, T, T], (a, _) => RegexpReplace(S(a[0]), S(a[1]), S(a[2]), ""));
        Add("regexp_replace", T, [T, T, T, T], (a, _) => RegexpReplace(S(a[0]), S(a[1]), S(a[2]), S(a[3])));
        Add("encode", T, [Bytes, T], (a, _) => Encode((byte[])a[0]!, S(a[1])));
        Add("decode", Bytes, [T, T], (a, _) => Decode(S(a[0]), S(a[1])));
        Register(new FunctionDefinition("format", [T, Any], _ => T, (a, _) => a[0] is null ? null : Format(S(a[0]), a.AsSpan(1))) { Strict = false, Variadic = true });
        Register(new FunctionDefinition("format", [T], _ => T, (a, _) => a[0] is null ? null : Format(S(a[0]), [])) { Strict = false });
    }

    /// <summary>initcap: upper-cases the first letter of each run of letters and digits, lower-cases the rest.</summary>
    private static string InitCap(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool inWord = false;
        foreach (char c in s)
        {
            sb.Append(inWord ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            inWord = char.IsLetterOrDigit(c);
        }

        return sb.ToString();
    }

    /// <summary>translate: replaces each character of <paramref name="from"/> by the one at the same place in <paramref name="to"/>, or drops it.</summary>
    private static string Translate(string s, string from, string to)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            int i = from.IndexOf(c, StringComparison.Ordinal);
            if (i < 0)
            {
                sb.Append(c);
            }
            else if (i < to.Length)
            {
                sb.Append(to[i]);
            }
        }

        return sb.ToString();
    }

    /// <summary>regexp_replace with flags g (every match) and i (case-insensitive); 2201B for an invalid pattern.</summary>
    private static string RegexpReplace(string s, string pattern, string replacement, string flags)
    {
        var options = RegexOptions.CultureInvariant;
        foreach (char f in flags)
        {
            options |= f switch
            {
                'g' or 'c' => RegexOptions.None,
                'i' => RegexOptions.IgnoreCase,
                _ => throw new SqlException(SqlState.InvalidParameterValue, $"invalid regular expression option: \"{f}\""),
            };
        }

        Regex regex;
        try
        {
            regex = new Regex(pattern, options, TimeSpan.FromSeconds(5));
        }
        catch (ArgumentException e)
        {
            throw new SqlException("2201B", "invalid regular expression: " + e.Message);
        }

        // PostgreSQL writes \1..\9 and \& in the replacement; .NET writes $1 and $0.
        var net = new StringBuilder();
        for (int i = 0; i < replacement.Length; i++)
        {
            char c = replacement[i];
            if (c == '\\' && i + 1 < replacement.Length && (char.IsAsciiDigit(replacement[i + 1]) || replacement[i + 1] == '&'))
            {
                net.Append('$').Append(replacement[i + 1] == '&' ? '0' : replacement[i + 1]);
                i++;
            }
            else
            {
                net.Append(c == '$' ? "$$" : c.ToString());
            }
        }

        return regex.Replace(s, net.ToString(), flags.Contains('g', StringComparison.Ordinal) ? -1 : 1);
    }

    private static string Encode(byte[] data, string format) => format.ToLowerInvariant() switch
    {
        "hex" => Convert.ToHexStringLower(data),
        "base64" => Convert.ToBase64String(data),
        "escape" => string.Concat(data.Select(b => b == (byte)'\\' ? "\\\\" : b is < 32 or > 126 ? "\\" + Convert.ToString(b, 8).PadLeft(3, '0') : ((char)b).ToString())),
        _ => throw new SqlException(SqlState.InvalidParameterValue, $"unrecognized encoding: \"{format}\""),
    };

    private static byte[] Decode(string text, string format)
    {
        try
        {
            return format.ToLowerInvariant() switch
            {
                "hex" => Convert.FromHexString(text),
                "base64" => Convert.FromBase64String(text),
                "escape" => (byte[])TypeIO.ParseText(text, SqlType.Bytea)!,
                _ => throw new SqlException(SqlState.InvalidParameterValue, $"unrecognized encoding: \"{format}\""),
            };
        }
        catch (FormatException)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"invalid {format} data");
        }
    }

    /// <summary>format(): %s (text, NULL as empty), %I (quote_ident), %L (quote_literal, NULL unquoted) and %%.</summary>
    private static string Format(string template, ReadOnlySpan<object?> args)
    {
        var sb = new StringBuilder();
        int next = 0;
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }

            if (++i >= template.Length)
            {
                throw new SqlException(SqlState.InvalidParameterValue, "unterminated format() type specifier");
            }

            char kind = template[i];
            if (kind == '%')
            {
                sb.Append('%');
                continue;
            }

            if (next >= args.Length)
            {
                throw new SqlException(SqlState.InvalidParameterValue, "too few arguments for format()");
            }

            var value = args[next++];
            sb.Append(kind switch
            {
                's' => value is null ? "" : ToText(value),
                'I' => value is null
                    ? throw new SqlException(SqlState.NullValueNotAllowed, "null values cannot be formatted as an SQL identifier")
                    : QuoteIdent(ToText(value)),
                'L' => value is null ? "NULL" : QuoteLiteral(ToText(value)),
                _ => throw new SqlException(SqlState.InvalidParameterValue, $"unrecognized format() type specifier \"{kind}\""),
            });
        }

        return sb.ToString();
    }

    private static string QuoteLiteral(string s) =>
        s.Contains('\\', StringComparison.Ordinal)
            ? "E'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'"
            : "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";
}

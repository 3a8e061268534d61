using System.Globalization;
using System.Text;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Parsing;

/// <summary>
/// PostgreSQL's lexical rules (scan.l) as plain functions over the query text: trivia, identifiers, numbers, strings and operators.
/// The Pidgin token parsers in <see cref="Tokens"/> call these, and syntax errors use them to cut out the offending token.
/// </summary>
internal static class Lexer
{
    private const string OperatorChars = "+-*/<>=~!@#%^&|`?";

    // A multi-character operator may end in + or - only if it contains one of these (scan.l's rule, so that "a<-1" is "a < -1").
    private const string NonMathOperatorChars = "~!@#^&|`?%";

    public static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_' || c >= 0x80;

    public static bool IsIdentPart(char c) => IsIdentStart(c) || char.IsAsciiDigit(c) || c == '$';

    public static bool IsOperatorChar(char c) => OperatorChars.Contains(c, StringComparison.Ordinal);

    /// <summary>Skips whitespace, <c>-- line</c> comments and nested <c>/* */</c> comments.</summary>
    public static int SkipTrivia(string text, int i)
    {
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && i + 1 < text.Length && text[i + 1] == '-')
            {
                i += 2;
                while (i < text.Length && text[i] != '\n' && text[i] != '\r')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                i = SkipBlockComment(text, i);
            }
            else
            {
                break;
            }
        }

        return i;
    }

    private static int SkipBlockComment(string text, int start)
    {
        var depth = 0;
        var i = start;
        while (i < text.Length)
        {
            if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (text[i] == '*' && i + 1 < text.Length && text[i + 1] == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        throw Error("unterminated /* comment", text, start, text.Length - start);
    }

    /// <summary>Length of the word (identifier or keyword) starting at <paramref name="i"/>, or 0.</summary>
    public static int WordLength(string text, int i)
    {
        if (i >= text.Length || !IsIdentStart(text[i]))
        {
            return 0;
        }

        var j = i + 1;
        while (j < text.Length && IsIdentPart(text[j]))
        {
            j++;
        }

        return j - i;
    }

    /// <summary>True when the word at <paramref name="i"/> equals <paramref name="keyword"/> (lower-case) ignoring case.</summary>
    public static bool IsWord(string text, int i, string keyword)
    {
        var len = WordLength(text, i);
        return len == keyword.Length && string.Compare(text, i, keyword, 0, len, StringComparison.OrdinalIgnoreCase) == 0;
    }

    /// <summary>Case-folds an unquoted identifier as PostgreSQL does (ASCII letters only).</summary>
    public static string Fold(string text, int i, int length)
    {
        var span = text.AsSpan(i, length);
        foreach (var c in span)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                return string.Create(length, (text, i), static (dest, s) =>
                {
                    for (var k = 0; k < dest.Length; k++)
                    {
                        var ch = s.text[s.i + k];
                        dest[k] = char.IsAsciiLetterUpper(ch) ? (char)(ch + 32) : ch;
                    }
                });
            }
        }

        return span.ToString();
    }

    /// <summary>Length of the operator token at <paramref name="i"/> (PostgreSQL's longest-match rules), or 0.</summary>
    public static int OperatorLength(string text, int i)
    {
        var j = i;
        while (j < text.Length && IsOperatorChar(text[j]))
        {
            // A comment start ends the operator.
            if (j > i && ((text[j] == '-' && text[j - 1] == '-') || (text[j] == '*' && text[j - 1] == '/')))
            {
                j--;
                break;
            }

            if (j + 1 < text.Length && ((text[j] == '-' && text[j + 1] == '-') || (text[j] == '/' && text[j + 1] == '*')))
            {
                break;
            }

            j++;
        }

        var len = j - i;
        if (len > 1 && (text[i + len - 1] == '+' || text[i + len - 1] == '-'))
        {
            var special = false;
            for (var k = i; k < i + len; k++)
            {
                if (NonMathOperatorChars.Contains(text[k], StringComparison.Ordinal))
                {
                    special = true;
                    break;
                }
            }

            if (!special)
            {
                while (len > 1 && (text[i + len - 1] == '+' || text[i + len - 1] == '-'))
                {
                    len--;
                }
            }
        }

        return len;
    }

    /// <summary>Lexes a number at <paramref name="i"/>: returns its length (0 if none) and whether it is an integer.</summary>
    public static int NumberLength(string text, int i, out bool isInteger)
    {
        isInteger = true;
        var j = i;
        while (j < text.Length && char.IsAsciiDigit(text[j]))
        {
            j++;
        }

        var digits = j - i;
        if (j < text.Length && text[j] == '.' && !(j + 1 < text.Length && text[j + 1] == '.'))
        {
            var k = j + 1;
            while (k < text.Length && char.IsAsciiDigit(text[k]))
            {
                k++;
            }

            if (digits > 0 || k > j + 1)
            {
                isInteger = false;
                digits += k - j - 1;
                j = k;
            }
        }

        if (digits == 0)
        {
            return 0;
        }

        if (j < text.Length && (text[j] == 'e' || text[j] == 'E'))
        {
            var k = j + 1;
            if (k < text.Length && (text[k] == '+' || text[k] == '-'))
            {
                k++;
            }

            if (k < text.Length && char.IsAsciiDigit(text[k]))
            {
                while (k < text.Length && char.IsAsciiDigit(text[k]))
                {
                    k++;
                }

                isInteger = false;
                j = k;
            }
        }

        return j - i;
    }

    /// <summary>Length of a dollar-quote tag (<c>$</c>, <c>$tag$</c>) at <paramref name="i"/>, or 0.</summary>
    public static int DollarTagLength(string text, int i)
    {
        if (i >= text.Length || text[i] != '$')
        {
            return 0;
        }

        var j = i + 1;
        if (j < text.Length && (char.IsAsciiLetter(text[j]) || text[j] == '_' || text[j] >= 0x80))
        {
            j++;
            while (j < text.Length && (char.IsAsciiLetterOrDigit(text[j]) || text[j] == '_' || text[j] >= 0x80))
            {
                j++;
            }
        }

        return j < text.Length && text[j] == '$' ? j + 1 - i : 0;
    }

    /// <summary>
    /// Lexes a string constant at <paramref name="i"/> ('..', E'..', N'..', $tag$..$tag$), including continuation segments
    /// separated by whitespace holding a newline. Returns its length, or 0 when no string starts there.
    /// </summary>
    public static int StringLength(string text, int i, out string value)
    {
        value = "";
        if (i >= text.Length)
        {
            return 0;
        }

        var c = text[i];
        if (c == '$')
        {
            var tagLen = DollarTagLength(text, i);
            if (tagLen == 0)
            {
                return 0;
            }

            var tag = text.AsSpan(i, tagLen);
            var close = text.AsSpan(i + tagLen).IndexOf(tag, StringComparison.Ordinal);
            if (close < 0)
            {
                throw Error("unterminated dollar-quoted string", text, i, text.Length - i);
            }

            value = text.Substring(i + tagLen, close);
            return tagLen + close + tagLen;
        }

        var escapes = false;
        var start = i;
        if ((c == 'e' || c == 'E' || c == 'n' || c == 'N') && i + 1 < text.Length && text[i + 1] == '\'')
        {
            escapes = c is 'e' or 'E';
            i++;
        }
        else if (c != '\'')
        {
            return 0;
        }

        var sb = new StringBuilder();
        var end = ReadQuoted(text, i, escapes, sb, start);
        while (true)
        {
            // 'a'<newline>'b' continues the same constant.
            var j = end;
            var newline = false;
            while (j < text.Length && char.IsWhiteSpace(text[j]))
            {
                newline |= text[j] is '\n' or '\r';
                j++;
            }

            if (!newline || j >= text.Length || text[j] != '\'')
            {
                break;
            }

            end = ReadQuoted(text, j, escapes, sb, start);
        }

        value = sb.ToString();
        return end - start;
    }

    // Reads '...' at i (text[i] == '\''), appending the value; returns the index after the closing quote.
    private static int ReadQuoted(string text, int i, bool escapes, StringBuilder sb, int tokenStart)
    {
        var j = i + 1;
        while (true)
        {
            if (j >= text.Length)
            {
                throw Error("unterminated quoted string", text, tokenStart, text.Length - tokenStart);
            }

            var ch = text[j];
            if (ch == '\'')
            {
                if (j + 1 < text.Length && text[j + 1] == '\'')
                {
                    sb.Append('\'');
                    j += 2;
                    continue;
                }

                return j + 1;
            }

            if (escapes && ch == '\\' && j + 1 < text.Length)
            {
                j = ReadEscape(text, j + 1, sb);
                continue;
            }

            sb.Append(ch);
            j++;
        }
    }

    private static int ReadEscape(string text, int j, StringBuilder sb)
    {
        var ch = text[j];
        switch (ch)
        {
            case 'b': sb.Append('\b'); return j + 1;
            case 'f': sb.Append('\f'); return j + 1;
            case 'n': sb.Append('\n'); return j + 1;
            case 'r': sb.Append('\r'); return j + 1;
            case 't': sb.Append('\t'); return j + 1;
            case 'x':
                {
                    var k = j + 1;
                    var v = 0;
                    while (k < text.Length && k < j + 3 && char.IsAsciiHexDigit(text[k]))
                    {
                        v = (v * 16) + HexValue(text[k]);
                        k++;
                    }

                    if (k == j + 1)
                    {
                        sb.Append('x');
                        return k;
                    }

                    sb.Append((char)v);
                    return k;
                }

            case 'u':
            case 'U':
                {
                    var n = ch == 'u' ? 4 : 8;
                    if (j + n < text.Length + 1 && int.TryParse(
                            text.AsSpan(j + 1, Math.Min(n, text.Length - j - 1)), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var cp)
                        && j + n < text.Length)
                    {
                        sb.Append(char.ConvertFromUtf32(cp));
                        return j + 1 + n;
                    }

                    sb.Append(ch);
                    return j + 1;
                }

            default:
                if (ch is >= '0' and <= '7')
                {
                    var k = j;
                    var v = 0;
                    while (k < text.Length && k < j + 3 && text[k] is >= '0' and <= '7')
                    {
                        v = (v * 8) + (text[k] - '0');
                        k++;
                    }

                    sb.Append((char)v);
                    return k;
                }

                sb.Append(ch);
                return j + 1;
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>Lexes B'0101' / X'1F' at <paramref name="i"/>; <paramref name="bits"/> gets the bits as 0/1 characters.</summary>
    public static int BitStringLength(string text, int i, out string bits)
    {
        bits = "";
        if (i + 1 >= text.Length || text[i + 1] != '\'' || (text[i] | 0x20) is not ('b' or 'x'))
        {
            return 0;
        }

        var hex = (text[i] | 0x20) == 'x';
        var close = text.IndexOf('\'', i + 2);
        if (close < 0)
        {
            throw Error(hex ? "unterminated hexadecimal string literal" : "unterminated bit string literal", text, i, text.Length - i);
        }

        var body = text.AsSpan(i + 2, close - i - 2);
        var sb = new StringBuilder(body.Length * (hex ? 4 : 1));
        foreach (var ch in body)
        {
            if (hex)
            {
                if (!char.IsAsciiHexDigit(ch))
                {
                    throw new SqlException(SqlState.InvalidTextRepresentation, $"\"{ch}\" is not a valid hexadecimal digit", i);
                }

                var v = HexValue(ch);
                for (var b = 3; b >= 0; b--)
                {
                    sb.Append((v >> b & 1) == 1 ? '1' : '0');
                }
            }
            else
            {
                if (ch is not ('0' or '1'))
                {
                    throw new SqlException(SqlState.InvalidTextRepresentation, $"\"{ch}\" is not a valid binary digit", i);
                }

                sb.Append(ch);
            }
        }

        bits = sb.ToString();
        return close + 1 - i;
    }

    /// <summary>Length of the quoted identifier at <paramref name="i"/> (0 if none); <paramref name="name"/> gets its text.</summary>
    public static int QuotedIdentifierLength(string text, int i, out string name)
    {
        name = "";
        if (i >= text.Length || text[i] != '"')
        {
            return 0;
        }

        var sb = new StringBuilder();
        var j = i + 1;
        while (true)
        {
            if (j >= text.Length)
            {
                throw Error("unterminated quoted identifier", text, i, text.Length - i);
            }

            if (text[j] == '"')
            {
                if (j + 1 < text.Length && text[j + 1] == '"')
                {
                    sb.Append('"');
                    j += 2;
                    continue;
                }

                break;
            }

            sb.Append(text[j]);
            j++;
        }

        if (sb.Length == 0)
        {
            throw Error("zero-length delimited identifier", text, i, j + 1 - i);
        }

        name = sb.ToString();
        return j + 1 - i;
    }

    /// <summary>Length of the lexical token starting at <paramref name="i"/>, for error messages.</summary>
    public static int TokenLength(string text, int i)
    {
        if (i >= text.Length)
        {
            return 0;
        }

        var c = text[i];
        try
        {
            int len;
            if ((len = BitStringLength(text, i, out _)) > 0 || (len = StringLength(text, i, out _)) > 0
                || (len = QuotedIdentifierLength(text, i, out _)) > 0)
            {
                return len;
            }
        }
        catch (SqlException)
        {
            return text.Length - i;
        }

        if (IsIdentStart(c))
        {
            return WordLength(text, i);
        }

        if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
        {
            return NumberLength(text, i, out _);
        }

        if (c == '$')
        {
            var j = i + 1;
            while (j < text.Length && char.IsAsciiDigit(text[j]))
            {
                j++;
            }

            return j - i;
        }

        if (c == ':' && i + 1 < text.Length && (text[i + 1] == ':' || text[i + 1] == '='))
        {
            return 2;
        }

        if (IsOperatorChar(c))
        {
            return Math.Max(1, OperatorLength(text, i));
        }

        return 1;
    }

    /// <summary>A lexical error in PostgreSQL's form: <c>message at or near "token"</c>.</summary>
    public static SqlException Error(string message, string text, int position, int length)
        => new(SqlState.SyntaxError, $"{message} at or near \"{text.Substring(position, length)}\"", position);
}

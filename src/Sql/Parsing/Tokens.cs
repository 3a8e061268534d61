using AnnSql.Sql.Ast;
using Pidgin;

namespace AnnSql.Sql.Parsing;

/// <summary>
/// The grammar's leaves: token parsers that match one lexical token (or an atomic keyword sequence) at the current offset,
/// skip the whitespace and comments after it (the <c>Tok()</c> idiom), and fail <b>without consuming input</b>, so
/// alternatives need no <c>Try</c>. Each failure records its offset in <see cref="ParseContext"/> for error reporting.
/// </summary>
internal static class Tokens
{
    /// <summary>A keyword (case-insensitive, whole word only).</summary>
    public static Parser<char, Unit> Kw(string word) => new KeywordsToken([word], followedByParen: false);

    /// <summary>An atomic keyword sequence such as <c>ORDER BY</c> or <c>IF NOT EXISTS</c>: all of it or nothing.</summary>
    public static Parser<char, Unit> Kws(params string[] words) => new KeywordsToken(words, followedByParen: false);

    /// <summary>A keyword that matches only when an opening parenthesis follows (the parenthesis is not consumed).</summary>
    public static Parser<char, Unit> KwParen(string word) => new KeywordsToken([word], followedByParen: true);

    /// <summary>One of the given keywords; returns it (lower-case).</summary>
    public static Parser<char, string> KwOneOf(params string[] words) => new KeywordSetToken(words);

    /// <summary>A column/table/alias name (PostgreSQL's ColId): an identifier or non-reserved keyword, or a quoted name.</summary>
    public static readonly Parser<char, string> ColId = new IdentifierToken(Keywords.NotColId, typeFuncIfParen: false);

    /// <summary>The first part of a name in an expression: a ColId, or a type/function keyword called as a function.</summary>
    public static readonly Parser<char, string> FirstNamePart = new IdentifierToken(Keywords.NotColId, typeFuncIfParen: true);

    /// <summary>Any word, reserved or not (PostgreSQL's ColLabel: after AS, after a dot, option names).</summary>
    public static readonly Parser<char, string> Label = new IdentifierToken(null, typeFuncIfParen: false);

    /// <summary>A select-list label without AS.</summary>
    public static readonly Parser<char, string> BareLabel = new IdentifierToken(Keywords.AsLabelOnly, typeFuncIfParen: false);

    /// <summary>A bare table alias in UPDATE, where SET follows.</summary>
    public static readonly Parser<char, string> UpdateAlias = new IdentifierToken(Keywords.NotUpdateAlias, typeFuncIfParen: false);

    /// <summary>A string constant: its value.</summary>
    public static readonly Parser<char, string> StringValue = new StringToken();

    /// <summary>A string constant as an expression.</summary>
    public static readonly Parser<char, Expr> StringLiteral = new StringLiteralToken();

    /// <summary>A numeric constant as an expression.</summary>
    public static readonly Parser<char, Expr> NumberLiteral = new NumberToken();

    /// <summary>A bit-string constant B'..' / X'..'.</summary>
    public static readonly Parser<char, Expr> BitStringLiteral = new BitStringToken();

    /// <summary>A positional parameter $n.</summary>
    public static readonly Parser<char, Expr> Parameter = new ParameterToken();

    /// <summary>The end of the input.</summary>
    public static readonly Parser<char, Unit> EndOfInput = new EndToken();

    /// <summary>Whitespace and comments (used once at the start; every token skips the trivia after itself).</summary>
    public static readonly Parser<char, Unit> Trivia = new TriviaParser();

    /// <summary>A punctuation token: <c>( ) , ; [ ] .</c> or <c>:</c>.</summary>
    public static Parser<char, Unit> Sym(char c) => c switch
    {
        '(' => OpenParen,
        ')' => CloseParen,
        ',' => Comma,
        _ => new SymbolToken(c.ToString()),
    };

    public static readonly Parser<char, Unit> OpenParen = new SymbolToken("(");

    public static readonly Parser<char, Unit> CloseParen = new SymbolToken(")");

    public static readonly Parser<char, Unit> Comma = new SymbolToken(",");

    /// <summary>The <c>::</c> cast token.</summary>
    public static readonly Parser<char, Unit> DoubleColon = new SymbolToken("::");

    /// <summary>An operator token (longest match) that is one of <paramref name="operators"/>; returns it.</summary>
    public static Parser<char, string> Op(params string[] operators) => new OperatorToken(new HashSet<string>(operators, StringComparer.Ordinal), null);

    /// <summary>An operator token that is not one of <paramref name="excluded"/>; returns it.</summary>
    public static Parser<char, string> OpExcept(params string[] excluded) => new OperatorToken(null, new HashSet<string>(excluded, StringComparer.Ordinal));

    /// <summary>Base of the token parsers: match at the offset, then skip trivia; on failure consume nothing.</summary>
    private abstract class Token<T> : Parser<char, T>
    {
        /// <summary>Matches at <paramref name="pos"/>; returns the token length, or -1 with <paramref name="failAt"/> set.</summary>
        protected abstract int Match(string text, int pos, out T value, ref int failAt);

        public sealed override bool TryParse(ref ParseState<char> state, ref PooledList<Expected<char>> expecteds, out T result)
        {
            var ctx = ParseContext.Current;
            var text = ctx.Text;
            var pos = (int)state.Location;
            var failAt = pos;
            var len = Match(text, pos, out result, ref failAt);
            if (len >= 0)
            {
                var next = Lexer.SkipTrivia(text, pos + len);
                state.Advance(next - pos);
                return true;
            }

            ctx.Fail(failAt);
            state.SetError(Maybe.Nothing<char>(), pos >= text.Length, state.Location, null);
            return false;
        }
    }

    private sealed class KeywordsToken(string[] words, bool followedByParen) : Token<Unit>
    {
        protected override int Match(string text, int pos, out Unit value, ref int failAt)
        {
            value = Unit.Value;
            var i = pos;
            for (var w = 0; w < words.Length; w++)
            {
                if (w > 0)
                {
                    i = Lexer.SkipTrivia(text, i);
                }

                if (!Lexer.IsWord(text, i, words[w]))
                {
                    failAt = i;
                    return -1;
                }

                i += words[w].Length;
            }

            if (followedByParen)
            {
                var j = Lexer.SkipTrivia(text, i);
                if (j >= text.Length || text[j] != '(')
                {
                    failAt = j;
                    return -1;
                }
            }

            return i - pos;
        }
    }

    private sealed class KeywordSetToken(string[] words) : Token<string>
    {
        protected override int Match(string text, int pos, out string value, ref int failAt)
        {
            var len = Lexer.WordLength(text, pos);
            foreach (var w in words)
            {
                if (w.Length == len && string.Compare(text, pos, w, 0, len, StringComparison.OrdinalIgnoreCase) == 0)
                {
                    value = w;
                    return len;
                }
            }

            value = "";
            return -1;
        }
    }

    private sealed class IdentifierToken(HashSet<string>? excluded, bool typeFuncIfParen) : Token<string>
    {
        protected override int Match(string text, int pos, out string value, ref int failAt)
        {
            var quoted = Lexer.QuotedIdentifierLength(text, pos, out value);
            if (quoted > 0)
            {
                return quoted;
            }

            var len = Lexer.WordLength(text, pos);
            if (len == 0)
            {
                return -1;
            }

            // E'..', B'..', X'..', N'..' are string constants, not names.
            if (len == 1 && pos + 1 < text.Length && text[pos + 1] == '\'' && (text[pos] | 0x20) is 'e' or 'b' or 'x' or 'n')
            {
                return -1;
            }

            value = Lexer.Fold(text, pos, len);
            if (excluded is not null && excluded.Contains(value))
            {
                if (!(typeFuncIfParen && Keywords.TypeFuncName.Contains(value) && NextIsParen(text, pos + len)))
                {
                    return -1;
                }
            }

            return len;
        }

        private static bool NextIsParen(string text, int i)
        {
            var j = Lexer.SkipTrivia(text, i);
            return j < text.Length && text[j] == '(';
        }
    }

    private sealed class SymbolToken(string symbol) : Token<Unit>
    {
        protected override int Match(string text, int pos, out Unit value, ref int failAt)
        {
            value = Unit.Value;
            if (string.CompareOrdinal(text, pos, symbol, 0, symbol.Length) != 0)
            {
                return -1;
            }

            // ':' must not be the start of '::' or ':='; '.' must not start a number.
            var after = pos + symbol.Length;
            if (symbol == ":" && after < text.Length && (text[after] == ':' || text[after] == '='))
            {
                return -1;
            }

            return symbol.Length;
        }
    }

    private sealed class OperatorToken(HashSet<string>? allowed, HashSet<string>? excluded) : Token<string>
    {
        protected override int Match(string text, int pos, out string value, ref int failAt)
        {
            value = "";
            var len = pos < text.Length ? Lexer.OperatorLength(text, pos) : 0;
            if (len == 0)
            {
                return -1;
            }

            value = text.Substring(pos, len);
            if (value == "!=")
            {
                value = "<>";
            }

            if ((allowed is not null && !allowed.Contains(value)) || (excluded is not null && excluded.Contains(value)))
            {
                return -1;
            }

            return len;
        }
    }

    private sealed class StringToken : Token<string>
    {
        protected override int Match(string text, int pos, out string value, ref int failAt)
        {
            var len = Lexer.StringLength(text, pos, out value);
            return len > 0 ? len : -1;
        }
    }

    private sealed class StringLiteralToken : Token<Expr>
    {
        protected override int Match(string text, int pos, out Expr value, ref int failAt)
        {
            var len = Lexer.StringLength(text, pos, out var s);
            value = new Literal(LiteralKind.String, s) { Position = pos };
            return len > 0 ? len : -1;
        }
    }

    private sealed class NumberToken : Token<Expr>
    {
        protected override int Match(string text, int pos, out Expr value, ref int failAt)
        {
            var len = Lexer.NumberLength(text, pos, out var isInteger);
            value = len > 0
                ? new Literal(isInteger ? LiteralKind.Integer : LiteralKind.Decimal, text.Substring(pos, len)) { Position = pos }
                : null!;
            return len > 0 ? len : -1;
        }
    }

    private sealed class BitStringToken : Token<Expr>
    {
        protected override int Match(string text, int pos, out Expr value, ref int failAt)
        {
            var len = Lexer.BitStringLength(text, pos, out var bits);
            value = new Literal(LiteralKind.BitString, bits) { Position = pos };
            return len > 0 ? len : -1;
        }
    }

    private sealed class ParameterToken : Token<Expr>
    {
        protected override int Match(string text, int pos, out Expr value, ref int failAt)
        {
            value = null!;
            if (pos >= text.Length || text[pos] != '$')
            {
                return -1;
            }

            var j = pos + 1;
            var n = 0;
            while (j < text.Length && char.IsAsciiDigit(text[j]))
            {
                n = n > 100_000_000 ? n : (n * 10) + (text[j] - '0');
                j++;
            }

            if (j == pos + 1)
            {
                return -1;
            }

            value = new ParameterRef(n) { Position = pos };
            return j - pos;
        }
    }

    private sealed class EndToken : Token<Unit>
    {
        protected override int Match(string text, int pos, out Unit value, ref int failAt)
        {
            value = Unit.Value;
            return pos >= text.Length ? 0 : -1;
        }
    }

    private sealed class TriviaParser : Parser<char, Unit>
    {
        public override bool TryParse(ref ParseState<char> state, ref PooledList<Expected<char>> expecteds, out Unit result)
        {
            var text = ParseContext.Current.Text;
            var pos = (int)state.Location;
            state.Advance(Lexer.SkipTrivia(text, pos) - pos);
            result = Unit.Value;
            return true;
        }
    }
}

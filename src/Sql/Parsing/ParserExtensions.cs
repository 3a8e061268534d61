using AnnSql.Sql.Ast;
using Pidgin;
using static Pidgin.Parser;

namespace AnnSql.Sql.Parsing;

/// <summary>Small combinators the grammar uses everywhere.</summary>
internal static class ParserExtensions
{
    public static Parser<char, IReadOnlyList<T>> ListOf<T>(this Parser<char, IEnumerable<T>> parser)
        => parser.Map(static items => (IReadOnlyList<T>)(items as List<T> ?? [.. items]));

    /// <summary>The value, or null when the parser fails without consuming input.</summary>
    public static Parser<char, T?> OrNull<T>(this Parser<char, T> parser)
        where T : class
        => parser.Optional().Map(static m => m.HasValue ? m.Value : null);

    /// <summary>True when the parser matched, false when it failed without consuming input.</summary>
    public static Parser<char, bool> Flag<T>(this Parser<char, T> parser) => parser.ThenReturn(true).Or(Parser<char>.Return(false));

    /// <summary>Sets the statement's Position/Length to its text span, without trailing whitespace.</summary>
    public static Parser<char, T> WithSpan<T>(this Parser<char, T> parser)
        where T : Statement
        => Map(
            static (start, stmt, end) =>
            {
                var text = ParseContext.Current.Text;
                while (end > start && char.IsWhiteSpace(text[end - 1]))
                {
                    end--;
                }

                return (T)((Statement)stmt with { Position = start, Length = end - start });
            },
            Parser<char>.CurrentOffset,
            parser,
            Parser<char>.CurrentOffset);
}

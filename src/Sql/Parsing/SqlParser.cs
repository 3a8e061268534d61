using AnnSql.Sql.Ast;
using AnnSql.Sql.Errors;
using Pidgin;

namespace AnnSql.Sql.Parsing;

/// <summary>
/// Entry points of the SQL parser: PostgreSQL-dialect text to the <see cref="Statement"/>/<see cref="Expr"/> AST. Syntax errors
/// are <see cref="SqlException"/>s with SQLSTATE 42601 and PostgreSQL's exact messages (<c>syntax error at or near "x"</c>,
/// <c>syntax error at end of input</c>) and the 0-based offset of the offending token.
/// </summary>
public static class SqlParser
{
    /// <summary>
    /// Parses a query string holding zero or more ';'-separated statements. Each statement's Position/Length is its text span
    /// (without the ';'). Empty statements are dropped; a string with no statement at all gives one <see cref="EmptyStatement"/>.
    /// </summary>
    public static IReadOnlyList<Statement> ParseScript(string sql)
    {
        var statements = Run(sql, StatementGrammar.Script);
        return statements.Count > 0 ? statements : [new EmptyStatement { Position = 0, Length = 0 }];
    }

    /// <summary>Parses exactly one statement (trailing ';' allowed).</summary>
    public static Statement ParseStatement(string sql) => Run(sql, StatementGrammar.Single);

    /// <summary>Parses a standalone expression (column defaults stored as text, tests).</summary>
    public static Expr ParseExpression(string text) => Run(text, StatementGrammar.Expression);

    /// <summary>Parses a type name as written in casts and DDL (<c>character varying(10)</c>, <c>vector(3)</c>, <c>int[]</c>).</summary>
    public static TypeName ParseTypeName(string text) => Run(text, StatementGrammar.TypeName);

    private static T Run<T>(string text, Parser<char, T> parser)
    {
        ArgumentNullException.ThrowIfNull(text);
        var context = new ParseContext(text);
        var previous = ParseContext.Enter(context);
        try
        {
            var result = parser.Parse(text);
            if (result.Success)
            {
                return result.Value;
            }

            var offset = Math.Max(context.Furthest, result.Error!.ErrorOffset);
            throw SyntaxError(text, offset);
        }
        finally
        {
            ParseContext.Enter(previous);
        }
    }

    private static SqlException SyntaxError(string text, int offset)
    {
        offset = Lexer.SkipTrivia(text, Math.Clamp(offset, 0, text.Length));
        if (offset >= text.Length)
        {
            return new SqlException(SqlState.SyntaxError, "syntax error at end of input", text.Length);
        }

        var length = Math.Max(1, Lexer.TokenLength(text, offset));
        return new SqlException(SqlState.SyntaxError, $"syntax error at or near \"{text.Substring(offset, length)}\"", offset);
    }
}

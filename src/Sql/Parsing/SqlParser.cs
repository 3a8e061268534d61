using AnnSql.Sql.Ast;

namespace AnnSql.Sql.Parsing;

/// <summary>Placeholder until the parser lands.</summary>
public static class SqlParser
{
    public static IReadOnlyList<Statement> ParseScript(string sql) => throw new NotImplementedException();

    public static Statement ParseStatement(string sql) => throw new NotImplementedException();

    public static Expr ParseExpression(string text) => throw new NotImplementedException();

    public static TypeName ParseTypeName(string text) => throw new NotImplementedException();
}

using AnnSql.Sql.Ast;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Binding;

/// <summary>A reference to a column by ordinal in the current scope (the synthesized conditions of JOIN ... USING).</summary>
internal sealed record UsingColumn(int Ordinal) : Expr;

/// <summary>DEFAULT in a VALUES row: replaced by the column default when the row is inserted.</summary>
public sealed class DefaultMarker(SqlType type) : BoundExpr(type)
{
    public override object? Eval(EvalContext ctx) => throw new Errors.SqlException(Errors.SqlState.FeatureNotSupported, "DEFAULT is not allowed in this context");

    public override string Fingerprint => "DEFAULT";
}

/// <summary>A comparison operator (= &lt;&gt; &lt; &lt;= &gt; &gt;=) over two values of comparable types.</summary>
public sealed class ComparisonExpr(string op, BoundExpr left, BoundExpr right) : BoundExpr(SqlType.Bool)
{
    public string Operator { get; } = op;

    public BoundExpr Left { get; } = left;

    public BoundExpr Right { get; } = right;

    public override object? Eval(EvalContext ctx)
    {
        var a = Left.Eval(ctx);
        if (a is null)
        {
            return null;
        }

        var b = Right.Eval(ctx);
        return b is null ? null : Test(Operator, a, b);
    }

    public static bool Test(string op, object a, object b)
    {
        if (op is "=" or "<>" or "!=")
        {
            bool eq = SqlValues.AreEqual(a, b);
            return op == "=" ? eq : !eq;
        }

        int c = SqlValues.Compare(a, b);
        return op switch
        {
            "<" => c < 0,
            "<=" => c <= 0,
            ">" => c > 0,
            ">=" => c >= 0,
            _ => throw new InvalidOperationException(op),
        };
    }

    public override bool IsConstant => Left.IsConstant && Right.IsConstant;

    public override string Fingerprint => $"({Left.Fingerprint} {Operator} {Right.Fingerprint})";
}

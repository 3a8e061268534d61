using System.Text;

namespace AnnSql.Sql.Ast;

/// <summary>Prints an expression back as SQL text (for stored column defaults and pg_get_expr).</summary>
public static class ExpressionPrinter
{
    public static string Print(Expr e)
    {
        var sb = new StringBuilder();
        Append(sb, e);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, Expr e)
    {
        switch (e)
        {
            case Literal { Kind: LiteralKind.String } l:
                sb.Append('\'').Append(l.Text!.Replace("'", "''", StringComparison.Ordinal)).Append('\'');
                break;
            case Literal { Kind: LiteralKind.Null }:
                sb.Append("NULL");
                break;
            case Literal { Kind: LiteralKind.Boolean } b:
                sb.Append(b.BooleanValue ? "true" : "false");
                break;
            case Literal l:
                sb.Append(l.Text);
                break;
            case ColumnRef c:
                sb.Append(string.Join('.', c.Parts.Select(Quote)));
                break;
            case FunctionCall f:
                sb.Append(string.Join('.', f.Name)).Append('(');
                for (int i = 0; i < f.Arguments.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    Append(sb, f.Arguments[i]);
                }

                sb.Append(')');
                break;
            case CastExpr c:
                sb.Append('(');
                Append(sb, c.Operand);
                sb.Append(")::").Append(c.Type.Name);
                if (c.Type.Modifiers.Count > 0)
                {
                    sb.Append('(').Append(string.Join(',', c.Type.Modifiers)).Append(')');
                }

                for (int i = 0; i < c.Type.ArrayDimensions; i++)
                {
                    sb.Append("[]");
                }

                break;
            case UnaryExpr u:
                sb.Append(u.Operator).Append(u.Operator.Length > 1 ? " " : "");
                Append(sb, u.Operand);
                break;
            case BinaryExpr b:
                sb.Append('(');
                Append(sb, b.Left);
                sb.Append(' ').Append(b.Operator).Append(' ');
                Append(sb, b.Right);
                sb.Append(')');
                break;
            case ArrayExpr a:
                sb.Append("ARRAY[");
                for (int i = 0; i < a.Items.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    Append(sb, a.Items[i]);
                }

                sb.Append(']');
                break;
            case SpecialValue s:
                sb.Append(s.Name.ToUpperInvariant());
                break;
            default:
                throw new Errors.SqlException(Errors.SqlState.FeatureNotSupported, "unsupported expression in a column default", e.Position);
        }
    }

    private static string Quote(string name) =>
        name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_') ? name : "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using AnnSql.Sql.Ast;

namespace AnnSql.Sql.Tests.Parsing;

/// <summary>
/// Prints AST nodes as compact text for golden assertions (record equality does not compare lists).
/// Expressions print as fully parenthesized S-expressions; other nodes print as <c>Type(Prop=value, ...)</c> with
/// positions, lengths and null/empty/false members left out.
/// </summary>
internal static class AstPrinter
{
    public static string Print(object? node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                return;
            case Expr e:
                WriteExpr(sb, e);
                return;
            case TypeName t:
                sb.Append(t.Name);
                if (t.Modifiers.Count > 0)
                {
                    sb.Append('(').Append(string.Join(',', t.Modifiers)).Append(')');
                }

                for (var i = 0; i < t.ArrayDimensions; i++)
                {
                    sb.Append("[]");
                }

                return;
            case QualifiedName q:
                sb.Append(q);
                return;
            case string s:
                sb.Append(s);
                return;
            case bool b:
                sb.Append(b ? "true" : "false");
                return;
            case KeyValuePair<string, string> kv:
                sb.Append(kv.Key).Append('=').Append(kv.Value);
                return;
            case IDictionary dict:
                sb.Append('{');
                var firstEntry = true;
                foreach (var key in dict.Keys.Cast<string>().Order(StringComparer.Ordinal))
                {
                    sb.Append(firstEntry ? "" : ", ").Append(key).Append('=').Append(dict[key]);
                    firstEntry = false;
                }

                sb.Append('}');
                return;
            case IEnumerable list:
                sb.Append('[');
                var first = true;
                foreach (var item in list)
                {
                    sb.Append(first ? "" : ", ");
                    Write(sb, item);
                    first = false;
                }

                sb.Append(']');
                return;
            case Enum or int:
                sb.Append(Convert.ToString(node, CultureInfo.InvariantCulture));
                return;
        }

        WriteRecord(sb, node);
    }

    private static void WriteRecord(StringBuilder sb, object node)
    {
        var type = node.GetType();
        sb.Append(type.Name).Append('(');
        var first = true;
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.Name is "Position" or "Length" or "EqualityContract" || p.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var value = p.GetValue(node);
            if (value is null || (value is false && p.PropertyType == typeof(bool)) || (value is ICollection { Count: 0 }))
            {
                continue;
            }

            sb.Append(first ? "" : ", ").Append(p.Name).Append('=');
            Write(sb, value);
            first = false;
        }

        sb.Append(')');
    }

    private static void WriteExpr(StringBuilder sb, Expr e)
    {
        switch (e)
        {
            case Literal l:
                sb.Append(l.Kind switch
                {
                    LiteralKind.Null => "NULL",
                    LiteralKind.Boolean => l.BooleanValue ? "TRUE" : "FALSE",
                    LiteralKind.String => "'" + l.Text + "'",
                    LiteralKind.BitString => "B'" + l.Text + "'",
                    _ => l.Text,
                });
                break;
            case ColumnRef c:
                sb.Append(string.Join('.', c.Parts));
                break;
            case Star s:
                sb.Append(s.Qualifier is null ? "*" : s.Qualifier + ".*");
                break;
            case ParameterRef p:
                sb.Append('$').Append(p.Number);
                break;
            case UnaryExpr u:
                sb.Append('(').Append(u.Operator).Append(' ');
                WriteExpr(sb, u.Operand);
                sb.Append(')');
                break;
            case BinaryExpr b:
                sb.Append('(');
                WriteExpr(sb, b.Left);
                sb.Append(' ').Append(b.Operator).Append(' ');
                WriteExpr(sb, b.Right);
                sb.Append(')');
                break;
            case IsNullExpr n:
                sb.Append('(');
                WriteExpr(sb, n.Operand);
                sb.Append(n.Negated ? " IS NOT NULL)" : " IS NULL)");
                break;
            case IsBoolExpr ib:
                sb.Append('(');
                WriteExpr(sb, ib.Operand);
                sb.Append(ib.Negated ? " IS NOT " : " IS ").Append(ib.Value switch { true => "TRUE", false => "FALSE", null => "UNKNOWN" })
                    .Append(')');
                break;
            case IsDistinctFromExpr d:
                sb.Append('(');
                WriteExpr(sb, d.Left);
                sb.Append(d.Negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ");
                WriteExpr(sb, d.Right);
                sb.Append(')');
                break;
            case BetweenExpr bt:
                sb.Append('(');
                WriteExpr(sb, bt.Operand);
                sb.Append(bt.Negated ? " NOT BETWEEN " : " BETWEEN ");
                WriteExpr(sb, bt.Low);
                sb.Append(" AND ");
                WriteExpr(sb, bt.High);
                sb.Append(')');
                break;
            case InListExpr il:
                sb.Append('(');
                WriteExpr(sb, il.Operand);
                sb.Append(il.Negated ? " NOT IN " : " IN ");
                WriteList(sb, il.Items);
                sb.Append(')');
                break;
            case InSubqueryExpr isq:
                sb.Append('(');
                WriteExpr(sb, isq.Operand);
                sb.Append(isq.Negated ? " NOT IN " : " IN ");
                Write(sb, isq.Query);
                sb.Append(')');
                break;
            case ExistsExpr ex:
                sb.Append("EXISTS ");
                Write(sb, ex.Query);
                break;
            case SubqueryExpr sq:
                sb.Append("SUBQUERY ");
                Write(sb, sq.Query);
                break;
            case QuantifiedExpr q:
                sb.Append('(');
                WriteExpr(sb, q.Left);
                sb.Append(' ').Append(q.Operator).Append(q.All ? " ALL " : " ANY ");
                if (q.Array is not null)
                {
                    WriteExpr(sb, q.Array);
                }
                else
                {
                    Write(sb, q.Query);
                }

                sb.Append(')');
                break;
            case CastExpr c:
                sb.Append('(');
                WriteExpr(sb, c.Operand);
                sb.Append("::");
                Write(sb, c.Type);
                sb.Append(')');
                break;
            case FunctionCall f:
                sb.Append(string.Join('.', f.Name)).Append('(');
                if (f.Distinct)
                {
                    sb.Append("DISTINCT ");
                }

                if (f.StarArgument)
                {
                    sb.Append('*');
                }

                for (var i = 0; i < f.Arguments.Count; i++)
                {
                    sb.Append(i > 0 ? ", " : "");
                    WriteExpr(sb, f.Arguments[i]);
                }

                if (f.AggregateOrderBy is not null)
                {
                    sb.Append(" ORDER BY ");
                    Write(sb, f.AggregateOrderBy);
                }

                sb.Append(')');
                if (f.Filter is not null)
                {
                    sb.Append(" FILTER ");
                    WriteExpr(sb, f.Filter);
                }

                break;
            case CaseExpr ce:
                sb.Append("CASE");
                if (ce.Operand is not null)
                {
                    sb.Append(' ');
                    WriteExpr(sb, ce.Operand);
                }

                foreach (var w in ce.Whens)
                {
                    sb.Append(" WHEN ");
                    WriteExpr(sb, w.Condition);
                    sb.Append(" THEN ");
                    WriteExpr(sb, w.Result);
                }

                if (ce.Else is not null)
                {
                    sb.Append(" ELSE ");
                    WriteExpr(sb, ce.Else);
                }

                sb.Append(" END");
                break;
            case ArrayExpr a:
                sb.Append("ARRAY");
                WriteList(sb, a.Items, '[', ']');
                break;
            case ArraySubqueryExpr asq:
                sb.Append("ARRAY ");
                Write(sb, asq.Query);
                break;
            case SubscriptExpr s:
                WriteExpr(sb, s.Operand);
                sb.Append('[');
                if (s.Index is not null)
                {
                    WriteExpr(sb, s.Index);
                }

                if (s.IsSlice)
                {
                    sb.Append(':');
                    if (s.UpperIndex is not null)
                    {
                        WriteExpr(sb, s.UpperIndex);
                    }
                }

                sb.Append(']');
                break;
            case CollateExpr co:
                sb.Append('(');
                WriteExpr(sb, co.Operand);
                sb.Append(" COLLATE ").Append(co.Collation).Append(')');
                break;
            case RowExpr r:
                sb.Append("ROW");
                WriteList(sb, r.Items);
                break;
            case SpecialValue sv:
                sb.Append(sv.Name.ToUpperInvariant());
                break;
            case DefaultExpr:
                sb.Append("DEFAULT");
                break;
            default:
                WriteRecord(sb, e);
                break;
        }
    }

    private static void WriteList(StringBuilder sb, IReadOnlyList<Expr> items, char open = '(', char close = ')')
    {
        sb.Append(open);
        for (var i = 0; i < items.Count; i++)
        {
            sb.Append(i > 0 ? ", " : "");
            WriteExpr(sb, items[i]);
        }

        sb.Append(close);
    }
}

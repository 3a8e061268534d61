using AnnSql.Sql.Ast;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Execution.Plan;
using AnnSql.Sql.Functions;
using AnnSql.Sql.Indexing;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Binding;

public sealed partial class Binder
{
    /// <summary>
    /// The exact k-NN rewrite (DESIGN §4): <c>SELECT ... FROM t [WHERE p] ORDER BY t.v &lt;op&gt; q LIMIT k</c>, where q does not
    /// depend on the row, becomes one <see cref="VectorTopKNode"/> pass with a bounded heap instead of a sort.
    /// </summary>
    private PlanNode? TryBindVectorTopK(SelectCore core, SelectStatement select, Scope scope, PlanNode input, BoundExpr? where)
    {
        if (select.Limit is null || select.OrderBy.Count != 1 || input is not SeqScanNode scan || select.OrderBy[0].Descending
            || select.OrderBy[0].Expression is not BinaryExpr { } distance || VectorFunctions.ForOperator(distance.Operator) is not { } fn)
        {
            return null;
        }

        var (left, right) = BindPair(distance.Left, distance.Right, scope);
        BoundExpr column, query;
        if (left is ColumnExpr { LevelsUp: 0 } lc && !ReferencesLevel0(right))
        {
            (column, query) = (lc, right);
        }
        else if (right is ColumnExpr { LevelsUp: 0 } rc && !ReferencesLevel0(left))
        {
            (column, query) = (rc, left);
        }
        else
        {
            return null;
        }

        if (!(column.Type.IsVector || column.Type.Kind is SqlTypeKind.Bit or SqlTypeKind.VarBit))
        {
            return null;
        }

        // Validates operand types exactly as the operator would (42883 for a non-vector operand).
        Operators.Bind(distance.Operator, left, right, distance.Position);
        int ordinal = ((ColumnExpr)column).Ordinal;
        var limit = BindLimit(select.Limit, scope.Parent)!;
        var offset = BindLimit(select.Offset, scope.Parent);
        var topK = new VectorTopKNode(scan.Table, scope.Columns.Count > 0 ? scope.Columns[0].Table ?? scan.Table.Name : scan.Table.Name,
            scan.Columns, ordinal, distance.Operator, query, limit, offset, where, fn);
        PlanNode access = topK;
        if (FindVectorIndex(scan.Table, ordinal, distance.Operator) is { } index)
        {
            var (labels, residual) = index.KeyColumns.Count > 1 ? SplitLabelPredicate(where, scan.Table.OrdinalOf(index.KeyColumns[1])) : (null, where);
            access = new VectorIndexScanNode(index, topK, scan.Table, scan.Columns, ordinal, distance.Operator, query, limit, offset, where,
                labels, residual, fn);
        }

        // Project the select list over the top-k rows (distances are recomputed for the k rows only).
        var exprs = new List<BoundExpr>();
        var columns = new List<OutputColumn>();
        foreach (var item in core.Items)
        {
            if (item.Expression is Star star)
            {
                ExpandStar(star, scope, exprs, columns);
                continue;
            }

            var e = BindExpr(item.Expression, scope, null);
            if (e.Type.Kind == SqlTypeKind.Unknown)
            {
                e = Coerce(e, SqlType.Text, -1);
            }

            exprs.Add(e);
            columns.Add(OutputFor(item, e, scope));
        }

        return new ProjectNode(access, [.. exprs], columns);
    }

    /// <summary>
    /// Finds, among the AND-ed conjuncts of <paramref name="where"/>, one label predicate over column
    /// <paramref name="labelOrdinal"/> that the index answers (<c>&amp;&amp;</c>, <c>@&gt;</c>, <c>&lt;@</c>, <c>= ANY</c>,
    /// <c>=</c>, <c>IN</c> with operands that do not depend on the row); returns it and the remaining conjuncts.
    /// </summary>
    private static (LabelPredicate? Labels, BoundExpr? Residual) SplitLabelPredicate(BoundExpr? where, int labelOrdinal)
    {
        if (where is null)
        {
            return (null, null);
        }

        var conjuncts = new List<BoundExpr>();
        Flatten(where, conjuncts);
        for (int i = 0; i < conjuncts.Count; i++)
        {
            if (MatchLabelPredicate(conjuncts[i], labelOrdinal) is { } labels)
            {
                conjuncts.RemoveAt(i);
                var residual = conjuncts.Count switch
                {
                    0 => null,
                    1 => conjuncts[0],
                    _ => new LogicalExpr(true, [.. conjuncts]),
                };
                return (labels, residual);
            }
        }

        return (null, where);

        static void Flatten(BoundExpr e, List<BoundExpr> into)
        {
            if (e is LogicalExpr { IsAnd: true } and)
            {
                foreach (var operand in and.Operands)
                {
                    Flatten(operand, into);
                }
            }
            else
            {
                into.Add(e);
            }
        }
    }

    private static LabelPredicate? MatchLabelPredicate(BoundExpr e, int labelOrdinal)
    {
        bool IsLabels(BoundExpr x) => x switch
        {
            ColumnExpr { LevelsUp: 0 } c => c.Ordinal == labelOrdinal,
            Execution.Expressions.CastExpr c when (c.Type.IsArray ? c.Type.Element! : c.Type).IsInteger => IsLabels(c.Operand),
            _ => false,
        };

        bool IsValue(BoundExpr x) => !ReferencesLevel0(x);

        switch (e)
        {
            case CallExpr { Name: "&&", Arguments: [var a, var b] }:
                return IsLabels(a) && IsValue(b) ? new LabelPredicate(e, LabelMatch.AnyOf, [b], true)
                    : IsLabels(b) && IsValue(a) ? new LabelPredicate(e, LabelMatch.AnyOf, [a], true)
                    : null;
            case CallExpr { Name: "@>", Arguments: [var a, var b] } when IsLabels(a) && IsValue(b):
                return new LabelPredicate(e, LabelMatch.AllOf, [b], true);
            case CallExpr { Name: "<@", Arguments: [var a, var b] } when IsLabels(b) && IsValue(a):
                return new LabelPredicate(e, LabelMatch.AllOf, [a], true);
            case CallExpr { Name: "any", QuantifiedOperator: "=", Arguments: [var x, var array] } when IsLabels(array) && IsValue(x):
                return new LabelPredicate(e, LabelMatch.AnyOf, [x], false);
            case ComparisonExpr { Operator: "=" } c when !c.Left.Type.IsArray && !c.Right.Type.IsArray:
                return IsLabels(c.Left) && IsValue(c.Right) ? new LabelPredicate(e, LabelMatch.AnyOf, [c.Right], false)
                    : IsLabels(c.Right) && IsValue(c.Left) ? new LabelPredicate(e, LabelMatch.AnyOf, [c.Left], false)
                    : null;
            case Execution.Expressions.InListExpr { Negated: false } list when IsLabels(list.Operand) && list.Items.All(IsValue):
                return new LabelPredicate(e, LabelMatch.AnyOf, list.Items, false);
            default:
                return null;
        }
    }

    /// <summary>
    /// A diskann index whose vector column is <paramref name="ordinal"/> and whose operator class orders by
    /// <paramref name="op"/> (DESIGN §4: the index answers only its own metric).
    /// </summary>
    private static IndexInfo? FindVectorIndex(TableInfo table, int ordinal, string op) =>
        table.Indexes.FirstOrDefault(i => i.Method == "diskann" && i.KeyColumns[0] == table.Columns[ordinal].AttributeNumber
            && i.OperatorClasses.Count > 0 && i.OperatorClasses[0] is { } opclass
            && DiskAnnIndexOptions.OperatorClass(opclass) is { } m && DiskAnnIndexOptions.OperatorFor(m.Metric) == op);
}

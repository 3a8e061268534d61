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
            access = new VectorIndexScanNode(index, topK, scan.Table, scan.Columns, ordinal, distance.Operator, query, limit, offset, where, fn,
                _session.Settings.GetInt("diskann.l_search"));
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
    /// A diskann index whose vector column is <paramref name="ordinal"/> and whose operator class orders by
    /// <paramref name="op"/> (DESIGN §4: the index answers only its own metric).
    /// </summary>
    private static IndexInfo? FindVectorIndex(TableInfo table, int ordinal, string op) =>
        table.Indexes.FirstOrDefault(i => i.Method == "diskann" && i.KeyColumns[0] == ordinal + 1
            && i.OperatorClasses.Count > 0 && i.OperatorClasses[0] is { } opclass
            && DiskAnnIndexOptions.OperatorClass(opclass) is { } m && DiskAnnIndexOptions.OperatorFor(m.Metric) == op);
}

using System.Globalization;
using AnnSql.Sql.Binding;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Storage.Tables;
using AnnSql.Sql.Transactions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Execution.Plan;

/// <summary>
/// A term of a WHERE clause (alone or AND-ed with others) that pins rows by a single-column unique key: <c>key = v</c> or
/// <c>key = ANY(array)</c>, with v or the array fixed for the statement (constants, parameters).
/// </summary>
/// <param name="Ordinal">The key column's position in the row.</param>
/// <param name="Values">The key value, or the array of them.</param>
/// <param name="IsArray">Whether <paramref name="Values"/> is an array (<c>= ANY</c>).</param>
public sealed record UniqueKeyTerm(int Ordinal, BoundExpr Values, bool IsArray)
{
    /// <summary>The first such term of <paramref name="where"/> over a column <paramref name="isUniqueKey"/> accepts, or null.</summary>
    public static UniqueKeyTerm? Find(BoundExpr? where, Func<int, bool> isUniqueKey)
    {
        switch (where)
        {
            case LogicalExpr { IsAnd: true } and:
                foreach (var operand in and.Operands)
                {
                    if (Find(operand, isUniqueKey) is { } term)
                    {
                        return term;
                    }
                }

                return null;
            case ComparisonExpr { Operator: "=" } equal:
                return Of(equal.Left, equal.Right, isArray: false) ?? Of(equal.Right, equal.Left, isArray: false);
            case CallExpr { Name: "any", QuantifiedOperator: "=", Arguments: [var column, var array] }:
                return Of(column, array, isArray: true);
            default:
                return null;
        }

        UniqueKeyTerm? Of(BoundExpr column, BoundExpr value, bool isArray) =>
            column is ColumnExpr { LevelsUp: 0 } c && value.IsConstant && isUniqueKey(c.Ordinal) ? new UniqueKeyTerm(c.Ordinal, value, isArray) : null;
    }

    /// <summary>The unique index of <paramref name="runtime"/> whose only key column is <see cref="Ordinal"/>, or null.</summary>
    public UniqueIndex? IndexIn(TableRuntime runtime) => runtime.UniqueIndexes.FirstOrDefault(u => u.KeyOrdinals is [var key] && key == Ordinal);

    /// <summary>
    /// The committed rows the term pins that the statement's snapshot sees and its transaction did not delete, each key
    /// looked up in <paramref name="unique"/> (following an update chain back to the visible version); every row must
    /// still pass <paramref name="where"/>. The transaction's own inserts are not included. A key value that does not
    /// convert exactly to the column's type matches no row. Null when a lookup missed while a commit was applied after
    /// the snapshot: a row deleted since may still be visible, and only a scan can tell.
    /// </summary>
    public List<(long RowId, object?[] Values)>? Lookup(
        QueryContext ctx, TableInfo table, TableRuntime runtime, UniqueIndex unique, BoundExpr where, EvalContext eval, PendingTableChanges? pending)
    {
        var result = new List<(long, object?[])>();
        var seen = new HashSet<long>();
        var keyType = table.Columns[Ordinal].Type;
        object? value = Values.Eval(eval);
        IEnumerable<object?> keys = !IsArray ? [value] : value is System.Collections.IList list ? list.Cast<object?>() : [];
        bool missed = false;
        foreach (var key in keys)
        {
            if (key is null || ToKeyType(key, keyType) is not { } converted)
            {
                continue;
            }

            if (VisibleVersion(unique.Find(new RowKey([converted])), runtime.Data, ctx.Snapshot) is not { } row)
            {
                missed = true;
                continue;
            }

            if (pending?.Deleted.Contains(row.RowId) == true || !seen.Add(row.RowId))
            {
                continue;
            }

            eval.Row = row.Values;
            if (where.Eval(eval) is true)
            {
                result.Add((row.RowId, row.Values));
            }
        }

        return missed && ctx.Session.Database.AppliedSequence > ctx.Snapshot ? null : result;
    }

    /// <summary>
    /// The version of a row the snapshot sees, starting from the newest one (what a unique index holds): when that was
    /// created by an UPDATE committed after the snapshot, the versions it replaced are followed back. Null when none is
    /// visible (the row was inserted after the snapshot, or deleted before it).
    /// </summary>
    public static RowVersion? VisibleVersion(RowVersion? newest, TableData data, long snapshot)
    {
        for (var row = newest; row is not null; row = row.PredecessorId < 0 ? null : data.Get(row.PredecessorId))
        {
            if (row.IsVisible(snapshot))
            {
                return row;
            }

            if (row.CreatedSeq <= snapshot)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>A key value as the key column's type when it converts exactly (integers of any width, same-kind values).</summary>
    private static object? ToKeyType(object key, SqlType keyType)
    {
        if (keyType.IsInteger && SqlValues.IsNumber(key))
        {
            decimal d = Convert.ToDecimal(key, CultureInfo.InvariantCulture);
            return d != decimal.Truncate(d) ? null
                : keyType.Kind switch
                {
                    SqlTypeKind.Int2 => d is >= short.MinValue and <= short.MaxValue ? (short)d : null,
                    SqlTypeKind.Int4 => d is >= int.MinValue and <= int.MaxValue ? (int)d : null,
                    _ => d is >= long.MinValue and <= long.MaxValue ? (long)d : null,
                };
        }

        return keyType.Kind is SqlTypeKind.Text or SqlTypeKind.Varchar && key is string ? key
            : keyType.Kind == SqlTypeKind.Uuid && key is Guid ? key
            : null;
    }
}

/// <summary>
/// <c>SELECT ... FROM t WHERE key = v</c> (or <c>key = ANY(array)</c>) over a single-column primary key or unique
/// constraint: the rows come from the unique index instead of a sequential scan, PostgreSQL's Index Scan. The rest of
/// the WHERE clause filters them; the transaction's own inserts are checked one by one. Falls back to a filtered scan
/// when the index is gone or a lookup raced a commit.
/// </summary>
public sealed class UniqueKeyScanNode(SeqScanNode scan, BoundExpr where, UniqueKeyTerm term, string indexName) : PlanNode
{
    public override IReadOnlyList<OutputColumn> Columns => scan.Columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        var eval = new EvalContext(ctx, outer);
        var runtime = ctx.Session.Database.GetTable(scan.Table);
        var pending = ctx.Session.Transaction?.Find(scan.Table.Oid);
        var found = term.IndexIn(runtime) is { } unique ? term.Lookup(ctx, scan.Table, runtime, unique, where, eval, pending) : null;
        if (found is null)
        {
            foreach (var (_, values) in scan.ScanRows(ctx))
            {
                eval.Row = values;
                if (where.Eval(eval) is true)
                {
                    yield return values;
                }
            }

            yield break;
        }

        foreach (var (_, values) in found)
        {
            yield return values;
        }

        for (int i = 0; pending is not null && i < pending.Inserted.Count; i++)
        {
            if (pending.Inserted[i] is { } inserted)
            {
                eval.Row = inserted;
                if (where.Eval(eval) is true)
                {
                    yield return inserted;
                }
            }
        }
    }

    public override string ExplainLabel =>
        scan.ExplainLabel.Replace("Seq Scan on ", $"Index Scan using {indexName} on ", StringComparison.Ordinal);

    public override IEnumerable<string> ExplainDetails => [$"Index Cond: {where.Fingerprint}"];
}

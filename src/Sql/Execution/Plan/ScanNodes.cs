using AnnSql.Sql.Catalog;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Storage.Tables;
using AnnSql.Sql.Transactions;

namespace AnnSql.Sql.Execution.Plan;

/// <summary>
/// Sequential scan of a user table: the committed row versions visible to the statement's snapshot, minus rows the session's
/// transaction deleted, plus the rows it inserted (a transaction sees its own writes).
/// </summary>
public sealed class SeqScanNode(TableInfo table, string alias, IReadOnlyList<OutputColumn> columns) : PlanNode
{
    public TableInfo Table => table;

    public override IReadOnlyList<OutputColumn> Columns => columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) =>
        Count(ScanRows(ctx).Select(r => r.Values));

    /// <summary>The visible rows with their row ids (pending rows of the own transaction have negative ids).</summary>
    public IEnumerable<(long RowId, object?[] Values)> ScanRows(QueryContext ctx) => Scan(ctx, table);

    /// <summary>Visible rows of a table for the statement in <paramref name="ctx"/>.</summary>
    public static IEnumerable<(long RowId, object?[] Values)> Scan(QueryContext ctx, TableInfo table)
    {
        var runtime = ctx.Session.Database.GetTable(table);
        var pending = ctx.Session.Transaction?.Find(table.Oid);
        long snapshot = ctx.Snapshot;
        long slotCount = runtime.Data.SlotCount;
        const int batch = 1024;
        var buffer = new (long, object?[])[batch];
        for (long start = 0; start < slotCount; start += batch)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            int n = Fill(runtime.Data, start, Math.Min(batch, slotCount - start), snapshot, pending, buffer);
            for (int i = 0; i < n; i++)
            {
                yield return buffer[i];
            }
        }

        if (pending is not null)
        {
            for (int i = 0; i < pending.Inserted.Count; i++)
            {
                if (pending.Inserted[i] is { } values)
                {
                    yield return (PendingTableChanges.PendingId(i), values);
                }
            }
        }
    }

    private static int Fill(TableData data, long start, long count, long snapshot, PendingTableChanges? pending, (long, object?[])[] buffer)
    {
        var slots = data.Slots;
        int n = 0;
        long end = Math.Min(start + count, slots.Length);
        for (long i = start; i < end; i++)
        {
            var row = slots[(int)i];
            if (VisibleValues(row, snapshot, pending) is { } values)
            {
                buffer[n++] = (row!.RowId, values);
            }
        }

        return n;
    }

    /// <summary>
    /// The values of a committed row version when the statement sees it: committed in <paramref name="snapshot"/> and not
    /// deleted by the statement's own transaction; otherwise null.
    /// </summary>
    public static object?[]? VisibleValues(RowVersion? row, long snapshot, PendingTableChanges? pending) =>
        row is not null && row.IsVisible(snapshot) && (pending is null || !pending.Deleted.Contains(row.RowId)) ? row.Values : null;

    public override string ExplainLabel => alias == table.Name ? $"Seq Scan on {table.Name}" : $"Seq Scan on {table.Name} {alias}";
}

/// <summary>A scan of a virtual system table (pg_catalog, information_schema) whose rows are computed per execution.</summary>
public sealed class SystemScanNode(string name, IReadOnlyList<OutputColumn> columns, Func<QueryContext, IEnumerable<object?[]>> rows) : PlanNode
{
    public override IReadOnlyList<OutputColumn> Columns => columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(rows(ctx));

    public override string ExplainLabel => $"Seq Scan on {name}";
}

/// <summary>
/// A set-returning function in FROM (unnest, generate_series, ...): evaluated per execution, or per outer row when LATERAL
/// references make it correlated. With <paramref name="afterLeft"/> it is the right side of a join and its arguments see
/// the left row as level 0 (the join passes that row as <c>outer</c>); otherwise it is the first FROM item and level 0 is
/// empty, so a reference to an enclosing query's row (<c>(SELECT ... FROM unnest(t.a))</c>) is level 1.
/// </summary>
public sealed class FunctionScanNode(string name, IReadOnlyList<OutputColumn> columns, BoundExpr[] arguments,
    Func<object?[], IEnumerable<object?[]>> generator, bool afterLeft = true) : PlanNode
{
    public override IReadOnlyList<OutputColumn> Columns => columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer)
    {
        var frame = afterLeft && outer is not null ? outer : new EvalContext(ctx, outer);
        var args = new object?[arguments.Length];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = arguments[i].Eval(frame);
        }

        return Count(generator(args));
    }

    public override string ExplainLabel => $"Function Scan on {name}";
}

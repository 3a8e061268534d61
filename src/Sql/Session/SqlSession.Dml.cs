using System.Globalization;
using AnnSql.Sql.Ast;
using AnnSql.Sql.Binding;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Execution.Plan;
using AnnSql.Sql.Parsing;
using AnnSql.Sql.Storage.Tables;
using AnnSql.Sql.Transactions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Session;

public sealed partial class SqlSession
{
    /// <summary>A bound INSERT/UPDATE/DELETE.</summary>
    private sealed class DmlPlan
    {
        public required TableInfo Table { get; init; }

        public PlanNode? Source { get; init; }

        public int[] TargetOrdinals { get; init; } = [];

        public BoundExpr? Where { get; init; }

        public (int Ordinal, BoundExpr Value)[] Assignments { get; init; } = [];

        public BoundExpr[]? Returning { get; init; }

        public IReadOnlyList<OutputColumn>? ReturningColumns { get; init; }

        public OnConflictClause? OnConflict { get; init; }

        public (int Ordinal, BoundExpr Value)[] ConflictAssignments { get; init; } = [];

        public BoundExpr? ConflictWhere { get; init; }
    }

    private IReadOnlyList<OutputColumn>? BindDml(Binder binder, Statement statement) => BindDmlPlan(binder, statement).ReturningColumns;

    private DmlPlan BindDmlPlan(Binder binder, Statement statement)
    {
        switch (statement)
        {
            case InsertStatement insert:
                {
                    var table = RequireTable(insert.Table);
                    int[] targets = insert.Columns is null
                        ? Enumerable.Range(0, table.Columns.Count).ToArray()
                        : insert.Columns.Select(c => table.ColumnOrdinal(c) is int o and >= 0 ? o
                            : throw new SqlException(SqlState.UndefinedColumn, $"column \"{c}\" of relation \"{table.Name}\" does not exist", insert.Position)).ToArray();
                    if (targets.Length != targets.Distinct().Count())
                    {
                        var twice = targets.GroupBy(o => o).First(g => g.Count() > 1).Key;
                        throw new SqlException(SqlState.DuplicateColumn, $"column \"{table.Columns[twice].Name}\" specified more than once", insert.Position);
                    }

                    PlanNode? source = null;
                    if (insert.Source is { } src)
                    {
                        var types = targets.Select(o => table.Columns[o].Type).ToList();
                        source = src.Body is ValuesBody values && src.OrderBy.Count == 0 && src.Limit is null
                            ? binder.BindValues(values, null, types)
                            : binder.BindQuery(src, null);
                        if (source.Columns.Count > targets.Length)
                        {
                            throw new SqlException(SqlState.SyntaxError, "INSERT has more expressions than target columns");
                        }

                        if (insert.Columns is not null && source.Columns.Count < targets.Length)
                        {
                            throw new SqlException(SqlState.SyntaxError, "INSERT has more target columns than expressions");
                        }
                    }

                    var scope = TableScope(table, insert.Alias);
                    var excluded = TableScope(table, insert.Alias);
                    excluded.AddRange(table.Columns.Select(c => new ScopeColumn("excluded", c.Name, c.Type)));
                    var conflictAssignments = insert.OnConflict is { DoNothing: false } oc
                        ? oc.Assignments.Select(a => BindAssignment(binder, table, excluded, a)).ToArray() : [];
                    var conflictWhere = insert.OnConflict?.Where is { } w ? binder.BindExpr(w, excluded, SqlType.Bool) : null;
                    var (ret, retCols) = BindReturning(binder, scope, insert.Returning);
                    return new DmlPlan
                    {
                        Table = table,
                        Source = source,
                        TargetOrdinals = targets,
                        Returning = ret,
                        ReturningColumns = retCols,
                        OnConflict = insert.OnConflict,
                        ConflictAssignments = conflictAssignments,
                        ConflictWhere = conflictWhere,
                    };
                }

            case UpdateStatement update:
                {
                    var table = RequireTable(update.Table);
                    if (update.From.Count > 0)
                    {
                        throw new SqlException(SqlState.FeatureNotSupported, "UPDATE ... FROM is not supported yet");
                    }

                    var scope = TableScope(table, update.Alias);
                    var assignments = update.Assignments.Select(a => BindAssignment(binder, table, scope, a)).ToArray();
                    var where = update.Where is null ? null : binder.Coerce(binder.BindExpr(update.Where, scope, SqlType.Bool), SqlType.Bool, update.Where.Position);
                    var (ret, retCols) = BindReturning(binder, scope, update.Returning);
                    return new DmlPlan { Table = table, Assignments = assignments, Where = where, Returning = ret, ReturningColumns = retCols };
                }

            case DeleteStatement delete:
                {
                    var table = RequireTable(delete.Table);
                    if (delete.Using.Count > 0)
                    {
                        throw new SqlException(SqlState.FeatureNotSupported, "DELETE ... USING is not supported yet");
                    }

                    var scope = TableScope(table, delete.Alias);
                    var where = delete.Where is null ? null : binder.Coerce(binder.BindExpr(delete.Where, scope, SqlType.Bool), SqlType.Bool, delete.Where.Position);
                    var (ret, retCols) = BindReturning(binder, scope, delete.Returning);
                    return new DmlPlan { Table = table, Where = where, Returning = ret, ReturningColumns = retCols };
                }

            default:
                throw new InvalidOperationException();
        }
    }

    private static Scope TableScope(TableInfo table, string? alias)
    {
        var scope = new Scope(null);
        scope.AddRange(table.Columns.Select(c => new ScopeColumn(alias ?? table.Name, c.Name, c.Type, table.Oid, c.AttributeNumber)));
        return scope;
    }

    private static (int, BoundExpr) BindAssignment(Binder binder, TableInfo table, Scope scope, Assignment a)
    {
        int ordinal = table.ColumnOrdinal(a.Column);
        if (ordinal < 0)
        {
            throw new SqlException(SqlState.UndefinedColumn, $"column \"{a.Column}\" of relation \"{table.Name}\" does not exist", a.Position);
        }

        var type = table.Columns[ordinal].Type;
        if (a.Value is DefaultExpr)
        {
            return (ordinal, new DefaultMarker(type));
        }

        return (ordinal, binder.Coerce(binder.BindExpr(a.Value, scope, type), type, a.Value.Position, assignment: true));
    }

    private static (BoundExpr[]?, IReadOnlyList<OutputColumn>?) BindReturning(Binder binder, Scope scope, IReadOnlyList<SelectItem>? items)
    {
        if (items is null)
        {
            return (null, null);
        }

        var exprs = new List<BoundExpr>();
        var cols = new List<OutputColumn>();
        foreach (var item in items)
        {
            if (item.Expression is Star)
            {
                for (int i = 0; i < scope.Columns.Count; i++)
                {
                    var c = scope.Columns[i];
                    exprs.Add(new ColumnExpr(0, i, c.Type, c.Name));
                    cols.Add(new OutputColumn(c.Name, c.Type, c.TableOid, c.AttributeNumber));
                }

                continue;
            }

            var e = binder.BindExpr(item.Expression, scope, null);
            exprs.Add(e);
            var sc = e is ColumnExpr ce ? scope.Columns[ce.Ordinal] : null;
            cols.Add(new OutputColumn(item.Alias ?? Binder.DefaultName(item.Expression), e.Type, sc?.TableOid ?? 0, sc?.AttributeNumber ?? 0));
        }

        return ([.. exprs], cols);
    }

    private async ValueTask<StatementResult> ExecuteDmlAsync(PreparedStatement prepared, QueryContext ctx, CancellationToken ct)
    {
        var binder = new Binder(this, Database.Catalog, prepared.ParameterTypes);
        var plan = BindDmlPlan(binder, prepared.Statement);
        var returned = new List<object?[]>();
        long count = await InTransactionAsync(txn => prepared.Statement switch
        {
            InsertStatement => Insert(plan, txn, ctx, returned),
            UpdateStatement => Update(plan, txn, ctx, returned),
            _ => Delete(plan, txn, ctx, returned),
        }, ct);
        string verb = prepared.Statement switch { InsertStatement => "INSERT 0 ", UpdateStatement => "UPDATE ", _ => "DELETE " };
        string tag = verb + count.ToString(CultureInfo.InvariantCulture);
        return plan.Returning is null ? StatementResult.Command(tag) : new StatementResult { Columns = plan.ReturningColumns, Rows = returned, Tag = _ => tag };
    }

    private long Insert(DmlPlan plan, Transaction txn, QueryContext ctx, List<object?[]> returned)
    {
        var table = plan.Table;
        var pending = txn.For(table);
        var runtime = Database.GetTable(table);
        var eval = new EvalContext(ctx, null);
        var defaults = new DefaultEvaluator(this, table, runtime, ctx);
        long count = 0;
        IEnumerable<object?[]> sourceRows = plan.Source is ValuesNode values
            ? values.Rows.Select(r => r.Select(e => e is DefaultMarker ? DefaultEvaluator.Marker : e.Eval(eval)).ToArray())
            : plan.Source?.Execute(ctx, null) ?? [Array.Empty<object?>()];
        var sourceTypes = plan.Source?.Columns.Select(c => c.Type).ToArray() ?? [];
        foreach (var source in sourceRows)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            var row = new object?[table.Columns.Count];
            var given = new bool[row.Length];
            for (int i = 0; i < source.Length; i++)
            {
                int o = plan.TargetOrdinals[i];
                if (ReferenceEquals(source[i], DefaultEvaluator.Marker))
                {
                    continue;
                }

                var col = table.Columns[o];
                if (col.Identity == 'a' && source[i] is not null)
                {
                    throw new SqlException("428C9", $"cannot insert a non-DEFAULT value into column \"{col.Name}\"",
                        detail: $"Column \"{col.Name}\" is an identity column defined as GENERATED ALWAYS.", hint: "Use OVERRIDING SYSTEM VALUE to override.");
                }

                row[o] = ConvertForColumn(source[i], sourceTypes.Length > i ? sourceTypes[i] : col.Type, col);
                given[o] = true;
            }

            for (int o = 0; o < row.Length; o++)
            {
                if (!given[o])
                {
                    row[o] = defaults.Evaluate(o);
                }
            }

            CheckNotNull(table, row);
            var conflict = FindConflict(runtime, pending, row, skipRowId: null);
            while (conflict is { RowId: >= 0 } found && plan.OnConflict is { DoNothing: false })
            {
                // DO UPDATE changes the existing row: lock it, and take its newest version when a concurrent transaction
                // updated it meanwhile; when that transaction deleted it, look for a conflict again.
                if (LockNewest(plan, txn, ctx, eval, found.RowId, found.Values, recheck: false) is { } locked)
                {
                    conflict = found with { RowId = locked.RowId, Values = locked.Values };
                    break;
                }

                conflict = FindConflict(runtime, pending, row, skipRowId: null);
            }

            if (conflict is { } c)
            {
                if (plan.OnConflict is null)
                {
                    throw Database.UniqueViolation(table, c.Index, c.Index.KeyOf(row));
                }

                if (plan.OnConflict.DoNothing)
                {
                    continue;
                }

                // DO UPDATE: the existing row is replaced; EXCLUDED refers to the proposed row.
                eval.Row = [.. c.Values, .. row];
                if (plan.ConflictWhere is not null && plan.ConflictWhere.Eval(eval) is not true)
                {
                    continue;
                }

                var updated = (object?[])c.Values.Clone();
                foreach (var (ordinal, value) in plan.ConflictAssignments)
                {
                    updated[ordinal] = value is DefaultMarker ? defaults.Evaluate(ordinal) : ConvertForColumn(value.Eval(eval), value.Type, table.Columns[ordinal]);
                }

                CheckNotNull(table, updated);
                Replace(pending, c.RowId, updated);
                row = updated;
            }
            else
            {
                pending.Inserted.Add(row);
            }

            count++;
            AddReturning(plan, eval, row, returned);
        }

        return count;
    }

    private static void Replace(PendingTableChanges pending, long rowId, object?[] values)
    {
        if (rowId < 0)
        {
            pending.ReplaceInserted(PendingTableChanges.PendingIndex(rowId), values);
        }
        else
        {
            pending.Deleted.Add(rowId);
            pending.Successors[rowId] = pending.Inserted.Count;
            pending.Inserted.Add(values);
        }
    }

    private static void AddReturning(DmlPlan plan, EvalContext eval, object?[] row, List<object?[]> returned)
    {
        if (plan.Returning is null)
        {
            return;
        }

        eval.Row = row;
        returned.Add(plan.Returning.Select(r => r.Eval(eval)).ToArray());
    }

    private long Update(DmlPlan plan, Transaction txn, QueryContext ctx, List<object?[]> returned)
    {
        var table = plan.Table;
        var pending = txn.For(table);
        var runtime = Database.GetTable(table);
        var eval = new EvalContext(ctx, null);
        var defaults = new DefaultEvaluator(this, table, runtime, ctx);
        var targets = Matching(plan, ctx, eval);
        long count = 0;
        foreach (var (matchedId, matched) in targets)
        {
            if (LockNewest(plan, txn, ctx, eval, matchedId, matched, recheck: true) is not { } locked)
            {
                continue;
            }

            var (rowId, old) = locked;
            eval.Row = old;
            var updated = (object?[])old.Clone();
            foreach (var (ordinal, value) in plan.Assignments)
            {
                updated[ordinal] = value is DefaultMarker ? defaults.Evaluate(ordinal) : ConvertForColumn(value.Eval(eval), value.Type, table.Columns[ordinal]);
            }

            CheckNotNull(table, updated);
            if (FindConflict(runtime, pending, updated, rowId) is { } c)
            {
                throw Database.UniqueViolation(table, c.Index, c.Index.KeyOf(updated));
            }

            Replace(pending, rowId, updated);
            AddReturning(plan, eval, updated, returned);
            count++;
        }

        return count;
    }

    private long Delete(DmlPlan plan, Transaction txn, QueryContext ctx, List<object?[]> returned)
    {
        var pending = txn.For(plan.Table);
        var eval = new EvalContext(ctx, null);
        var targets = Matching(plan, ctx, eval);
        long count = 0;
        foreach (var (matchedId, matched) in targets)
        {
            if (LockNewest(plan, txn, ctx, eval, matchedId, matched, recheck: true) is not { } locked)
            {
                continue;
            }

            var (rowId, old) = locked;
            if (rowId < 0)
            {
                pending.ReplaceInserted(PendingTableChanges.PendingIndex(rowId), null);
            }
            else
            {
                pending.Deleted.Add(rowId);
            }

            AddReturning(plan, eval, old, returned);
            count++;
        }

        return count;
    }

    /// <summary>
    /// Locks the committed row version an UPDATE or DELETE matched (<see cref="RowLockTable"/>: waiting while another
    /// transaction holds it) and returns the version to change. When a transaction that committed after this statement's
    /// snapshot updated the row, this follows the chain to the newest version, locks it and, with
    /// <paramref name="recheck"/>, evaluates the WHERE clause on it again, as PostgreSQL's READ COMMITTED does
    /// (EvalPlanQual, PostgreSQL docs §13.2.1); null when the row was deleted or its new version no longer matches. The
    /// transaction's own inserts (negative ids) are returned as they are.
    /// </summary>
    private (long RowId, object?[] Values)? LockNewest(
        DmlPlan plan, Transaction txn, QueryContext ctx, EvalContext eval, long rowId, object?[] values, bool recheck)
    {
        if (rowId < 0)
        {
            return (rowId, values);
        }

        var data = Database.GetTable(plan.Table).Data;
        while (true)
        {
            Database.RowLocks.Acquire(txn, plan.Table.Oid, rowId, ctx.Cancellation);
            if (data.Get(rowId) is not { } row)
            {
                return null;
            }

            if (row.DeletedSeq == 0)
            {
                return (rowId, row.Values);
            }

            if (row.SuccessorId < 0 || data.Get(row.SuccessorId) is not { } successor)
            {
                return null;
            }

            eval.Row = successor.Values;
            if (recheck && plan.Where is not null && plan.Where.Eval(eval) is not true)
            {
                return null;
            }

            rowId = successor.RowId;
        }
    }

    /// <summary>
    /// The rows an UPDATE or DELETE targets: through a single-column unique key when the WHERE clause pins one
    /// (<see cref="UniqueKeyTerm"/>), plus the transaction's own inserts that match; else by a sequential scan.
    /// </summary>
    private static List<(long RowId, object?[] Values)> Matching(DmlPlan plan, QueryContext ctx, EvalContext eval)
    {
        var runtime = ctx.Session.Database.GetTable(plan.Table);
        var pending = ctx.Session.Transaction?.Find(plan.Table.Oid);
        if (UniqueKeyTerm.Find(plan.Where, o => runtime.UniqueIndexes.Any(u => u.KeyOrdinals is [var key] && key == o)) is { } term
            && term.Lookup(ctx, plan.Table, runtime, term.IndexIn(runtime)!, plan.Where!, eval, pending) is { } found)
        {
            for (int i = 0; pending is not null && i < pending.Inserted.Count; i++)
            {
                if (pending.Inserted[i] is { } inserted)
                {
                    eval.Row = inserted;
                    if (plan.Where!.Eval(eval) is true)
                    {
                        found.Add((PendingTableChanges.PendingId(i), inserted));
                    }
                }
            }

            return found;
        }

        var result = new List<(long, object?[])>();
        foreach (var (rowId, values) in SeqScanNode.Scan(ctx, plan.Table))
        {
            eval.Row = values;
            if (plan.Where is null || plan.Where.Eval(eval) is true)
            {
                result.Add((rowId, values));
            }
        }

        return result;
    }

    private static object? ConvertForColumn(object? value, SqlType from, ColumnInfo column)
    {
        if (value is null)
        {
            return null;
        }

        var to = column.Type;
        if (to.Kind is SqlTypeKind.Varchar or SqlTypeKind.Char && to.Modifier >= 4 && value is string s && s.TrimEnd(' ').Length > to.Modifier - 4)
        {
            throw new SqlException(SqlState.StringDataRightTruncation, $"value too long for type {to.DisplayName}");
        }

        if (from.Kind == to.Kind && to.Modifier < 0 && to.Kind != SqlTypeKind.Array)
        {
            return value;
        }

        return Casts.Convert(value, from.Kind == SqlTypeKind.Unknown ? InferType(value) : from, to);
    }

    private static SqlType InferType(object value) => value switch
    {
        string => SqlType.Text,
        int => SqlType.Int4,
        long => SqlType.Int8,
        short => SqlType.Int2,
        double => SqlType.Float8,
        float => SqlType.Float4,
        decimal => SqlType.Numeric,
        bool => SqlType.Bool,
        float[] => SqlType.Vector,
        Half[] => SqlType.HalfVec,
        SparseVector => SqlType.SparseVec,
        BitString => SqlType.VarBit,
        object?[] => SqlType.ArrayOf(SqlType.Text),
        _ => SqlType.Unknown,
    };

    private static void CheckNotNull(TableInfo table, object?[] row)
    {
        for (int i = 0; i < row.Length; i++)
        {
            if (row[i] is null && table.Columns[i].NotNull)
            {
                var values = string.Join(", ", row.Select((v, j) => v is null ? "null" : TypeIO.FormatText(v, table.Columns[j].Type)));
                throw new SqlException(SqlState.NotNullViolation,
                    $"null value in column \"{table.Columns[i].Name}\" of relation \"{table.Name}\" violates not-null constraint",
                    detail: $"Failing row contains ({values}).")
                {
                    SchemaName = table.Schema,
                    TableName = table.Name,
                    ColumnName = table.Columns[i].Name,
                };
            }
        }
    }

    private sealed record Conflict(UniqueIndex Index, long RowId, object?[] Values);

    /// <summary>A row the new row would duplicate on a unique key: committed and not deleted by this transaction, or pending.</summary>
    private static Conflict? FindConflict(TableRuntime runtime, PendingTableChanges pending, object?[] row, long? skipRowId)
    {
        foreach (var unique in runtime.UniqueIndexes)
        {
            var key = unique.KeyOf(row);
            if (key.HasNull)
            {
                continue;
            }

            var existing = unique.Find(key);
            if (existing is not null && existing.RowId != skipRowId && !pending.Deleted.Contains(existing.RowId))
            {
                return new Conflict(unique, existing.RowId, existing.Values);
            }

            int pendingIndex = pending.FindInserted(unique, key, skipRowId);
            if (pendingIndex >= 0)
            {
                return new Conflict(unique, PendingTableChanges.PendingId(pendingIndex), pending.Inserted[pendingIndex]!);
            }
        }

        return null;
    }

    /// <summary>Computes column defaults: identity and serial values, and stored DEFAULT expressions.</summary>
    private sealed class DefaultEvaluator(SqlSession session, TableInfo table, TableRuntime runtime, QueryContext ctx)
    {
        public static readonly object Marker = new();

        private readonly Dictionary<int, BoundExpr> _compiled = [];

        public object? Evaluate(int ordinal)
        {
            var column = table.Columns[ordinal];
            if (column.Identity != '\0' || column.SequenceName is not null)
            {
                long next = runtime.Data.NextIdentity();
                return Casts.Convert(next, SqlType.Int8, column.Type);
            }

            if (column.DefaultSql is null)
            {
                return null;
            }

            if (!_compiled.TryGetValue(ordinal, out var expr))
            {
                var binder = new Binder(session, session.Database.Catalog, []);
                expr = binder.Coerce(binder.BindExpr(SqlParser.ParseExpression(column.DefaultSql), new Scope(null), column.Type), column.Type, -1, assignment: true);
                _compiled[ordinal] = expr;
            }

            return expr.Eval(new EvalContext(ctx, null));
        }
    }
}

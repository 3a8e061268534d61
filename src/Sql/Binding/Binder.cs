using AnnSql.Sql.Ast;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Catalog.System;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Execution.Plan;
using AnnSql.Sql.Session;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Binding;

/// <summary>
/// Resolves names against the catalog and turns a query's AST into a typed plan: FROM → WHERE → GROUP BY/aggregates →
/// HAVING → projection → DISTINCT → ORDER BY → LIMIT, with the exact vector top-k rewrite for
/// <c>ORDER BY v &lt;op&gt; q LIMIT k</c>. Infers the types of untyped parameters from their context, as PostgreSQL does.
/// </summary>
public sealed partial class Binder
{
    private readonly SqlSession _session;
    private readonly CatalogState _catalog;
    private readonly List<SqlType> _parameterTypes;
    private readonly Dictionary<string, (PlanNode Plan, IReadOnlyList<string> Names)> _ctes = [];

    /// <summary>Scopes that a column reference from an inner query level resolved to (for subquery correlation).</summary>
    private HashSet<Scope> _outerReferences = [];

    public Binder(SqlSession session, CatalogState catalog, IReadOnlyList<SqlType> parameterTypes)
    {
        _session = session;
        _catalog = catalog;
        _parameterTypes = [.. parameterTypes];
    }

    /// <summary>Parameter types after inference; parameters nothing constrained are <c>text</c>.</summary>
    public SqlType[] ParameterTypes => [.. _parameterTypes.Select(t => t.Kind == SqlTypeKind.Unknown ? SqlType.Text : t)];

    public CatalogState Catalog => _catalog;

    public SqlSession Session => _session;

    /// <summary>
    /// A scan of one base table whose WHERE clause pins a single-column primary key or unique constraint becomes a
    /// <see cref="UniqueKeyScanNode"/>; null otherwise.
    /// </summary>
    private UniqueKeyScanNode? UniqueKeyScan(PlanNode input, BoundExpr where)
    {
        if (input is not SeqScanNode scan)
        {
            return null;
        }

        var runtime = _session.Database.GetTable(scan.Table);
        var term = UniqueKeyTerm.Find(where, o => runtime.UniqueIndexes.Any(u => u.KeyOrdinals is [var key] && key == o));
        return term?.IndexIn(runtime) is { } unique ? new UniqueKeyScanNode(scan, where, term, unique.Index.Name) : null;
    }

    /// <summary>Binds a query and returns its plan; output columns are the plan's columns.</summary>
    public PlanNode BindQuery(SelectStatement select, Scope? outer) => BindSelect(select, outer, out _);

    private PlanNode BindSelect(SelectStatement select, Scope? outer, out Scope? inputScope)
    {
        inputScope = null;
        var savedCtes = new Dictionary<string, (PlanNode, IReadOnlyList<string>)>(_ctes);
        try
        {
            foreach (var cte in select.With)
            {
                if (cte.Query is not SelectStatement cteQuery)
                {
                    throw new SqlException(SqlState.FeatureNotSupported, "data-modifying statements in WITH are not supported");
                }

                var plan = BindSelect(cteQuery, outer, out _);
                var names = cte.ColumnNames ?? plan.Columns.Select(c => c.Name).ToList();
                _ctes[cte.Name] = (new MaterializeNode(plan, $"CTE Scan on {cte.Name}"), names);
            }

            if (select.Body is SelectCore core)
            {
                return BindCore(core, select, outer);
            }

            var body = BindBody(select.Body, outer);
            return ApplyOrderAndLimit(body, select, outer);
        }
        finally
        {
            _ctes.Clear();
            foreach (var kv in savedCtes)
            {
                _ctes[kv.Key] = kv.Value;
            }
        }
    }

    private PlanNode BindBody(QueryBody body, Scope? outer)
    {
        switch (body)
        {
            case SelectCore core:
                return BindCore(core, null, outer);
            case NestedQueryBody nested:
                return BindSelect(nested.Query, outer, out _);
            case ValuesBody values:
                return BindValues(values, outer, null);
            case SetOperationBody set:
                var left = BindBody(set.Left, outer);
                var right = BindBody(set.Right, outer);
                if (left.Columns.Count != right.Columns.Count)
                {
                    throw new SqlException(SqlState.SyntaxError, $"each {set.Operator.ToString().ToUpperInvariant()} query must have the same number of columns");
                }

                var columns = left.Columns.Select((c, i) =>
                {
                    // select_common_type over both sides: SELECT 1 UNION SELECT 2.5 is numeric.
                    var rightType = right.Columns[i].Type;
                    var type = c.Type.Kind == SqlTypeKind.Unknown ? (rightType.Kind == SqlTypeKind.Unknown ? SqlType.Text : rightType)
                        : rightType.Kind == SqlTypeKind.Unknown || rightType == c.Type ? c.Type
                        : CommonType([rightType], c.Type);
                    return c with { Type = type, TableOid = 0, AttributeNumber = 0 };
                }).ToList();
                left = CoerceColumns(left, columns);
                right = CoerceColumns(right, columns);
                return new SetOperationNode(left, right, set.Operator, set.All, columns);
            default:
                throw new SqlException(SqlState.FeatureNotSupported, "unsupported query form");
        }
    }

    private static PlanNode CoerceColumns(PlanNode plan, IReadOnlyList<OutputColumn> target)
    {
        bool needs = false;
        for (int i = 0; i < target.Count; i++)
        {
            needs |= plan.Columns[i].Type.Kind != target[i].Type.Kind;
        }

        if (!needs)
        {
            return plan;
        }

        var exprs = plan.Columns.Select((c, i) => c.Type.Kind == target[i].Type.Kind
            ? (BoundExpr)new ColumnExpr(0, i, c.Type, c.Name)
            : new Execution.Expressions.CastExpr(new ColumnExpr(0, i, c.Type, c.Name), target[i].Type)).ToArray();
        return new ProjectNode(plan, exprs, target);
    }

    /// <summary>Binds VALUES rows; <paramref name="targetTypes"/> (INSERT columns) drive literal and parameter typing.</summary>
    internal PlanNode BindValues(ValuesBody values, Scope? outer, IReadOnlyList<SqlType>? targetTypes)
    {
        var scope = new Scope(outer);
        int width = values.Rows[0].Count;
        var rows = new BoundExpr[values.Rows.Count][];
        for (int r = 0; r < values.Rows.Count; r++)
        {
            if (values.Rows[r].Count != width)
            {
                throw new SqlException(SqlState.SyntaxError, "VALUES lists must all be the same length", values.Rows[r][0].Position);
            }

            rows[r] = new BoundExpr[width];
            for (int c = 0; c < width; c++)
            {
                var expected = targetTypes is not null && c < targetTypes.Count ? targetTypes[c] : null;
                if (values.Rows[r][c] is DefaultExpr)
                {
                    rows[r][c] = new DefaultMarker(expected ?? SqlType.Unknown);
                    continue;
                }

                var e = BindExpr(values.Rows[r][c], scope, expected);
                rows[r][c] = expected is null ? e : Coerce(e, expected, values.Rows[r][c].Position, assignment: true);
            }
        }

        var columns = new List<OutputColumn>();
        for (int c = 0; c < width; c++)
        {
            var type = rows.Select(r => r[c].Type).FirstOrDefault(t => t.Kind != SqlTypeKind.Unknown) ?? SqlType.Text;
            if (targetTypes is null && rows.Any(r => r[c].Type.Kind != SqlTypeKind.Unknown && r[c].Type != type))
            {
                // select_common_type over the rows: VALUES (1), (2.5) is numeric.
                type = CommonType(rows.Select(r => r[c].Type), type);
            }

            if (targetTypes is null)
            {
                for (int r = 0; r < rows.Length; r++)
                {
                    rows[r][c] = Coerce(rows[r][c], type, -1);
                }
            }

            columns.Add(new OutputColumn("column" + (c + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), type));
        }

        return new ValuesNode(columns, rows);
    }

    private PlanNode BindCore(SelectCore core, SelectStatement? select, Scope? outer)
    {
        var scope = new Scope(outer);
        PlanNode input = core.From.Count == 0 ? new SingleRowNode() : BindFrom(core.From, scope);

        BoundExpr? where = null;
        if (core.Where is not null)
        {
            where = BindCondition(core.Where, scope, "WHERE");
            RequireBoolean(where, "WHERE", core.Where.Position);
        }

        bool grouped = core.GroupBy.Count > 0 || core.Having is not null
            || core.Items.Any(i => ContainsAggregate(i.Expression))
            || (select?.OrderBy.Any(o => ContainsAggregate(o.Expression)) ?? false);

        // The exact vector top-k path: one base table, no grouping, ORDER BY a distance to a constant, LIMIT.
        if (select is not null && !grouped && !core.Distinct && core.DistinctOn is null
            && TryBindVectorTopK(core, select, scope, input, where) is { } topK)
        {
            return topK;
        }

        if (where is not null)
        {
            input = (PlanNode?)UniqueKeyScan(input, where) ?? new FilterNode(input, where);
        }

        Scope projectScope = scope;
        if (grouped)
        {
            var keys = new BoundExpr[core.GroupBy.Count];
            for (int i = 0; i < keys.Length; i++)
            {
                keys[i] = BindGroupKey(core.GroupBy[i], core.Items, scope);
            }

            var agg = new AggregationContext(scope, AddFunctionallyDependentColumns(keys, scope));
            projectScope = new Scope(outer) { Aggregation = agg };
            projectScope.Columns.AddRange(agg.GroupKeys.Select((k, i) => new ScopeColumn(null, "?group" + i, k.Type)));
        }

        // Select list (with * expansion).
        var exprs = new List<BoundExpr>();
        var columns = new List<OutputColumn>();
        foreach (var item in core.Items)
        {
            if (item.Expression is Star star)
            {
                ExpandStar(star, scope, exprs, columns);
                continue;
            }

            var e = BindExpr(item.Expression, projectScope, null);
            if (e.Type.Kind == SqlTypeKind.Unknown)
            {
                e = Coerce(e, SqlType.Text, -1);
            }

            exprs.Add(e);
            columns.Add(OutputFor(item, e, projectScope));
        }

        BoundExpr? having = null;
        if (core.Having is not null)
        {
            having = BindCondition(core.Having, projectScope, "HAVING");
        }

        // ORDER BY keys: output ordinals, output aliases, or expressions over the input (added as junk columns).
        var sortKeys = new List<SortKey>();
        int visible = exprs.Count;
        if (select is not null)
        {
            foreach (var o in select.OrderBy)
            {
                int ordinal = ResolveOrderOrdinal(o.Expression, core.Items, columns, visible);
                BoundExpr key;
                if (ordinal >= 0)
                {
                    key = new ColumnExpr(0, ordinal, columns[ordinal].Type, columns[ordinal].Name);
                }
                else
                {
                    var e = BindExpr(o.Expression, projectScope, null);
                    int existing = exprs.FindIndex(x => x.Fingerprint == e.Fingerprint);
                    if (existing < 0)
                    {
                        exprs.Add(e);
                        columns.Add(new OutputColumn("?junk", e.Type));
                        existing = exprs.Count - 1;
                    }

                    key = new ColumnExpr(0, existing, e.Type, "?sort");
                }

                sortKeys.Add(new SortKey(key, o.Descending, o.NullsFirst ?? o.Descending));
            }
        }

        if (grouped)
        {
            var agg = projectScope.Aggregation!;
            var aggColumns = agg.GroupKeys.Select((k, i) => new OutputColumn("?group" + i, k.Type))
                .Concat(agg.Aggregates.Select(a => new OutputColumn(a.Name, SqlType.Unknown))).ToList();
            input = new AggregateNode(input, agg.GroupKeys, [.. agg.Aggregates], aggColumns);
            if (having is not null)
            {
                input = new FilterNode(input, having);
            }
        }

        PlanNode plan = new ProjectNode(input, [.. exprs], columns);
        if (core.Distinct)
        {
            plan = new DistinctNode(plan);
        }

        if (sortKeys.Count > 0)
        {
            plan = new SortNode(plan, [.. sortKeys]);
        }

        if (select is not null && (select.Limit is not null || select.Offset is not null))
        {
            plan = new LimitNode(plan, BindLimit(select.Limit, outer), BindLimit(select.Offset, outer));
        }

        if (columns.Count > visible)
        {
            plan = DropJunk(plan, visible);
        }

        return plan;
    }

    /// <summary>
    /// When the GROUP BY keys cover a table's primary key, the table's other columns are functionally dependent on them and may
    /// be used ungrouped (PostgreSQL's rule); they are added as extra keys, which does not change the groups.
    /// </summary>
    private BoundExpr[] AddFunctionallyDependentColumns(BoundExpr[] keys, Scope scope)
    {
        var grouped = keys.OfType<ColumnExpr>().Where(k => k.LevelsUp == 0).Select(k => k.Ordinal).ToHashSet();
        var result = keys.ToList();
        foreach (var range in scope.Columns.Select((c, i) => (c, i)).Where(x => x.c.TableOid != 0).GroupBy(x => (x.c.Table, x.c.TableOid)))
        {
            if (!_catalog.Tables.TryGetValue(range.Key.TableOid, out var table) || table.PrimaryKey is not { } pk
                || !pk.KeyColumns.All(a => range.Any(x => x.c.AttributeNumber == a && grouped.Contains(x.i))))
            {
                continue;
            }

            foreach (var (column, ordinal) in range)
            {
                if (grouped.Add(ordinal))
                {
                    result.Add(new ColumnExpr(0, ordinal, column.Type, column.Name));
                }
            }
        }

        return [.. result];
    }

    private static PlanNode DropJunk(PlanNode plan, int visible)
    {
        var cols = plan.Columns.Take(visible).ToList();
        return new ProjectNode(plan, cols.Select((c, i) => (BoundExpr)new ColumnExpr(0, i, c.Type, c.Name)).ToArray(), cols);
    }

    private PlanNode ApplyOrderAndLimit(PlanNode plan, SelectStatement select, Scope? outer)
    {
        if (select.OrderBy.Count > 0)
        {
            var scope = new Scope(outer);
            scope.AddRange(plan.Columns.Select(c => new ScopeColumn(null, c.Name, c.Type)));
            var keys = select.OrderBy.Select(o =>
            {
                int ordinal = ResolveOrderOrdinal(o.Expression, null, plan.Columns, plan.Columns.Count);
                BoundExpr e = ordinal >= 0 ? new ColumnExpr(0, ordinal, plan.Columns[ordinal].Type, plan.Columns[ordinal].Name) : BindExpr(o.Expression, scope, null);
                return new SortKey(e, o.Descending, o.NullsFirst ?? o.Descending);
            }).ToArray();
            plan = new SortNode(plan, keys);
        }

        if (select.Limit is not null || select.Offset is not null)
        {
            plan = new LimitNode(plan, BindLimit(select.Limit, outer), BindLimit(select.Offset, outer));
        }

        return plan;
    }

    private BoundExpr? BindLimit(Expr? e, Scope? outer)
    {
        if (e is null || e is Literal { Kind: LiteralKind.Null })
        {
            return null;
        }

        return Coerce(BindExpr(e, new Scope(outer), SqlType.Int8), SqlType.Int8, e.Position);
    }

    private static int ResolveOrderOrdinal(Expr e, IReadOnlyList<SelectItem>? items, IReadOnlyList<OutputColumn> columns, int visible)
    {
        if (e is Literal { Kind: LiteralKind.Integer } lit)
        {
            int n = int.Parse(lit.Text!, System.Globalization.CultureInfo.InvariantCulture);
            if (n < 1 || n > visible)
            {
                throw new SqlException(SqlState.InvalidColumnReference, $"ORDER BY position {n} is not in select list", e.Position);
            }

            return n - 1;
        }

        if (e is ColumnRef { Parts.Count: 1 } cr)
        {
            int found = -1;
            for (int i = 0; i < visible; i++)
            {
                bool aliasMatch = columns[i].Name == cr.Name;
                if (aliasMatch)
                {
                    found = i;
                    break;
                }
            }

            return found;
        }

        return -1;
    }

    private BoundExpr BindGroupKey(Expr e, IReadOnlyList<SelectItem> items, Scope scope)
    {
        if (e is Literal { Kind: LiteralKind.Integer } lit)
        {
            int n = int.Parse(lit.Text!, System.Globalization.CultureInfo.InvariantCulture);
            if (n < 1 || n > items.Count)
            {
                throw new SqlException(SqlState.InvalidColumnReference, $"GROUP BY position {n} is not in select list", e.Position);
            }

            return BindExpr(items[n - 1].Expression, scope, null);
        }

        if (e is ColumnRef { Parts.Count: 1 } cr && !scope.Columns.Any(c => c.Name == cr.Name))
        {
            var aliased = items.FirstOrDefault(i => i.Alias == cr.Name);
            if (aliased is not null)
            {
                return BindExpr(aliased.Expression, scope, null);
            }
        }

        return BindExpr(e, scope, null);
    }

    /// <summary>Binds a condition (WHERE, HAVING, ON, CASE WHEN): 42804 when it is not boolean, as integer does not cast to it implicitly.</summary>
    private BoundExpr BindCondition(Expr condition, Scope scope, string clause)
    {
        var bound = BindExpr(condition, scope, SqlType.Bool);
        RequireBoolean(bound, clause, condition.Position);
        return Coerce(bound, SqlType.Bool, condition.Position);
    }

    private static void RequireBoolean(BoundExpr e, string clause, int position)
    {
        if (e.Type.Kind is not (SqlTypeKind.Bool or SqlTypeKind.Unknown))
        {
            throw new SqlException(SqlState.DatatypeMismatch, $"argument of {clause} must be type boolean, not type {e.Type.DisplayName}", position);
        }
    }

    /// <summary>
    /// The result column of a select item; a plain column keeps its table OID and attribute number from the scope the
    /// expression was bound in (above a GROUP BY that is the aggregate's output, whose columns have none).
    /// </summary>
    private static OutputColumn OutputFor(SelectItem item, BoundExpr e, Scope scope)
    {
        string name = item.Alias ?? DefaultName(item.Expression);
        if (e is ColumnExpr { LevelsUp: 0 } c && c.Ordinal < scope.Columns.Count)
        {
            var sc = scope.Columns[c.Ordinal];
            return new OutputColumn(name, e.Type, sc.TableOid, sc.AttributeNumber);
        }

        return new OutputColumn(name, e.Type);
    }

    /// <summary>PostgreSQL's FigureColname: the column name a select item gets without an alias.</summary>
    internal static string DefaultName(Expr e) => FigureName(e).Name;

    /// <summary>
    /// FigureColnameInternal (parse_target.c): a name and its strength. Column references, functions and the like are
    /// strong (2); a cast or CASE names its result after the type or "case" (1) only when its operand has no strong name;
    /// anything else is "?column?" (0).
    /// </summary>
    private static (string Name, int Strength) FigureName(Expr e)
    {
        switch (e)
        {
            case ColumnRef c:
                return (c.Name, 2);
            case FunctionCall f:
                return (f.FunctionName, 2);
            case Ast.CastExpr c:
                var inner = FigureName(c.Operand);
                return inner.Strength <= 1 ? (TypeNames.DefaultColumnName(c.Type), 1) : inner;
            case Ast.CaseExpr ce:
                (string Name, int Strength) otherwise = ce.Else is null ? ("?column?", 0) : FigureName(ce.Else);
                return otherwise.Strength <= 1 ? ("case", 1) : otherwise;
            case ExistsExpr:
                return ("exists", 2);
            case ArrayExpr or ArraySubqueryExpr:
                return ("array", 2);
            case Ast.SubqueryExpr s when s.Query.Body is SelectCore { Items.Count: 1 } core:
                var item = core.Items[0];
                return item.Alias is not null ? (item.Alias, 2) : FigureName(item.Expression);
            case SpecialValue sv:
                return (sv.Name, 2);
            case CollateExpr ce:
                return FigureName(ce.Operand);
            case SubscriptExpr se:
                return FigureName(se.Operand);
            case RowExpr:
                return ("row", 2);
            default:
                return ("?column?", 0);
        }
    }

    private void ExpandStar(Star star, Scope scope, List<BoundExpr> exprs, List<OutputColumn> columns)
    {
        bool any = false;
        for (int i = 0; i < scope.Columns.Count; i++)
        {
            var c = scope.Columns[i];
            if (c.Hidden || (star.Qualifier is not null && c.Table != star.Qualifier))
            {
                continue;
            }

            any = true;
            exprs.Add(new ColumnExpr(0, i, c.Type, c.Name));
            columns.Add(new OutputColumn(c.Name, c.Type, c.TableOid, c.AttributeNumber));
        }

        if (!any && star.Qualifier is not null)
        {
            throw new SqlException(SqlState.UndefinedTable, $"missing FROM-clause entry for table \"{star.Qualifier}\"", star.Position);
        }

        if (!any && star.Qualifier is null && scope.Columns.Count == 0)
        {
            throw new SqlException(SqlState.SyntaxError, "SELECT * with no tables specified is not valid", star.Position);
        }
    }

    // ---- FROM ----

    private PlanNode BindFrom(IReadOnlyList<TableRef> from, Scope scope)
    {
        PlanNode? plan = null;
        foreach (var item in from)
        {
            var right = BindTableRef(item, scope, out var cols);
            foreach (var name in cols.Select(c => c.Table).Where(t => t is not null).Distinct())
            {
                if (scope.Columns.Any(c => c.Table == name))
                {
                    throw new SqlException(SqlState.DuplicateAlias, $"table name \"{name}\" specified more than once", item.Position);
                }
            }

            if (plan is null)
            {
                plan = right;
            }
            else
            {
                plan = new NestedLoopJoinNode(plan, right, JoinKind.Cross, null, IsLateral(item));
            }

            scope.AddRange(cols);
        }

        return plan!;
    }

    private static bool IsLateral(TableRef t) => t is SubqueryTableRef { Lateral: true } || t is FunctionTableRef;

    /// <summary>Binds one FROM item. <paramref name="left"/> is the scope of items to its left (for LATERAL).</summary>
    private PlanNode BindTableRef(TableRef item, Scope left, out List<ScopeColumn> columns)
    {
        switch (item)
        {
            case NamedTableRef named:
                return BindNamedTable(named, out columns);
            case SubqueryTableRef sub:
                {
                    var outerForSub = sub.Lateral ? LateralScope(left) : left.Parent;
                    var plan = BindSelect(sub.Query, outerForSub, out _);
                    string? alias = sub.Alias;
                    columns = plan.Columns.Select((c, i) => new ScopeColumn(alias,
                        sub.ColumnAliases is not null && i < sub.ColumnAliases.Count ? sub.ColumnAliases[i] : c.Name, c.Type, c.TableOid, c.AttributeNumber)).ToList();
                    return plan;
                }

            case FunctionTableRef fn:
                return BindFunctionTable(fn, left, out columns);
            case JoinTableRef join:
                return BindJoin(join, left, out columns);
            default:
                throw new SqlException(SqlState.FeatureNotSupported, "unsupported FROM item");
        }
    }

    private static Scope LateralScope(Scope left)
    {
        var s = new Scope(left.Parent);
        s.AddRange(left.Columns);
        return s;
    }

    private PlanNode BindJoin(JoinTableRef join, Scope outerLeft, out List<ScopeColumn> columns)
    {
        var leftPlan = BindTableRef(join.Left, outerLeft, out var leftCols);
        var lateralBase = new Scope(outerLeft.Parent);
        lateralBase.AddRange(outerLeft.Columns);
        lateralBase.AddRange(leftCols);
        var rightPlan = BindTableRef(join.Right, lateralBase, out var rightCols);
        bool lateral = IsLateral(join.Right);

        var combined = new Scope(outerLeft.Parent);
        combined.AddRange(leftCols);
        combined.AddRange(rightCols);
        columns = [.. leftCols, .. rightCols];

        Expr? on = join.On;
        if (join.Using is not null || join.Natural)
        {
            var names = join.Using ?? leftCols.Select(c => c.Name).Where(n => rightCols.Any(r => r.Name == n)).Distinct().ToList();
            Expr? cond = null;
            foreach (var n in names)
            {
                var li = leftCols.FindIndex(c => c.Name == n);
                var ri = rightCols.FindIndex(c => c.Name == n);
                if (li < 0 || ri < 0)
                {
                    throw new SqlException(SqlState.UndefinedColumn, $"column \"{n}\" specified in USING clause does not exist in {(li < 0 ? "left" : "right")} table");
                }

                var eq = new BinaryExpr("=", new UsingColumn(li), new UsingColumn(leftCols.Count + ri));
                cond = cond is null ? eq : new BinaryExpr("AND", cond, eq);
                // The right copy of a USING column is hidden from * and unqualified references.
                columns[leftCols.Count + ri] = columns[leftCols.Count + ri] with { Hidden = true };
            }

            on = cond;
            combined = new Scope(outerLeft.Parent);
            combined.AddRange(columns);
        }

        BoundExpr? condition = on is null ? null : BindCondition(on, combined, "JOIN/ON");
        var kind = join.Kind;
        if (kind is JoinKind.Inner or JoinKind.Left && condition is not null && !lateral
            && TrySplitEquiJoin(condition, leftCols.Count, out var lk, out var rk, out var residual))
        {
            return new HashJoinNode(leftPlan, rightPlan, kind, lk, rk, residual);
        }

        return new NestedLoopJoinNode(leftPlan, rightPlan, kind == JoinKind.Cross ? JoinKind.Inner : kind, condition, lateral);
    }

    private static bool TrySplitEquiJoin(BoundExpr condition, int leftWidth, out BoundExpr[] leftKeys, out BoundExpr[] rightKeys, out BoundExpr? residual)
    {
        var conjuncts = condition is LogicalExpr { IsAnd: true } and ? and.Operands.ToList() : [condition];
        var lks = new List<BoundExpr>();
        var rks = new List<BoundExpr>();
        var rest = new List<BoundExpr>();
        foreach (var c in conjuncts)
        {
            if (c is ComparisonExpr { Operator: "=" } cmp
                && Side(cmp.Left, leftWidth) is { } ls && Side(cmp.Right, leftWidth) is { } rs && ls != rs)
            {
                var (l, r) = ls == 0 ? (cmp.Left, cmp.Right) : (cmp.Right, cmp.Left);
                lks.Add(l);
                rks.Add(Shift(r, leftWidth));
            }
            else
            {
                rest.Add(c);
            }
        }

        leftKeys = [.. lks];
        rightKeys = [.. rks];
        residual = rest.Count == 0 ? null : rest.Count == 1 ? rest[0] : new LogicalExpr(true, [.. rest]);
        return lks.Count > 0;
    }

    /// <summary>0 when the expression is a column of the left input, 1 for the right input, null otherwise.</summary>
    private static int? Side(BoundExpr e, int leftWidth)
    {
        while (e is Execution.Expressions.CastExpr cast)
        {
            e = cast.Operand;
        }

        return e is ColumnExpr { LevelsUp: 0 } c ? (c.Ordinal < leftWidth ? 0 : 1) : null;
    }

    private static BoundExpr Shift(BoundExpr e, int by) => e switch
    {
        ColumnExpr c => new ColumnExpr(0, c.Ordinal - by, c.Type, c.Name),
        Execution.Expressions.CastExpr cast => new Execution.Expressions.CastExpr(Shift(cast.Operand, by), cast.Type),
        _ => e,
    };

    private PlanNode BindNamedTable(NamedTableRef named, out List<ScopeColumn> columns)
    {
        string name = named.Name.Name;
        string? schema = named.Name.Schema;
        string alias = named.Alias ?? name;
        if (schema is null && _ctes.TryGetValue(name, out var cte))
        {
            columns = cte.Plan.Columns.Select((c, i) => new ScopeColumn(alias, AliasOr(named, i, cte.Names[i]), c.Type)).ToList();
            return cte.Plan;
        }

        if (schema is null or "public" && _catalog.FindTable(name) is { } table)
        {
            columns = table.Columns.Select((c, i) => new ScopeColumn(alias, AliasOr(named, i, c.Name), c.Type, table.Oid, c.AttributeNumber)).ToList();
            var outCols = table.Columns.Select(c => new OutputColumn(c.Name, c.Type, table.Oid, c.AttributeNumber)).ToList();
            return new SeqScanNode(table, alias, outCols);
        }

        if (SystemCatalog.TryGetTable(schema, name, out var system))
        {
            columns = system.Columns.Select((c, i) => new ScopeColumn(alias, AliasOr(named, i, c.Name), c.Type, system.Oid, (short)(i + 1))).ToList();
            return new SystemScanNode(system.Name, system.Columns, system.Rows);
        }

        throw new SqlException(SqlState.UndefinedTable, $"relation \"{named.Name}\" does not exist", named.Name.Position >= 0 ? named.Name.Position : named.Position);
    }

    private static string AliasOr(NamedTableRef named, int i, string name) =>
        named.ColumnAliases is not null && i < named.ColumnAliases.Count ? named.ColumnAliases[i] : name;
}

using AnnSql.Sql.Ast;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Execution.Plan;
using AnnSql.Sql.Functions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Binding;

public sealed partial class Binder
{
    private static readonly HashSet<string> AggregateNames = ["count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every", "string_agg", "array_agg"];

    private static bool IsAggregate(FunctionCall f) => AggregateNames.Contains(f.FunctionName) && (f.Name.Count == 1 || f.Name[0] == "pg_catalog");

    /// <summary>True when the expression contains an aggregate call outside any subquery.</summary>
    private static bool ContainsAggregate(Expr e) => e switch
    {
        FunctionCall f => IsAggregate(f) || f.Arguments.Any(ContainsAggregate),
        BinaryExpr b => ContainsAggregate(b.Left) || ContainsAggregate(b.Right),
        UnaryExpr u => ContainsAggregate(u.Operand),
        Ast.CastExpr c => ContainsAggregate(c.Operand),
        Ast.CaseExpr c => (c.Operand is not null && ContainsAggregate(c.Operand)) || c.Whens.Any(w => ContainsAggregate(w.Condition) || ContainsAggregate(w.Result)) || (c.Else is not null && ContainsAggregate(c.Else)),
        Ast.IsNullExpr n => ContainsAggregate(n.Operand),
        Ast.InListExpr i => ContainsAggregate(i.Operand) || i.Items.Any(ContainsAggregate),
        BetweenExpr b => ContainsAggregate(b.Operand) || ContainsAggregate(b.Low) || ContainsAggregate(b.High),
        CollateExpr c => ContainsAggregate(c.Operand),
        SubscriptExpr s => ContainsAggregate(s.Operand),
        ArrayExpr a => a.Items.Any(ContainsAggregate),
        QuantifiedExpr q => ContainsAggregate(q.Left) || (q.Array is not null && ContainsAggregate(q.Array)),
        _ => false,
    };

    /// <summary>
    /// Binds an expression evaluated over the aggregate node's output: group keys match by fingerprint, aggregate calls become
    /// references to their results, other column references are grouping errors (42803).
    /// </summary>
    private BoundExpr BindAboveAggregation(Expr expr, Scope scope, AggregationContext agg, SqlType? expected)
    {
        if (expr is FunctionCall f && IsAggregate(f))
        {
            var call = BindAggregate(f, agg.Input);
            string fp = f.FunctionName + "(" + string.Join(",", call.Arguments.Select(a => a.Fingerprint)) + (f.Distinct ? ",distinct" : "") + (call.Filter?.Fingerprint ?? "") + ")";
            int index = agg.AggregateFingerprints.IndexOf(fp);
            if (index < 0)
            {
                agg.Aggregates.Add(call.Call);
                agg.AggregateFingerprints.Add(fp);
                index = agg.Aggregates.Count - 1;
            }

            return new ColumnExpr(0, agg.GroupKeys.Length + index, call.ResultType, f.FunctionName);
        }

        if (!ContainsAggregate(expr) && expr is not ExistsExpr and not Ast.SubqueryExpr and not InSubqueryExpr)
        {
            // Over the input rows the expression must equal a group key, or not depend on the input row at all.
            var bound = BindExpr(expr, agg.Input, expected);
            for (int i = 0; i < agg.GroupKeys.Length; i++)
            {
                if (agg.GroupKeys[i].Fingerprint == bound.Fingerprint)
                {
                    return new ColumnExpr(0, i, bound.Type, "?group");
                }
            }

            // The input scope and the scope above the aggregation share their parent, so outer references stay valid.
            if (bound.IsConstant || !ReferencesLevel0(bound))
            {
                return bound;
            }

            if (expr is ColumnRef cr)
            {
                throw new SqlException(SqlState.GroupingError,
                    $"column \"{(cr.Qualifier is null ? cr.Name : cr.Qualifier + "." + cr.Name)}\" must appear in the GROUP BY clause or be used in an aggregate function", cr.Position);
            }
        }

        // Bind this node above the aggregation; its children come back here through BindExpr.
        return BindNode(expr, scope, expected);
    }

    private static bool ReferencesLevel0(BoundExpr e) => e switch
    {
        ColumnExpr c => c.LevelsUp == 0,
        CallExpr c => c.Arguments.Any(ReferencesLevel0),
        Execution.Expressions.CastExpr c => ReferencesLevel0(c.Operand),
        LogicalExpr l => l.Operands.Any(ReferencesLevel0),
        NotExpr n => ReferencesLevel0(n.Operand),
        ComparisonExpr c => ReferencesLevel0(c.Left) || ReferencesLevel0(c.Right),
        Execution.Expressions.SubqueryExpr s => s.Correlated || (s.Left is not null && ReferencesLevel0(s.Left)),
        ConstantExpr or ParameterExpr => false,
        _ => true,
    };

    private sealed record BoundAggregate(AggregateCall Call, SqlType ResultType, BoundExpr[] Arguments, BoundExpr? Filter);

    private BoundAggregate BindAggregate(FunctionCall f, Scope input)
    {
        var args = f.StarArgument ? [] : f.Arguments.Select(a => BindExpr(a, input, null)).ToArray();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i].Type.Kind == SqlTypeKind.Unknown)
            {
                args[i] = Coerce(args[i], SqlType.Text, f.Arguments[i].Position);
            }
        }

        var filter = f.Filter is null ? null : Coerce(BindExpr(f.Filter, input, SqlType.Bool), SqlType.Bool, f.Filter.Position);
        string name = f.FunctionName;
        var argType = args.Length > 0 ? args[0].Type : SqlType.Int8;
        SqlType result;
        Func<IAggregateState> factory;
        switch (name)
        {
            case "count":
                result = SqlType.Int8;
                factory = () => new CountState();
                break;
            case "sum":
                result = argType.Kind switch
                {
                    SqlTypeKind.Int2 or SqlTypeKind.Int4 => SqlType.Int8,
                    SqlTypeKind.Int8 or SqlTypeKind.Numeric => SqlType.Numeric,
                    SqlTypeKind.Float4 => SqlType.Float4,
                    SqlTypeKind.Vector or SqlTypeKind.HalfVec => argType.WithoutModifier(),
                    _ => SqlType.Float8,
                };
                factory = () => new SumState(result, false);
                break;
            case "avg":
                result = argType.Kind switch
                {
                    SqlTypeKind.Float4 or SqlTypeKind.Float8 => SqlType.Float8,
                    SqlTypeKind.Vector or SqlTypeKind.HalfVec => argType.WithoutModifier(),
                    _ => SqlType.Numeric,
                };
                factory = () => new SumState(result, true);
                break;
            case "min" or "max":
                result = argType;
                bool max = name == "max";
                factory = () => new MinMaxState(max);
                break;
            case "bool_and" or "every" or "bool_or":
                result = SqlType.Bool;
                bool and = name != "bool_or";
                factory = () => new BoolState(and);
                break;
            case "string_agg":
                result = SqlType.Text;
                var t0 = argType;
                factory = () => new StringAggState(t0);
                break;
            case "array_agg":
                result = SqlType.ArrayOf(argType);
                factory = () => new ArrayAggState();
                break;
            default:
                throw new SqlException(SqlState.UndefinedFunction, $"function {name} does not exist", f.Position);
        }

        if (f.AggregateOrderBy is { Count: > 0 } orderBy)
        {
            var keys = orderBy.Select(o => new SortKey(BindExpr(o.Expression, input, null), o.Descending, o.NullsFirst ?? o.Descending)).ToArray();
            var inner = factory;
            int argCount = args.Length;
            args = [.. args, .. keys.Select(k => k.Expression)];
            factory = () => new OrderedState(inner(), argCount, keys);
        }

        bool skipNulls = name != "count" || !f.StarArgument;
        if (name is "array_agg")
        {
            skipNulls = false;
        }

        return new BoundAggregate(new AggregateCall(name, args, f.Distinct, filter, factory, skipNulls && args.Length > 0 && name != "string_agg"), result, args, filter);
    }

    // ---- scalar functions ----

    private BoundExpr BindFunction(FunctionCall f, Scope scope, SqlType? expected)
    {
        string name = f.FunctionName;
        if (IsAggregate(f))
        {
            throw new SqlException(SqlState.GroupingError, "aggregate functions are not allowed here", f.Position);
        }

        // Special forms whose argument typing depends on each other.
        switch (name)
        {
            case "coalesce" or "greatest" or "least":
                {
                    var args = f.Arguments.Select(a => BindExpr(a, scope, expected)).ToArray();
                    var type = args.Select(a => a.Type).FirstOrDefault(t => t.Kind != SqlTypeKind.Unknown) ?? expected ?? SqlType.Text;
                    type = CommonType(args.Select(a => a.Type), type);
                    args = args.Select((a, i) => Coerce(a, type, f.Arguments[i].Position)).ToArray();
                    return name == "coalesce"
                        ? new CallExpr(name, args, type, (a, _) => a.FirstOrDefault(x => x is not null), false)
                        : new CallExpr(name, args, type, (a, _) =>
                        {
                            object? best = null;
                            foreach (var x in a)
                            {
                                if (x is not null && (best is null || (SqlValues.Compare(x, best) > 0) == (name == "greatest")))
                                {
                                    best = x;
                                }
                            }

                            return best;
                        }, false);
                }

            case "nullif":
                {
                    var (l, r) = BindPair(f.Arguments[0], f.Arguments[1], scope);
                    return new CallExpr(name, [l, r], l.Type, (a, _) => a[0] is not null && a[1] is not null && SqlValues.AreEqual(a[0]!, a[1]!) ? null : a[0], false);
                }
        }

        var bound = f.Arguments.Select(a => BindExpr(a, scope, null)).ToArray();
        var def = BuiltinFunctions.Resolve(name, bound, f.Position);
        for (int i = 0; i < bound.Length; i++)
        {
            var pt = i < def.ParameterTypes.Length ? def.ParameterTypes[i] : def.Variadic ? def.ParameterTypes[^1] : SqlType.Unknown;
            if (pt.Kind != SqlTypeKind.Unknown)
            {
                bound[i] = Coerce(bound[i], pt, f.Arguments[i].Position);
            }
            else if (bound[i].Type.Kind == SqlTypeKind.Unknown)
            {
                bound[i] = Coerce(bound[i], SqlType.Text, f.Arguments[i].Position);
            }
        }

        var resultType = def.ResultType(bound.Select(b => b.Type).ToArray());
        var impl = def.Implementation;
        return new CallExpr(name, bound, resultType, (a, ctx) => impl(a, ctx), def.Strict) { Volatile = def.Volatile };
    }

    private PlanNode BindFunctionTable(FunctionTableRef fn, Scope left, out List<ScopeColumn> columns)
    {
        var lateral = LateralScope(left);
        var args = fn.Call.Arguments.Select(a => BindExpr(a, lateral, null)).ToArray();

        // As the first FROM item the function is not run by a lateral join: its arguments get a frame of their own whose
        // outer frame is the enclosing query's row (unnest(e.labels) in a correlated subquery).
        bool ownFrame = left.Columns.Count == 0;
        string alias = fn.Alias ?? fn.Call.FunctionName;
        string ColumnName(string dflt) => fn.ColumnAliases is { Count: > 0 } ca ? ca[0] : fn.Alias ?? dflt;
        switch (fn.Call.FunctionName)
        {
            case "unnest":
                {
                    var type = args[0].Type.IsArray ? args[0].Type.Element! : args[0].Type.Kind == SqlTypeKind.Unknown ? SqlType.Text : args[0].Type;
                    if (args[0].Type.Kind == SqlTypeKind.Unknown)
                    {
                        args[0] = Coerce(args[0], SqlType.ArrayOf(SqlType.Text), fn.Position);
                    }

                    var cols = new List<OutputColumn> { new(ColumnName("unnest"), type) };
                    columns = [new ScopeColumn(alias, cols[0].Name, type)];
                    return new FunctionScanNode("unnest", cols, args, a => a[0] is null ? [] : Operators.Elements(a[0]!).Select(x => new object?[] { x })) { OwnFrame = ownFrame };
                }

            case "generate_series":
                {
                    var type = args.All(a => a.Type.IsInteger && a.Type.Kind != SqlTypeKind.Int8) ? SqlType.Int4 : SqlType.Int8;
                    if (args.Any(a => a.Type.Kind is SqlTypeKind.Numeric))
                    {
                        type = SqlType.Numeric;
                    }

                    for (int i = 0; i < args.Length; i++)
                    {
                        args[i] = Coerce(args[i], type, fn.Position);
                    }

                    var cols = new List<OutputColumn> { new(ColumnName("generate_series"), type) };
                    columns = [new ScopeColumn(alias, cols[0].Name, type)];
                    return new FunctionScanNode("generate_series", cols, args, a => Series(a, type)) { OwnFrame = ownFrame };
                }

            default:
                {
                    // A scalar function in FROM yields one row with its value.
                    var call = BindFunction(fn.Call, lateral, null);
                    var cols = new List<OutputColumn> { new(ColumnName(fn.Call.FunctionName), call.Type) };
                    columns = [new ScopeColumn(alias, cols[0].Name, call.Type)];
                    return new FunctionScanNode(fn.Call.FunctionName, cols, [call], a => [new object?[] { a[0] }]) { OwnFrame = ownFrame };
                }
        }
    }

    private static IEnumerable<object?[]> Series(object?[] a, SqlType type)
    {
        if (a[0] is null || a[1] is null)
        {
            yield break;
        }

        decimal start = SqlValues.ToDecimal(a[0]!), stop = SqlValues.ToDecimal(a[1]!);
        decimal step = a.Length > 2 && a[2] is not null ? SqlValues.ToDecimal(a[2]!) : 1;
        if (step == 0)
        {
            throw new SqlException(SqlState.InvalidParameterValue, "step size cannot equal zero");
        }

        for (decimal v = start; step > 0 ? v <= stop : v >= stop; v += step)
        {
            yield return [type.Kind switch { SqlTypeKind.Int4 => (object)(int)v, SqlTypeKind.Int8 => (long)v, _ => v }];
        }
    }
}

using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution.Plan;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Execution.Expressions;

/// <summary>How a subquery is used as a value.</summary>
public enum SubqueryKind
{
    /// <summary>(SELECT x): the single value, NULL for no row, 21000 for more than one.</summary>
    Scalar,
    /// <summary>EXISTS (SELECT ...).</summary>
    Exists,
    /// <summary>x op ANY (SELECT ...) / x IN (SELECT ...).</summary>
    Any,
    /// <summary>x op ALL (SELECT ...).</summary>
    All,
    /// <summary>ARRAY(SELECT ...).</summary>
    Array,
}

/// <summary>
/// A subquery used as a value. Uncorrelated subqueries run once per statement execution and are cached; correlated ones
/// run per outer row with the current frame as their outer frame.
/// </summary>
public sealed class SubqueryExpr(PlanNode plan, SubqueryKind kind, bool correlated, SqlType type,
    BoundExpr? left = null, Func<object, object, bool?>? comparison = null) : BoundExpr(type)
{
    private QueryContext? _cachedFor;
    private object? _cached;

    public PlanNode Plan => plan;

    /// <summary>True when the subquery reads a column of an enclosing query level (then it runs per outer row).</summary>
    public bool Correlated => correlated;

    /// <summary>The left operand of ANY/ALL, evaluated in the outer row; null for the other kinds.</summary>
    public BoundExpr? Left => left;

    public override object? Eval(EvalContext ctx)
    {
        if (kind is SubqueryKind.Any or SubqueryKind.All)
        {
            return Quantified(ctx);
        }

        if (!correlated && ReferenceEquals(_cachedFor, ctx.Execution))
        {
            return _cached;
        }

        object? result = kind switch
        {
            SubqueryKind.Exists => plan.Execute(ctx.Execution, ctx).Any(),
            SubqueryKind.Array => plan.Execute(ctx.Execution, ctx).Select(r => r[0]).ToArray(),
            _ => ScalarValue(ctx),
        };
        if (!correlated)
        {
            _cachedFor = ctx.Execution;
            _cached = result;
        }

        return result;
    }

    private object? ScalarValue(EvalContext ctx)
    {
        object? value = null;
        bool seen = false;
        foreach (var row in plan.Execute(ctx.Execution, ctx))
        {
            if (seen)
            {
                throw new SqlException(SqlState.CardinalityViolation, "more than one row returned by a subquery used as an expression");
            }

            seen = true;
            value = row[0];
        }

        return value;
    }

    private object? Quantified(EvalContext ctx)
    {
        var x = left!.Eval(ctx);
        bool sawNull = x is null;
        bool any = kind == SubqueryKind.Any;
        foreach (var row in plan.Execute(ctx.Execution, ctx))
        {
            var y = row[0];
            if (x is null || y is null)
            {
                sawNull = true;
                continue;
            }

            bool? r = comparison!(x, y);
            if (r is null)
            {
                sawNull = true;
            }
            else if (r.Value == any)
            {
                return any;
            }
        }

        return sawNull ? null : !any;
    }

    public override string Fingerprint => $"SubPlan({kind})";
}

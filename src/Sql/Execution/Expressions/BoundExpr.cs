using AnnSql.Sql.Types;

namespace AnnSql.Sql.Execution.Expressions;

/// <summary>
/// A bound, typed expression ready to evaluate against an <see cref="EvalContext"/>. Produced by the binder from the AST.
/// </summary>
public abstract class BoundExpr(SqlType type)
{
    public SqlType Type { get; set; } = type;

    /// <summary>Evaluates the expression; null is SQL NULL.</summary>
    public abstract object? Eval(EvalContext ctx);

    /// <summary>A canonical text of the expression, used to match GROUP BY keys and for EXPLAIN.</summary>
    public abstract string Fingerprint { get; }

    /// <summary>True when the value does not depend on the row (constants, parameters, and calls over them).</summary>
    public virtual bool IsConstant => false;

    public override string ToString() => Fingerprint;
}

/// <summary>A constant value.</summary>
public sealed class ConstantExpr(object? value, SqlType type) : BoundExpr(type)
{
    public object? Value { get; } = value;

    /// <summary>Offset of the literal in the query text, for errors raised when it is converted to its context's type.</summary>
    public int LiteralPosition { get; private set; } = -1;

    public ConstantExpr WithPosition(int position)
    {
        LiteralPosition = position;
        return this;
    }

    public override object? Eval(EvalContext ctx) => Value;

    public override bool IsConstant => true;

    public override string Fingerprint => Value is null ? "NULL" : "'" + (Value is string s ? s : TypeIO.FormatText(Value, Type)) + "'::" + Type.DisplayName;
}

/// <summary>A column of the current row (<see cref="LevelsUp"/> = 0) or of an enclosing query's row.</summary>
public sealed class ColumnExpr(int levelsUp, int ordinal, SqlType type, string name) : BoundExpr(type)
{
    public int LevelsUp { get; } = levelsUp;

    public int Ordinal { get; } = ordinal;

    public string Name { get; } = name;

    public override object? Eval(EvalContext ctx)
    {
        var frame = ctx;
        for (int i = 0; i < LevelsUp; i++)
        {
            frame = frame.Outer!;
        }

        return frame.Row[Ordinal];
    }

    public override string Fingerprint => LevelsUp == 0 ? $"#{Ordinal}" : $"#{LevelsUp}.{Ordinal}";
}

/// <summary>A statement parameter <c>$n</c> (0-based <see cref="Index"/>).</summary>
public sealed class ParameterExpr(int index, SqlType type) : BoundExpr(type)
{
    public int Index { get; } = index;

    public override object? Eval(EvalContext ctx) => ctx.Execution.Parameters[Index];

    public override bool IsConstant => true;

    public override string Fingerprint => "$" + (Index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A cast to <see cref="BoundExpr.Type"/>.</summary>
public sealed class CastExpr(BoundExpr operand, SqlType target) : BoundExpr(target)
{
    public BoundExpr Operand { get; } = operand;

    public override object? Eval(EvalContext ctx)
    {
        var v = Operand.Eval(ctx);
        return v is null ? null : Casts.Convert(v, Operand.Type, Type);
    }

    public override bool IsConstant => Operand.IsConstant;

    public override string Fingerprint => $"({Operand.Fingerprint})::{Type.DisplayName}";
}

/// <summary>
/// A call of a built-in function or operator implementation. Strict functions return NULL when any argument is NULL
/// without being called (PostgreSQL's proisstrict).
/// </summary>
public sealed class CallExpr(string name, BoundExpr[] arguments, SqlType type, Func<object?[], EvalContext, object?> implementation, bool strict)
    : BoundExpr(type)
{
    private readonly object?[] _values = new object?[arguments.Length];

    public string Name { get; } = name;

    public BoundExpr[] Arguments { get; } = arguments;

    public bool Strict { get; } = strict;

    /// <summary>Volatile functions (random, now, nextval) are never folded to constants.</summary>
    public bool Volatile { get; init; }

    /// <summary>The comparison operator of an <c>x op ANY|ALL (array)</c> call (named "any" or "all"); null for other calls.</summary>
    public string? QuantifiedOperator { get; init; }

    public Func<object?[], EvalContext, object?> Implementation { get; } = implementation;

    public override object? Eval(EvalContext ctx)
    {
        // Arguments go into a per-node buffer; implementations must not keep the array.
        var values = Arguments.Length == 0 ? [] : _values;
        for (int i = 0; i < Arguments.Length; i++)
        {
            var v = Arguments[i].Eval(ctx);
            if (v is null && Strict)
            {
                return null;
            }

            values[i] = v;
        }

        return Implementation(values, ctx);
    }

    public override bool IsConstant => !Volatile && Arguments.All(a => a.IsConstant);

    public override string Fingerprint => Name + "(" + string.Join(",", Arguments.Select(a => a.Fingerprint)) + ")";
}

/// <summary>AND / OR with SQL three-valued logic.</summary>
public sealed class LogicalExpr(bool isAnd, BoundExpr[] operands) : BoundExpr(SqlType.Bool)
{
    public bool IsAnd { get; } = isAnd;

    public BoundExpr[] Operands { get; } = operands;

    public override object? Eval(EvalContext ctx)
    {
        bool sawNull = false;
        foreach (var o in Operands)
        {
            var v = o.Eval(ctx);
            if (v is null)
            {
                sawNull = true;
            }
            else if ((bool)v != IsAnd)
            {
                return !IsAnd;
            }
        }

        return sawNull ? null : IsAnd;
    }

    public override bool IsConstant => Operands.All(o => o.IsConstant);

    public override string Fingerprint => "(" + string.Join(IsAnd ? " AND " : " OR ", Operands.Select(o => o.Fingerprint)) + ")";
}

/// <summary>NOT with three-valued logic.</summary>
public sealed class NotExpr(BoundExpr operand) : BoundExpr(SqlType.Bool)
{
    public BoundExpr Operand { get; } = operand;

    public override object? Eval(EvalContext ctx) => Operand.Eval(ctx) is bool b ? !b : null;

    public override bool IsConstant => Operand.IsConstant;

    public override string Fingerprint => "NOT " + Operand.Fingerprint;
}

/// <summary>IS [NOT] NULL.</summary>
public sealed class IsNullExpr(BoundExpr operand, bool negated) : BoundExpr(SqlType.Bool)
{
    public override object? Eval(EvalContext ctx) => (operand.Eval(ctx) is null) != negated;

    public override string Fingerprint => operand.Fingerprint + (negated ? " IS NOT NULL" : " IS NULL");
}

/// <summary>CASE: the first arm whose condition is true (or whose value equals the operand) gives the result.</summary>
public sealed class CaseExpr(BoundExpr? operand, (BoundExpr When, BoundExpr Then)[] arms, BoundExpr? elseExpr, SqlType type) : BoundExpr(type)
{
    public override object? Eval(EvalContext ctx)
    {
        if (operand is null)
        {
            foreach (var (when, then) in arms)
            {
                if (when.Eval(ctx) is true)
                {
                    return then.Eval(ctx);
                }
            }
        }
        else
        {
            var value = operand.Eval(ctx);
            if (value is not null)
            {
                foreach (var (when, then) in arms)
                {
                    var w = when.Eval(ctx);
                    if (w is not null && SqlValues.AreEqual(value, w))
                    {
                        return then.Eval(ctx);
                    }
                }
            }
        }

        return elseExpr?.Eval(ctx);
    }

    public override string Fingerprint => "CASE(" + operand?.Fingerprint + ";" +
        string.Join(";", arms.Select(a => a.When.Fingerprint + "=>" + a.Then.Fingerprint)) + ";" + elseExpr?.Fingerprint + ")";
}

/// <summary>x [NOT] IN (list) with SQL NULL semantics.</summary>
public sealed class InListExpr(BoundExpr operand, BoundExpr[] items, bool negated) : BoundExpr(SqlType.Bool)
{
    public BoundExpr Operand => operand;

    public BoundExpr[] Items => items;

    public bool Negated => negated;

    public override object? Eval(EvalContext ctx)
    {
        var v = operand.Eval(ctx);
        if (v is null)
        {
            return null;
        }

        bool sawNull = false;
        foreach (var item in items)
        {
            var x = item.Eval(ctx);
            if (x is null)
            {
                sawNull = true;
            }
            else if (SqlValues.AreEqual(v, x))
            {
                return !negated;
            }
        }

        return sawNull ? null : negated;
    }

    public override string Fingerprint => operand.Fingerprint + (negated ? " NOT IN (" : " IN (") + string.Join(",", items.Select(i => i.Fingerprint)) + ")";
}

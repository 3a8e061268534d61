using System.Globalization;
using AnnSql.Sql.Ast;
using AnnSql.Sql.Catalog.System;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Functions;
using AnnSql.Sql.Types;
using BoundCase = AnnSql.Sql.Execution.Expressions.CaseExpr;
using BoundCast = AnnSql.Sql.Execution.Expressions.CastExpr;
using BoundInList = AnnSql.Sql.Execution.Expressions.InListExpr;
using BoundIsNull = AnnSql.Sql.Execution.Expressions.IsNullExpr;
using BoundSubquery = AnnSql.Sql.Execution.Expressions.SubqueryExpr;

namespace AnnSql.Sql.Binding;

public sealed partial class Binder
{
    /// <summary>
    /// Binds an expression in <paramref name="scope"/>. <paramref name="expected"/>, when given, types untyped literals and
    /// parameters (it does not force a cast; callers coerce).
    /// </summary>
    public BoundExpr BindExpr(Expr expr, Scope scope, SqlType? expected)
    {
        if (scope.Aggregation is { } agg && expr is not Literal and not ParameterRef)
        {
            return BindAboveAggregation(expr, scope, agg, expected);
        }

        return BindNode(expr, scope, expected);
    }

    /// <summary>Binds one node; its children go back through <see cref="BindExpr"/>, so they see the aggregation context.</summary>
    private BoundExpr BindNode(Expr expr, Scope scope, SqlType? expected)
    {
        switch (expr)
        {
            case Literal lit:
                return BindLiteral(lit, expected);
            case ParameterRef p:
                return BindParameter(p, expected);
            case ColumnRef col:
                return ResolveColumn(col, scope);
            case UsingColumn u:
                return new ColumnExpr(0, u.Ordinal, scope.Columns[u.Ordinal].Type, scope.Columns[u.Ordinal].Name);
            case Ast.CastExpr cast:
                {
                    var target = TypeNames.Resolve(cast.Type);
                    bool isRegType = target.Kind is SqlTypeKind.RegClass or SqlTypeKind.RegType or SqlTypeKind.RegProc or SqlTypeKind.RegNamespace;
                    var operand = BindExpr(cast.Operand, scope, isRegType ? null : target);
                    return CastTo(operand, target, cast.Operand.Position >= 0 ? cast.Operand.Position : cast.Position, cast.Operand is Literal);
                }

            case UnaryExpr u:
                return BindUnary(u, scope, expected);
            case BinaryExpr b:
                return BindBinary(b, scope);
            case Ast.IsNullExpr n:
                return new BoundIsNull(BindExpr(n.Operand, scope, null), n.Negated);
            case IsBoolExpr ib:
                {
                    var operand = Coerce(BindExpr(ib.Operand, scope, SqlType.Bool), SqlType.Bool, ib.Position);
                    bool? want = ib.Value;
                    bool negated = ib.Negated;
                    return new CallExpr("is_bool", [operand], SqlType.Bool, (a, _) => (a[0] is bool v ? v == want : want is null) != negated, false);
                }

            case IsDistinctFromExpr d:
                {
                    var (l, r) = BindPair(d.Left, d.Right, scope);
                    bool negated = d.Negated;
                    return new CallExpr("is_distinct_from", [l, r], SqlType.Bool, (a, _) =>
                    {
                        bool distinct = a[0] is null || a[1] is null ? (a[0] is null) != (a[1] is null) : !SqlValues.AreEqual(a[0]!, a[1]!);
                        return distinct != negated;
                    }, false);
                }

            case BetweenExpr bt:
                {
                    var ge = new BinaryExpr(">=", bt.Operand, bt.Low) { Position = bt.Position };
                    var le = new BinaryExpr("<=", bt.Operand, bt.High) { Position = bt.Position };
                    var both = BindExpr(new BinaryExpr("AND", ge, le), scope, SqlType.Bool);
                    return bt.Negated ? new NotExpr(both) : both;
                }

            case Ast.InListExpr inList:
                {
                    var operand = BindExpr(inList.Operand, scope, null);
                    var items = inList.Items.Select(i => BindExpr(i, scope, operand.Type)).ToArray();
                    if (operand.Type.Kind == SqlTypeKind.Unknown)
                    {
                        var t = items.Select(i => i.Type).FirstOrDefault(t => t.Kind != SqlTypeKind.Unknown) ?? SqlType.Text;
                        operand = Coerce(operand, t, inList.Operand.Position);
                    }

                    items = items.Select((it, i) => CoerceForComparison(it, operand.Type, inList.Items[i].Position)).ToArray();
                    return new BoundInList(operand, items, inList.Negated);
                }

            case InSubqueryExpr ins:
                {
                    var left = BindExpr(ins.Operand, scope, null);
                    var (plan, correlated) = BindSubquery(ins.Query, scope);
                    var sub = new BoundSubquery(plan, SubqueryKind.Any, correlated, SqlType.Bool, left, (x, y) => ComparisonExpr.Test("=", x, y));
                    return ins.Negated ? new NotExpr(sub) : sub;
                }

            case ExistsExpr ex:
                {
                    var (plan, correlated) = BindSubquery(ex.Query, scope);
                    return new BoundSubquery(plan, SubqueryKind.Exists, correlated, SqlType.Bool);
                }

            case Ast.SubqueryExpr sq:
                {
                    var (plan, correlated) = BindSubquery(sq.Query, scope);
                    if (plan.Columns.Count != 1)
                    {
                        throw new SqlException(SqlState.SyntaxError, "subquery must return only one column", sq.Position);
                    }

                    return new BoundSubquery(plan, SubqueryKind.Scalar, correlated, plan.Columns[0].Type);
                }

            case ArraySubqueryExpr asq:
                {
                    var (plan, correlated) = BindSubquery(asq.Query, scope);
                    return new BoundSubquery(plan, SubqueryKind.Array, correlated, SqlType.ArrayOf(plan.Columns[0].Type));
                }

            case QuantifiedExpr q:
                return BindQuantified(q, scope);
            case Ast.CaseExpr c:
                return BindCase(c, scope, expected);
            case ArrayExpr arr:
                {
                    var elemExpected = expected is { IsArray: true } ? expected.Element : null;
                    var items = arr.Items.Select(i => BindExpr(i, scope, elemExpected)).ToArray();
                    var elem = items.Select(i => i.Type).FirstOrDefault(t => t.Kind != SqlTypeKind.Unknown) ?? elemExpected ?? SqlType.Text;
                    if (elem.IsArray)
                    {
                        elem = elem.Element!;
                    }

                    items = items.Select((it, i) => Coerce(it, elem, arr.Items[i].Position)).ToArray();
                    return new CallExpr("array", items, SqlType.ArrayOf(elem), (a, _) => a.ToArray(), false);
                }

            case SubscriptExpr s:
                return BindSubscript(s, scope);
            case CollateExpr ce:
                return BindExpr(ce.Operand, scope, expected);
            case FunctionCall f:
                return BindFunction(f, scope, expected);
            case SpecialValue sv:
                return BindSpecialValue(sv);
            case RowExpr row:
                {
                    var items = row.Items.Select(i => BindExpr(i, scope, null)).ToArray();
                    return new CallExpr("row", items, SqlType.Record, (a, _) => a.ToArray(), false);
                }

            case Star st:
                throw new SqlException(SqlState.SyntaxError, "syntax error at or near \"*\"", st.Position);
            case DefaultExpr:
                throw new SqlException(SqlState.SyntaxError, "DEFAULT is not allowed in this context", expr.Position);
            default:
                throw new SqlException(SqlState.FeatureNotSupported, $"unsupported expression {expr.GetType().Name}", expr.Position);
        }
    }

    private BoundExpr BindLiteral(Literal lit, SqlType? expected)
    {
        switch (lit.Kind)
        {
            case LiteralKind.Null:
                return new ConstantExpr(null, expected ?? SqlType.Unknown);
            case LiteralKind.Boolean:
                return new ConstantExpr(lit.BooleanValue, SqlType.Bool);
            case LiteralKind.Integer:
                // The parser folds a leading minus into the literal, as PostgreSQL does.
                if (int.TryParse(lit.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i))
                {
                    return new ConstantExpr(i, SqlType.Int4);
                }

                if (long.TryParse(lit.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
                {
                    return new ConstantExpr(l, SqlType.Int8);
                }

                return new ConstantExpr(decimal.Parse(lit.Text!, NumberStyles.Float, CultureInfo.InvariantCulture), SqlType.Numeric);
            case LiteralKind.Decimal:
                if (decimal.TryParse(lit.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal d))
                {
                    return new ConstantExpr(d, SqlType.Numeric);
                }

                return new ConstantExpr(double.Parse(lit.Text!, NumberStyles.Float, CultureInfo.InvariantCulture), SqlType.Float8);
            case LiteralKind.BitString:
                return new ConstantExpr(TypeIO.ParseText(lit.Text, SqlType.VarBit), SqlType.VarBit);
            default:
                return new ConstantExpr(lit.Text, SqlType.Unknown) { }.WithPosition(lit.Position);
        }
    }

    private BoundExpr BindParameter(ParameterRef p, SqlType? expected)
    {
        int index = p.Number - 1;
        if (index < 0 || index >= 65535)
        {
            throw new SqlException(SqlState.UndefinedParameter, $"there is no parameter ${p.Number}", p.Position);
        }

        while (_parameterTypes.Count <= index)
        {
            _parameterTypes.Add(SqlType.Unknown);
        }

        var declared = _parameterTypes[index];
        if (declared.Kind == SqlTypeKind.Unknown && expected is not null && expected.Kind != SqlTypeKind.Unknown)
        {
            _parameterTypes[index] = expected.WithoutModifier();
            declared = _parameterTypes[index];
        }

        return new ParameterExpr(index, declared);
    }

    /// <summary>Gives an untyped parameter or literal a type from its context, or converts a typed value implicitly.</summary>
    internal BoundExpr Coerce(BoundExpr e, SqlType target, int position, bool assignment = false)
    {
        if (target.Kind == SqlTypeKind.Unknown)
        {
            return e;
        }

        if (e is ParameterExpr p && p.Type.Kind == SqlTypeKind.Unknown)
        {
            _parameterTypes[p.Index] = target.WithoutModifier();
            p.Type = target.WithoutModifier();
            return assignment && target.Modifier >= 0 ? new BoundCast(p, target) : p;
        }

        if (e.Type.Kind == target.Kind && (target.Modifier < 0 || e.Type.Modifier == target.Modifier) && target.Kind != SqlTypeKind.Array)
        {
            return e;
        }

        if (e.Type.Kind == SqlTypeKind.Array && target.Kind == SqlTypeKind.Array && e.Type.Element!.Kind == target.Element!.Kind)
        {
            return e;
        }

        if (e is ConstantExpr { Value: null })
        {
            return new ConstantExpr(null, target);
        }

        if (e is ConstantExpr { Type.Kind: SqlTypeKind.Unknown, Value: string name } && IsRegType(target.Kind) && !uint.TryParse(name.Trim(), out _))
        {
            // 'pg_catalog.pg_extension'::regclass: the name is looked up in the catalog when the statement runs.
            var kind = target.Kind;
            return new CallExpr("to_" + target.TypeName, [new ConstantExpr(name, SqlType.Text)], target,
                (a, ctx) => SystemCatalog.ResolveRegName(ctx, kind, (string)a[0]!), true);
        }

        if (e is ConstantExpr { Type.Kind: SqlTypeKind.Unknown, Value: string s } c)
        {
            try
            {
                return new ConstantExpr(TypeIO.ParseText(s, target), target);
            }
            catch (SqlException ex) when (ex.Position < 0)
            {
                throw new SqlException(ex.SqlState, ex.Message, c.LiteralPosition >= 0 ? c.LiteralPosition : position, ex.Detail, ex.Hint);
            }
        }

        if (e.Type.Kind == SqlTypeKind.Unknown)
        {
            return new BoundCast(e, target);
        }

        if (!Casts.CanCast(e.Type, target))
        {
            throw new SqlException(SqlState.DatatypeMismatch,
                $"column is of type {target.DisplayName} but expression is of type {e.Type.DisplayName}", position,
                hint: "You will need to rewrite or cast the expression.");
        }

        return assignment && target.IsString && target.Modifier >= 0 ? new LengthCheckedCast(e, target) : new BoundCast(e, target);
    }

    private static bool IsRegType(SqlTypeKind kind) => kind is SqlTypeKind.RegClass or SqlTypeKind.RegType or SqlTypeKind.RegProc or SqlTypeKind.RegNamespace;

    private BoundExpr CoerceForComparison(BoundExpr e, SqlType other, int position)
    {
        if (e.Type.Kind == SqlTypeKind.Unknown || e is ParameterExpr { Type.Kind: SqlTypeKind.Unknown })
        {
            return Coerce(e, other, position);
        }

        return e;
    }

    private BoundExpr CastTo(BoundExpr operand, SqlType target, int position, bool isLiteral)
    {
        // regclass/regtype/... input looks names up (a literal such as 'int4'::regtype or 'items'::regclass, or psycopg's
        // $1::regtype with the text 'vector').
        if (target.Kind is SqlTypeKind.RegClass or SqlTypeKind.RegType or SqlTypeKind.RegProc or SqlTypeKind.RegNamespace
            && (operand.Type.IsString || operand is ConstantExpr { Type.Kind: SqlTypeKind.Unknown, Value: string }
                || operand is ParameterExpr { Type.Kind: SqlTypeKind.Unknown }))
        {
            var text = operand.Type.Kind == SqlTypeKind.Unknown ? Coerce(operand, SqlType.Text, position) : operand;
            return new CallExpr("to_" + target.TypeName, [text], target, (a, ctx) => SystemCatalog.ResolveRegName(ctx, target.Kind, (string)a[0]!), true);
        }

        if (operand is ConstantExpr { Type.Kind: SqlTypeKind.Unknown, Value: string } && target.Kind is SqlTypeKind.Varchar or SqlTypeKind.Char
            && target.Modifier >= 4)
        {
            // An explicit cast to varchar(n)/char(n) truncates (only assignment raises 22001).
            return new BoundCast(Coerce(operand, SqlType.Text, position), target);
        }

        if (operand is ConstantExpr { Type.Kind: SqlTypeKind.Unknown } || operand is ParameterExpr { Type.Kind: SqlTypeKind.Unknown })
        {
            var coerced = Coerce(operand, target, position);
            return target.Modifier >= 0 && coerced is ParameterExpr ? new BoundCast(coerced, target) : coerced;
        }

        if (target.IsString && operand.Type.Kind is SqlTypeKind.RegClass or SqlTypeKind.RegType or SqlTypeKind.RegProc or SqlTypeKind.RegNamespace)
        {
            var kind = operand.Type.Kind;
            return new CallExpr("reg_text", [operand], target, (a, ctx) => SystemCatalog.FormatRegName(ctx, kind, (uint)a[0]!), true);
        }

        if (!Casts.CanCast(operand.Type, target))
        {
            throw new SqlException(SqlState.CannotCoerce, $"cannot cast type {operand.Type.DisplayName} to {target.DisplayName}", position);
        }

        return new BoundCast(operand, target);
    }

    private BoundExpr ResolveColumn(ColumnRef col, Scope scope)
    {
        int levels = 0;
        for (var s = scope; s is not null; s = s.Parent, levels++)
        {
            int found = -1;
            for (int i = 0; i < s.Columns.Count; i++)
            {
                var c = s.Columns[i];
                if (c.Name != col.Name || (col.Qualifier is null && c.Hidden))
                {
                    continue;
                }

                if (col.Qualifier is not null && c.Table != col.Qualifier)
                {
                    continue;
                }

                if (found >= 0)
                {
                    throw new SqlException(SqlState.AmbiguousColumn, $"column reference \"{col.Name}\" is ambiguous", col.Position);
                }

                found = i;
            }

            if (found >= 0)
            {
                if (levels > 0)
                {
                    _outerReferences.Add(s);
                }

                var sc = s.Columns[found];
                return new ColumnExpr(levels, found, sc.Type, sc.Name);
            }

            if (col.Qualifier is not null && s.Columns.Any(c => c.Table == col.Qualifier) && levels == 0)
            {
                throw new SqlException(SqlState.UndefinedColumn, $"column {col.Qualifier}.{col.Name} does not exist", col.Position);
            }
        }

        if (col.Qualifier is not null)
        {
            throw new SqlException(SqlState.UndefinedTable, $"missing FROM-clause entry for table \"{col.Qualifier}\"", col.Position);
        }

        throw new SqlException(SqlState.UndefinedColumn, $"column \"{col.Name}\" does not exist", col.Position);
    }

    /// <summary>
    /// Binds a subquery whose outer scope is <paramref name="scope"/>. It is correlated when a column inside it resolved to
    /// <paramref name="scope"/> or an enclosing level; an uncorrelated subquery runs once per statement.
    /// </summary>
    private (Execution.Plan.PlanNode Plan, bool Correlated) BindSubquery(SelectStatement query, Scope scope)
    {
        var enclosing = _outerReferences;
        _outerReferences = [];
        try
        {
            var plan = BindSelect(query, scope, out _);
            bool correlated = false;
            for (var s = scope; s is not null && !correlated; s = s.Parent)
            {
                correlated = _outerReferences.Contains(s);
            }

            return (plan, correlated);
        }
        finally
        {
            enclosing.UnionWith(_outerReferences);
            _outerReferences = enclosing;
        }
    }

    private BoundExpr BindUnary(UnaryExpr u, Scope scope, SqlType? expected)
    {
        if (u.Operator.Equals("NOT", StringComparison.OrdinalIgnoreCase))
        {
            return new NotExpr(Coerce(BindExpr(u.Operand, scope, SqlType.Bool), SqlType.Bool, u.Operand.Position));
        }

        var operand = BindExpr(u.Operand, scope, expected);
        if (operand.Type.Kind == SqlTypeKind.Unknown)
        {
            operand = Coerce(operand, SqlType.Float8, u.Position);
        }

        return u.Operator switch
        {
            "+" => operand,
            "-" when operand is ConstantExpr { Value: int i } => new ConstantExpr(-i, SqlType.Int4),
            "-" when operand is ConstantExpr { Value: long l } => new ConstantExpr(l == -(long)int.MinValue ? int.MinValue : -l, l == -(long)int.MinValue ? SqlType.Int4 : SqlType.Int8),
            "-" when operand is ConstantExpr { Value: decimal m } => new ConstantExpr(-m, SqlType.Numeric),
            "-" => new CallExpr("-", [operand], operand.Type, (a, _) => Arithmetic.Negate(a[0]!, operand.Type), true),
            "@" => new CallExpr("abs", [operand], operand.Type, (a, _) => Arithmetic.Abs(a[0]!), true),
            "~" => new CallExpr("~", [operand], operand.Type, (a, _) => a[0] switch { int x => ~x, long x => ~x, short x => (short)~x, _ => throw new SqlException(SqlState.UndefinedFunction, "operator does not exist: ~") }, true),
            _ => throw new SqlException(SqlState.UndefinedFunction, $"operator does not exist: {u.Operator} {operand.Type.DisplayName}", u.Position),
        };
    }

    private (BoundExpr, BoundExpr) BindPair(Expr left, Expr right, Scope scope)
    {
        var l = BindExpr(left, scope, null);
        var r = BindExpr(right, scope, l.Type.Kind == SqlTypeKind.Unknown ? null : l.Type);
        if (l.Type.Kind == SqlTypeKind.Unknown && r.Type.Kind != SqlTypeKind.Unknown)
        {
            l = Coerce(l, r.Type, left.Position);
        }
        else if (r.Type.Kind == SqlTypeKind.Unknown && l.Type.Kind != SqlTypeKind.Unknown)
        {
            r = Coerce(r, l.Type, right.Position);
        }
        else if (l.Type.Kind == SqlTypeKind.Unknown && r.Type.Kind == SqlTypeKind.Unknown)
        {
            l = Coerce(l, SqlType.Text, left.Position);
            r = Coerce(r, SqlType.Text, right.Position);
        }

        return (l, r);
    }

    private BoundExpr BindBinary(BinaryExpr b, Scope scope)
    {
        string op = b.Operator.ToUpperInvariant();
        switch (op)
        {
            case "AND" or "OR":
                {
                    var l = Coerce(BindExpr(b.Left, scope, SqlType.Bool), SqlType.Bool, b.Left.Position);
                    var r = Coerce(BindExpr(b.Right, scope, SqlType.Bool), SqlType.Bool, b.Right.Position);
                    bool isAnd = op == "AND";
                    var ops = new List<BoundExpr>();
                    foreach (var x in new[] { l, r })
                    {
                        if (x is LogicalExpr le && le.IsAnd == isAnd)
                        {
                            ops.AddRange(le.Operands);
                        }
                        else
                        {
                            ops.Add(x);
                        }
                    }

                    return new LogicalExpr(isAnd, [.. ops]);
                }

            case "=" or "<>" or "!=" or "<" or "<=" or ">" or ">=":
                {
                    var (l, r) = BindPair(b.Left, b.Right, scope);
                    CheckComparable(l, r, b);
                    return new ComparisonExpr(op == "!=" ? "<>" : op, l, r);
                }

            case "||":
                {
                    // text || anynonarray: an untyped literal next to a number or boolean is text, not that type.
                    var l = BindExpr(b.Left, scope, null);
                    var r = BindExpr(b.Right, scope, null);
                    if (l.Type.Kind == SqlTypeKind.Unknown)
                    {
                        l = Coerce(l, r.Type.Kind != SqlTypeKind.Unknown && ConcatenatesOwnType(r.Type) ? r.Type : SqlType.Text, b.Left.Position);
                    }

                    if (r.Type.Kind == SqlTypeKind.Unknown)
                    {
                        r = Coerce(r, ConcatenatesOwnType(l.Type) ? l.Type : SqlType.Text, b.Right.Position);
                    }

                    return Operators.Bind(op, l, r, b.Position);
                }
        }

        var (left, right) = BindPair(b.Left, b.Right, scope);
        return Operators.Bind(op, left, right, b.Position);
    }

    private static void CheckComparable(BoundExpr l, BoundExpr r, BinaryExpr b)
    {
        var a = l.Type;
        var c = r.Type;
        bool ok = a.Kind == c.Kind || (a.IsNumeric && c.IsNumeric) || (a.IsString && c.IsString)
            || a.Kind == SqlTypeKind.Unknown || c.Kind == SqlTypeKind.Unknown
            || (IsOidLike(a) && IsOidLike(c)) || (IsOidLike(a) && c.IsInteger) || (a.IsInteger && IsOidLike(c))
            || (a.Kind is SqlTypeKind.Timestamp or SqlTypeKind.TimestampTz or SqlTypeKind.Date && c.Kind is SqlTypeKind.Timestamp or SqlTypeKind.TimestampTz or SqlTypeKind.Date)
            || (a.Kind is SqlTypeKind.Bit or SqlTypeKind.VarBit && c.Kind is SqlTypeKind.Bit or SqlTypeKind.VarBit)
            || (a.Kind is SqlTypeKind.Json or SqlTypeKind.Jsonb && c.Kind is SqlTypeKind.Json or SqlTypeKind.Jsonb);
        if (!ok)
        {
            throw new SqlException(SqlState.UndefinedFunction, $"operator does not exist: {a.DisplayName} {b.Operator} {c.DisplayName}", b.Position,
                hint: "No operator matches the given name and argument types. You might need to add explicit type casts.");
        }
    }

    /// <summary>Types with their own <c>||</c> (arrays, vectors, bit strings, bytea, jsonb) rather than text concatenation.</summary>
    private static bool ConcatenatesOwnType(SqlType t) =>
        t.IsArray || t.IsVector || t.Kind is SqlTypeKind.Bit or SqlTypeKind.VarBit or SqlTypeKind.Bytea or SqlTypeKind.Jsonb;

    private static bool IsOidLike(SqlType t) => t.Kind is SqlTypeKind.Oid or SqlTypeKind.RegClass or SqlTypeKind.RegType or SqlTypeKind.RegProc or SqlTypeKind.RegNamespace;

    private BoundExpr BindQuantified(QuantifiedExpr q, Scope scope)
    {
        var left = BindExpr(q.Left, scope, null);
        string op = q.Operator == "!=" ? "<>" : q.Operator;
        Func<object, object, bool?> compare = op.ToUpperInvariant() switch
        {
            "LIKE" or "ILIKE" or "~" or "~*" or "!~" or "!~*" or "NOT LIKE" or "NOT ILIKE" => (x, y) => (bool?)Operators.Evaluate(op, x, y),
            _ => (x, y) => ComparisonExpr.Test(op, x, y),
        };
        if (q.Query is not null)
        {
            var (plan, correlated) = BindSubquery(q.Query, scope);
            return new BoundSubquery(plan, q.All ? SubqueryKind.All : SubqueryKind.Any, correlated, SqlType.Bool, left, compare);
        }

        var array = BindExpr(q.Array!, scope, left.Type.Kind == SqlTypeKind.Unknown ? null : SqlType.ArrayOf(left.Type));
        if (array.Type.Kind == SqlTypeKind.Unknown)
        {
            array = Coerce(array, SqlType.ArrayOf(left.Type.Kind == SqlTypeKind.Unknown ? SqlType.Text : left.Type), q.Array!.Position);
        }

        if (left.Type.Kind == SqlTypeKind.Unknown && array.Type.Element is { } elem)
        {
            left = Coerce(left, elem, q.Left.Position);
        }

        bool all = q.All;
        return new CallExpr(all ? "all" : "any", [left, array], SqlType.Bool, (a, _) =>
        {
            if (a[1] is null)
            {
                return null;
            }

            var items = a[1] switch
            {
                object?[] arr => arr,
                short[] sv => sv.Select(x => (object?)x).ToArray(),
                uint[] ov => ov.Select(x => (object?)x).ToArray(),
                _ => throw new SqlException(SqlState.DatatypeMismatch, "op ANY/ALL (array) requires array on right side"),
            };
            bool sawNull = a[0] is null;
            foreach (var item in items)
            {
                if (a[0] is null || item is null)
                {
                    sawNull = true;
                    continue;
                }

                bool? r = compare(a[0]!, item);
                if (r is null)
                {
                    sawNull = true;
                }
                else if (r.Value != all)
                {
                    return !all;
                }
            }

            return sawNull ? null : all;
        }, false)
        { QuantifiedOperator = op };
    }

    private BoundExpr BindCase(Ast.CaseExpr c, Scope scope, SqlType? expected)
    {
        var operand = c.Operand is null ? null : BindExpr(c.Operand, scope, null);
        var whens = c.Whens.Select(w => operand is null
            ? BindCondition(w.Condition, scope, "CASE/WHEN")
            : CoerceForComparison(BindExpr(w.Condition, scope, operand.Type), operand.Type, w.Condition.Position)).ToArray();
        var results = c.Whens.Select(w => BindExpr(w.Result, scope, expected)).ToList();
        var elseExpr = c.Else is null ? null : BindExpr(c.Else, scope, expected);
        var type = results.Concat(elseExpr is null ? [] : [elseExpr]).Select(r => r.Type).FirstOrDefault(t => t.Kind != SqlTypeKind.Unknown)
            ?? expected ?? SqlType.Text;
        type = CommonType(results.Concat(elseExpr is null ? [] : [elseExpr]).Select(r => r.Type), type);
        var arms = whens.Select((w, i) => (w, Coerce(results[i], type, c.Whens[i].Result.Position))).ToArray();
        return new BoundCase(operand, arms, elseExpr is null ? null : Coerce(elseExpr, type, c.Else!.Position), type);
    }

    /// <summary>The common type of CASE arms / COALESCE arguments (numbers widen to the widest kind).</summary>
    internal static SqlType CommonType(IEnumerable<SqlType> types, SqlType first)
    {
        var result = first;
        foreach (var t in types)
        {
            if (t.Kind == SqlTypeKind.Unknown || t.Kind == result.Kind)
            {
                continue;
            }

            if (t.IsNumeric && result.IsNumeric)
            {
                result = Arithmetic.Rank(t) > Arithmetic.Rank(result) ? t : result;
            }
            else if (t.IsString && result.IsString && result.Kind is not (SqlTypeKind.Text or SqlTypeKind.Varchar))
            {
                // text and varchar convert to each other implicitly, so the first of them stays (as in select_common_type).
                result = SqlType.Text;
            }
        }

        return result.WithoutModifier();
    }

    private BoundExpr BindSubscript(SubscriptExpr s, Scope scope)
    {
        var operand = BindExpr(s.Operand, scope, null);
        var index = Coerce(BindExpr(s.Index!, scope, SqlType.Int4), SqlType.Int4, s.Index!.Position);
        if (s.IsSlice)
        {
            var upper = Coerce(BindExpr(s.UpperIndex!, scope, SqlType.Int4), SqlType.Int4, s.UpperIndex!.Position);
            return new CallExpr("slice", [operand, index, upper], operand.Type, (a, _) =>
            {
                var arr = (object?[])a[0]!;
                int lo = Math.Max(1, (int)a[1]!);
                int hi = Math.Min(arr.Length, (int)a[2]!);
                return hi < lo ? Array.Empty<object?>() : arr[(lo - 1)..hi];
            }, true);
        }

        var elementType = operand.Type.Kind switch
        {
            SqlTypeKind.Array => operand.Type.Element!,
            SqlTypeKind.Int2Vector => SqlType.Int2,
            SqlTypeKind.OidVector => SqlType.Oid,
            SqlTypeKind.Unknown => SqlType.Text,
            _ => throw new SqlException(SqlState.DatatypeMismatch,
                $"cannot subscript type {operand.Type.DisplayName} because it does not support subscripting", s.Position),
        };
        return new CallExpr("subscript", [operand, index], elementType, (a, _) =>
        {
            int i = (int)a[1]!;
            return a[0] switch
            {
                object?[] arr => i >= 1 && i <= arr.Length ? arr[i - 1] : null,
                short[] sv => i >= 0 && i < sv.Length ? sv[i] : null,
                uint[] ov => i >= 0 && i < ov.Length ? ov[i] : null,
                _ => null,
            };
        }, true);
    }

    private static BoundExpr BindSpecialValue(SpecialValue sv) => sv.Name switch
    {
        "current_date" => new CallExpr("current_date", [], SqlType.Date, (_, ctx) => DateOnly.FromDateTime(ctx.Execution.Session.StatementTimestamp), false),
        "current_timestamp" or "now" => new CallExpr("now", [], SqlType.TimestampTz, (_, ctx) => ctx.Execution.Session.TransactionTimestamp, false),
        "localtimestamp" => new CallExpr("localtimestamp", [], SqlType.Timestamp, (_, ctx) => DateTime.SpecifyKind(ctx.Execution.Session.TransactionTimestamp, DateTimeKind.Unspecified), false),
        "current_time" or "localtime" => new CallExpr(sv.Name, [], SqlType.Text, (_, ctx) => ctx.Execution.Session.TransactionTimestamp.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture), false),
        "current_user" or "session_user" or "user" or "current_role" => new CallExpr(sv.Name, [], SqlType.Name, (_, ctx) => ctx.Execution.Session.User, false),
        "current_schema" => new ConstantExpr("public", SqlType.Name),
        "current_catalog" => new CallExpr(sv.Name, [], SqlType.Name, (_, ctx) => ctx.Execution.Session.DatabaseName, false),
        _ => throw new SqlException(SqlState.FeatureNotSupported, $"unsupported value {sv.Name}", sv.Position),
    };
}

/// <summary>An assignment cast to varchar(n)/char(n): a value longer than n is an error (22001), not truncated.</summary>
public sealed class LengthCheckedCast(BoundExpr operand, SqlType target) : BoundExpr(target)
{
    public override object? Eval(EvalContext ctx)
    {
        var v = operand.Eval(ctx);
        if (v is null)
        {
            return null;
        }

        var s = v as string ?? (string)Casts.Convert(v, operand.Type, SqlType.Text);
        int max = Type.Modifier - 4;
        if (s.Length > max && s.TrimEnd(' ').Length > max)
        {
            throw new SqlException(SqlState.StringDataRightTruncation, $"value too long for type {Type.DisplayName}");
        }

        return Casts.ApplyModifier(s.Length > max ? s[..max] : s, Type);
    }

    public override string Fingerprint => $"({operand.Fingerprint})::{Type.DisplayName}";
}

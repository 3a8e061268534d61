using AnnSql.Sql.Ast;
using Pidgin;
using static AnnSql.Sql.Parsing.Tokens;
using static Pidgin.Parser;

namespace AnnSql.Sql.Parsing;

/// <summary>
/// Value expressions with PostgreSQL's operator precedence, lowest first: OR; AND; NOT; IS/ISNULL/NOTNULL; comparison;
/// BETWEEN/IN/LIKE/ILIKE/SIMILAR; any other operator; + -; * / %; ^; AT TIME ZONE/COLLATE; unary + -; :: and [] postfixes.
/// Each level is an explicit parser (precedence climbing), so the special forms (IS NOT NULL, NOT IN, LIKE .. ESCAPE,
/// op ANY (..)) sit at their level.
/// </summary>
internal static class ExprGrammar
{
    private static readonly Parser<char, int> Offset = Parser<char>.CurrentOffset;

    private static readonly Parser<char, Expr> ExprRef = Rec(() => Expr!);

    private static readonly Parser<char, SelectStatement> SelectRef = Rec(() => SelectGrammar.SelectStmt);

    /// <summary>A query inside parentheses, tried only when it starts with SELECT, WITH, VALUES or TABLE.</summary>
    public static readonly Parser<char, SelectStatement> GatedSelect =
        Lookahead(KwOneOf("select", "with", "values", "table")).Then(SelectRef);

    public static readonly Parser<char, IReadOnlyList<Expr>> ExprList = ExprRef.SeparatedAtLeastOnce(Comma).ListOf();

    /// <summary>A possibly qualified name whose parts are any words after the first (<c>pg_catalog.default</c>).</summary>
    public static readonly Parser<char, IReadOnlyList<string>> AnyName = Map(
        (first, rest) => (IReadOnlyList<string>)[first, .. rest],
        Label,
        Sym('.').Then(Label).Many());

    // ---- ORDER BY items (also used inside aggregate calls) ----

    private static readonly Parser<char, bool> Direction = OneOf(
        Kw("asc").ThenReturn(false),
        Kw("desc").ThenReturn(true),
        Kw("using").Then(OpExcept()).Map(op => op == ">"),
        Parser<char>.Return(false));

    public static readonly Parser<char, bool?> NullsOrder = OneOf(
        Kws("nulls", "first").ThenReturn((bool?)true),
        Kws("nulls", "last").ThenReturn((bool?)false),
        Parser<char>.Return((bool?)null));

    public static readonly Parser<char, OrderItem> OrderItem = Map(
        (e, desc, nulls) => new OrderItem(e, desc, nulls), ExprRef, Direction, NullsOrder);

    public static readonly Parser<char, IReadOnlyList<OrderItem>> OrderByClause =
        Kws("order", "by").Then(OrderItem.SeparatedAtLeastOnce(Comma)).ListOf();

    // ---- primary expressions ----

    private sealed record FuncArgs(bool Star, bool Distinct, IReadOnlyList<Expr> Args, IReadOnlyList<OrderItem>? OrderBy, Expr? Filter);

    private static readonly Parser<char, FuncArgs> FuncArgsBody = OneOf(
        Op("*").ThenReturn(new FuncArgs(true, false, [], null, null)),
        Map(
            (distinct, args, orderBy) => new FuncArgs(false, distinct, args, orderBy, null),
            OneOf(Kw("distinct").ThenReturn(true), Kw("all").ThenReturn(false), Parser<char>.Return(false)),
            ExprRef.Separated(Comma).ListOf(),
            OrderByClause.OrNull()));

    private static readonly Parser<char, FuncArgs> FuncTail = Map(
        (args, filter) => args with { Filter = filter },
        OpenParen.Then(FuncArgsBody).Before(CloseParen),
        KwParen("filter").Then(OpenParen).Then(Kw("where")).Then(ExprRef).Before(CloseParen).OrNull());

    private static readonly Parser<char, Expr> NamePath = Map(
        BuildNamePath,
        Offset,
        FirstNamePart,
        Sym('.').Then(Op("*").Or(Label)).Many().ListOf(),
        OneOf(FuncTail.Cast<object>(), StringLiteral.Cast<object>()).Optional());

    private static Expr BuildNamePath(int pos, string first, IReadOnlyList<string> rest, Maybe<object> tail)
    {
        if (rest.Count > 0 && rest[^1] == "*")
        {
            return new Star(string.Join('.', [first, .. rest.Take(rest.Count - 1)])) { Position = pos };
        }

        IReadOnlyList<string> parts = [first, .. rest];
        if (!tail.HasValue)
        {
            return new ColumnRef(parts) { Position = pos };
        }

        if (tail.Value is FuncArgs a)
        {
            return new FunctionCall(parts, a.Args)
            {
                Position = pos,
                StarArgument = a.Star,
                Distinct = a.Distinct,
                AggregateOrderBy = a.OrderBy,
                Filter = a.Filter,
            };
        }

        // name 'text' is a typed literal: date '2024-01-01', vector '[1,2]'.
        var type = new TypeName(TypeGrammar.Normalize(parts[^1]), [], 0) { Position = pos };
        return new CastExpr((Expr)tail.Value, type) { Position = pos };
    }

    // Typed literals whose type name is a keyword or has several words: timestamp with time zone '..', interval '1 day'.
    private static readonly Parser<char, Expr> TypedLiteral = Lookahead(KwOneOf(
            "timestamp", "time", "interval", "double", "character", "char", "varchar", "bit", "national", "numeric", "decimal",
            "dec", "float", "int", "integer", "smallint", "bigint", "real", "boolean"))
        .Then(Try(Map((t, s) => (Expr)new CastExpr(s, t) { Position = t.Position }, TypeGrammar.TypeName, StringLiteral)));

    private static readonly Parser<char, Expr> ParenExpr = Map(
        (pos, inner) => inner switch
        {
            SelectStatement q => new SubqueryExpr(q) { Position = pos },
            IReadOnlyList<Expr> { Count: 1 } l => l[0],
            IReadOnlyList<Expr> l => new RowExpr(l) { Position = pos },
            _ => throw new InvalidOperationException(),
        },
        Offset,
        OpenParen.Then(OneOf(GatedSelect.Cast<object>(), ExprList.Cast<object>())).Before(CloseParen));

    private static readonly Parser<char, WhenClause> When = Map(
        (c, r) => new WhenClause(c, r), Kw("when").Then(ExprRef), Kw("then").Then(ExprRef));

    private static readonly Parser<char, Expr> Case = Map(
        (pos, operand, whens, otherwise) => (Expr)new CaseExpr(operand, whens, otherwise) { Position = pos },
        Offset.Before(Kw("case")),
        ExprRef.OrNull(),
        When.AtLeastOnce().ListOf(),
        Kw("else").Then(ExprRef).OrNull()).Before(Kw("end"));

    private static readonly Parser<char, Expr> Cast = Map(
        (pos, e, t) => (Expr)new CastExpr(e, t) { Position = pos },
        Offset.Before(Kw("cast")).Before(OpenParen),
        ExprRef.Before(Kw("as")),
        TypeGrammar.TypeName.Before(CloseParen));

    private static readonly Parser<char, Expr> BracketArray = Rec(() => Map(
        (pos, items) => (Expr)new ArrayExpr(items) { Position = pos },
        Offset.Before(Sym('[')),
        BracketArray!.Or(ExprRef).Separated(Comma).ListOf().Before(Sym(']'))));

    private static readonly Parser<char, Expr> Array = Map(
        (pos, e) => e switch
        {
            ArrayExpr a => a with { Position = pos },
            SelectStatement q => (Expr)new ArraySubqueryExpr(q) { Position = pos },
            _ => throw new InvalidOperationException(),
        },
        Offset.Before(Kw("array")),
        OneOf(BracketArray.Cast<object>(), OpenParen.Then(SelectRef).Before(CloseParen).Cast<object>()));

    private static readonly Parser<char, Expr> Row = Map(
        (pos, items) => (Expr)new RowExpr(items) { Position = pos },
        Offset.Before(KwParen("row")),
        OpenParen.Then(ExprRef.Separated(Comma).ListOf()).Before(CloseParen));

    private static readonly Parser<char, Expr> Exists = Map(
        (pos, q) => (Expr)new ExistsExpr(q) { Position = pos },
        Offset.Before(KwParen("exists")),
        OpenParen.Then(SelectRef).Before(CloseParen));

    private static readonly Parser<char, Expr> OtherRef = Rec(() => Other!);

    // EXTRACT(field FROM x), POSITION(a IN b), SUBSTRING(x FROM a [FOR b]) become ordinary calls, as in PostgreSQL's grammar.
    private static readonly Parser<char, Expr> Extract = Map(
        (pos, field, e) => (Expr)new FunctionCall(["extract"], [new Literal(LiteralKind.String, field) { Position = pos }, e]) { Position = pos },
        Offset.Before(KwParen("extract")).Before(OpenParen),
        Label.Or(StringValue).Before(Kw("from")),
        ExprRef.Before(CloseParen));

    private static readonly Parser<char, Expr> Position = Map(
        (pos, sub, s) => (Expr)new FunctionCall(["position"], [s, sub]) { Position = pos },
        Offset.Before(KwParen("position")).Before(OpenParen),
        OtherRef.Before(Kw("in")),
        OtherRef.Before(CloseParen));

    private static readonly Parser<char, Expr> Substring = Map(
        (pos, s, rest) => (Expr)new FunctionCall(["substring"], [s, .. rest]) { Position = pos },
        Offset.Before(KwParen("substring")).Before(OpenParen),
        ExprRef,
        OneOf(
            Comma.Then(ExprList),
            Map(
                (from, len) => len is null ? (IReadOnlyList<Expr>)[from] : [from, len],
                Kw("from").Then(ExprRef),
                Kw("for").Then(ExprRef).OrNull()),
            Kw("for").Then(ExprRef).Map(len => (IReadOnlyList<Expr>)[new Literal(LiteralKind.Integer, "1"), len]),
            Parser<char>.Return((IReadOnlyList<Expr>)[])).Before(CloseParen));

    private static readonly Parser<char, Expr> Constant = OneOf(
        Offset.Before(Kw("true")).Map(pos => (Expr)new Literal(LiteralKind.Boolean, "t") { Position = pos }),
        Offset.Before(Kw("false")).Map(pos => (Expr)new Literal(LiteralKind.Boolean, "f") { Position = pos }),
        Offset.Before(Kw("null")).Map(pos => (Expr)new Literal(LiteralKind.Null, null) { Position = pos }),
        Offset.Before(Kw("default")).Map(pos => (Expr)new DefaultExpr { Position = pos }));

    private static readonly Parser<char, Expr> SpecialValue = Map(
        (pos, name) => (Expr)new SpecialValue(name) { Position = pos },
        Offset,
        KwOneOf(
            "current_date", "current_timestamp", "current_time", "localtimestamp", "localtime", "current_user", "current_role",
            "session_user", "user", "current_catalog", "current_schema")
            .Before(OpenParen.Then(NumberLiteral).Then(CloseParen).Optional()));

    public static readonly Parser<char, Expr> Primary = OneOf(
        Parameter,
        NumberLiteral,
        BitStringLiteral,
        StringLiteral,
        ParenExpr,
        Case,
        Cast,
        Array,
        Row,
        Exists,
        Extract,
        Position,
        Substring,
        Constant,
        TypedLiteral,
        NamePath,
        SpecialValue).Labelled("expression");

    /// <summary>A column reference or function call (index keys).</summary>
    public static readonly Parser<char, Expr> ColumnOrCall = NamePath;

    // ---- postfix, unary and binary levels ----

    private static readonly Parser<char, (Expr? Lo, Maybe<Expr?> Hi)> SubscriptBody = Map(
        (lo, hi) => (lo, hi),
        ExprRef.OrNull(),
        Sym(':').Then(ExprRef.OrNull()).Optional());

    private static readonly Parser<char, Func<Expr, Expr>> PostfixOp = OneOf(
        Map(
            (pos, t) => (Func<Expr, Expr>)(e => new CastExpr(e, t) { Position = pos }),
            Offset.Before(DoubleColon),
            TypeGrammar.TypeName),
        Sym('[').Then(SubscriptBody).Before(Sym(']')).Map(s => (Func<Expr, Expr>)(e =>
            new SubscriptExpr(e, s.Lo, s.Hi.HasValue ? s.Hi.Value : null, s.Hi.HasValue) { Position = e.Position })));

    private static readonly Parser<char, Expr> Postfix = Map(Fold, Primary, PostfixOp.Many());

    private static readonly Parser<char, Expr> UnaryRef = Rec(() => Unary!);

    private static readonly Parser<char, Expr> Unary = OneOf(
        Map(MakeUnary, Offset, Op("-", "+", "~", "@", "|/", "||/", "!!"), UnaryRef),
        Postfix);

    private static Expr MakeUnary(int pos, string op, Expr operand)
    {
        // PostgreSQL folds a minus sign into a numeric constant.
        if (op == "-" && operand is Literal { Kind: LiteralKind.Integer or LiteralKind.Decimal } lit && !lit.Text!.StartsWith('-'))
        {
            return new Literal(lit.Kind, "-" + lit.Text) { Position = pos };
        }

        return new UnaryExpr(op, operand) { Position = pos };
    }

    private static readonly Parser<char, Func<Expr, Expr>> CollateOp = OneOf(
        Map(
            (pos, name) => (Func<Expr, Expr>)(e => new CollateExpr(e, string.Join('.', name)) { Position = pos }),
            Offset.Before(Kw("collate")),
            AnyName),
        Map(
            (pos, zone) => (Func<Expr, Expr>)(e => new FunctionCall(["timezone"], [zone, e]) { Position = pos }),
            Offset.Before(Kws("at", "time", "zone")),
            UnaryRef));

    private static readonly Parser<char, Expr> Collate = Map(Fold, Unary, CollateOp.Many());

    private static readonly Parser<char, Expr> Power = ChainL(Collate, Op("^"));

    private static readonly Parser<char, Expr> Multiplicative = ChainL(Power, Op("*", "/", "%"));

    private static readonly Parser<char, Expr> Additive = ChainL(Multiplicative, Op("+", "-"));

    // OPERATOR(pg_catalog.~) is the bare operator.
    private static readonly Parser<char, string> OperatorCall =
        KwParen("operator").Then(OpenParen).Then(Label.Before(Sym('.')).Many()).Then(OpExcept()).Before(CloseParen);

    private static readonly Parser<char, string> OtherOperator =
        OpExcept("+", "-", "*", "/", "%", "^", "<", ">", "=", "<=", ">=", "<>").Or(OperatorCall);

    private static readonly Parser<char, Expr> Other = ChainL(Additive, OtherOperator);

    private sealed record QuantifiedRhs(bool All, Expr? Array, SelectStatement? Query);

    private static readonly Parser<char, QuantifiedRhs> Quantified = Map(
        (kw, inner) => new QuantifiedRhs(kw == "all", inner as Expr, inner as SelectStatement),
        KwOneOf("any", "some", "all"),
        OpenParen.Then(OneOf(GatedSelect.Cast<object>(), ExprRef.Cast<object>())).Before(CloseParen));

    private static Func<Expr, Expr> Binary(int pos, string op, object rhs) => rhs is QuantifiedRhs q
        ? e => new QuantifiedExpr(op, e, q.All, q.Array, q.Query) { Position = pos }
        : e => new BinaryExpr(op, e, (Expr)rhs) { Position = pos };

    private static Parser<char, bool> NegatableKw(string word) => OneOf(Kws("not", word).ThenReturn(true), Kw(word).ThenReturn(false));

    private static readonly Parser<char, string> LikeOperator = OneOf(
        Kw("like").ThenReturn("LIKE"),
        Kw("ilike").ThenReturn("ILIKE"),
        Kws("not", "like").ThenReturn("NOT LIKE"),
        Kws("not", "ilike").ThenReturn("NOT ILIKE"),
        Kws("similar", "to").ThenReturn("SIMILAR TO"),
        Kws("not", "similar", "to").ThenReturn("NOT SIMILAR TO"));

    private static readonly Parser<char, Func<Expr, Expr>> PredicateTail = OneOf(
        Map(
            (pos, negated, lo, hi) => (Func<Expr, Expr>)(e => new BetweenExpr(e, lo, hi, negated) { Position = pos }),
            Offset,
            NegatableKw("between").Before(Kw("symmetric").Optional()),
            Other,
            Kw("and").Then(Other)),
        Map(
            (pos, negated, inner) => (Func<Expr, Expr>)(e => inner is SelectStatement q
                ? new InSubqueryExpr(e, q, negated) { Position = pos }
                : new InListExpr(e, (IReadOnlyList<Expr>)inner, negated) { Position = pos }),
            Offset,
            NegatableKw("in"),
            OpenParen.Then(OneOf(GatedSelect.Cast<object>(), ExprList.Cast<object>())).Before(CloseParen)),
        Map(
            (pos, op, rhs, escape) => Binary(
                pos, op, escape is null || rhs is not Expr pattern ? rhs : new FunctionCall(["like_escape"], [pattern, escape]) { Position = pattern.Position }),
            Offset,
            LikeOperator,
            OneOf(Quantified.Cast<object>(), Other.Cast<object>()),
            Kw("escape").Then(Other).OrNull()));

    private static readonly Parser<char, Expr> Predicate = Map(
        (e, tail) => tail.HasValue ? tail.Value(e) : e, Other, PredicateTail.Optional());

    private static readonly Parser<char, Expr> Comparison = Map(
        (e, tail) => tail.HasValue ? tail.Value(e) : e,
        Predicate,
        Map(Binary, Offset, Op("=", "<", ">", "<=", ">=", "<>"), OneOf(Quantified.Cast<object>(), Predicate.Cast<object>())).Optional());

    // IS [NOT] NULL | TRUE | FALSE | UNKNOWN | DISTINCT FROM x
    private static readonly Parser<char, Func<Expr, Expr>> IsBody = Map(
        (pos, negated, test) => test(pos, negated),
        Offset.Before(Kw("is")),
        Kw("not").Flag(),
        OneOf(
            Kw("null").ThenReturn<Func<int, bool, Func<Expr, Expr>>>((p, n) => e => new IsNullExpr(e, n) { Position = p }),
            Kw("true").ThenReturn<Func<int, bool, Func<Expr, Expr>>>((p, n) => e => new IsBoolExpr(e, true, n) { Position = p }),
            Kw("false").ThenReturn<Func<int, bool, Func<Expr, Expr>>>((p, n) => e => new IsBoolExpr(e, false, n) { Position = p }),
            Kw("unknown").ThenReturn<Func<int, bool, Func<Expr, Expr>>>((p, n) => e => new IsBoolExpr(e, null, n) { Position = p }),
            Kws("distinct", "from").Then(Comparison).Map<Func<int, bool, Func<Expr, Expr>>>(
                other => (p, n) => e => new IsDistinctFromExpr(e, other, n) { Position = p })));

    private static readonly Parser<char, Func<Expr, Expr>> IsTail = OneOf(
        Offset.Before(Kw("isnull")).Map(pos => (Func<Expr, Expr>)(e => new IsNullExpr(e, false) { Position = pos })),
        Offset.Before(Kw("notnull")).Map(pos => (Func<Expr, Expr>)(e => new IsNullExpr(e, true) { Position = pos })),
        IsBody);

    private static readonly Parser<char, Expr> IsLevel = Map(Fold, Comparison, IsTail.Many());

    private static readonly Parser<char, Expr> NotRef = Rec(() => Not!);

    private static readonly Parser<char, Expr> Not = OneOf(
        Map((pos, e) => (Expr)new UnaryExpr("NOT", e) { Position = pos }, Offset.Before(Kw("not")), NotRef),
        IsLevel);

    private static readonly Parser<char, Expr> And = ChainL(Not, Kw("and").ThenReturn("AND"));

    /// <summary>A full value expression.</summary>
    public static readonly Parser<char, Expr> Expr = ChainL(And, Kw("or").ThenReturn("OR")).Labelled("expression");

    private static Expr Fold(Expr e, IEnumerable<Func<Expr, Expr>> ops)
    {
        foreach (var op in ops)
        {
            e = op(e);
        }

        return e;
    }

    private static Parser<char, Expr> ChainL(Parser<char, Expr> operand, Parser<char, string> op) => Map(
        static (first, rest) =>
        {
            var acc = first;
            foreach (var (pos, o, right) in rest)
            {
                acc = new BinaryExpr(o, acc, right) { Position = pos };
            }

            return acc;
        },
        operand,
        Map((pos, o, right) => (pos, o, right), Offset, op, operand).Many());
}

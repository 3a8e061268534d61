using AnnSql.Sql.Ast;
using Pidgin;
using static AnnSql.Sql.Parsing.Tokens;
using static Pidgin.Parser;

namespace AnnSql.Sql.Parsing;

/// <summary>Queries: WITH, SELECT cores, VALUES, set operations (INTERSECT binds tighter than UNION/EXCEPT), FROM items and joins,
/// ORDER BY, LIMIT/OFFSET/FETCH and FOR UPDATE.</summary>
internal static class SelectGrammar
{
    private static readonly Parser<char, int> Offset = Parser<char>.CurrentOffset;

    private static readonly Parser<char, Expr> Expr = ExprGrammar.Expr;

    private static readonly Parser<char, SelectStatement> SelectRef = Rec(() => SelectStmt!);

    private static readonly Parser<char, Statement> CteBodyRef = Rec(() => OneOf(
        SelectStmt!.Cast<Statement>(), DmlGrammar.Insert, DmlGrammar.Update, DmlGrammar.Delete));

    public static readonly Parser<char, IReadOnlyList<string>> ColIdList = ColId.SeparatedAtLeastOnce(Comma).ListOf();

    public static readonly Parser<char, IReadOnlyList<string>> ParenColIdList = OpenParen.Then(ColIdList).Before(CloseParen);

    public static readonly Parser<char, QualifiedName> QualifiedName = Map(
        (pos, first, rest) => new QualifiedName([first, .. rest]) { Position = pos },
        Offset,
        ColId,
        Sym('.').Then(Label).Many());

    /// <summary><c>[AS] alias</c> after a table: AS takes any word, a bare alias only a ColId.</summary>
    public static readonly Parser<char, string?> Alias = Kw("as").Then(Label).Or(ColId).OrNull();

    /// <summary><c>[AS] label</c> after a select-list expression: a bare label may be any word but the AS_LABEL keywords.</summary>
    public static readonly Parser<char, string?> ItemAlias = Kw("as").Then(Label).Or(BareLabel).OrNull();

    // ---- select list ----

    public static readonly Parser<char, SelectItem> SelectItem = OneOf(
        Map((pos, _) => new SelectItem(new Star(null) { Position = pos }, null), Offset, Op("*")),
        Map((e, alias) => new SelectItem(e, alias), Expr, ItemAlias));

    public static readonly Parser<char, IReadOnlyList<SelectItem>> Returning =
        Kw("returning").Then(SelectItem.SeparatedAtLeastOnce(Comma)).ListOf();

    // ---- FROM ----

    private static readonly Parser<char, (string? Alias, IReadOnlyList<string>? Columns)> TableAlias = Map(
        (alias, cols) => (alias, alias is null ? null : cols),
        Kw("as").Then(ColId).Or(ColId).OrNull(),
        ParenColIdList.OrNull());

    private static readonly Parser<char, TableRef> JoinTreeRef = Rec(() => JoinTree!);

    private static readonly Parser<char, object> ParenthesizedFromItem = OpenParen.Then(OneOf(
            ExprGrammar.GatedSelect.Cast<object>(),
            Try(SelectRef).Cast<object>(),
            JoinTreeRef.Cast<object>()))
        .Before(CloseParen);

    private static readonly Parser<char, object> NamedFromItem = Map(
        (only, name, call) => call.HasValue
            ? new FunctionCall(name.Parts, call.Value) { Position = name.Position }
            : (object)name,
        Kw("only").Flag(),
        QualifiedName,
        OpenParen.Then(Expr.Separated(Comma).ListOf()).Before(CloseParen).Before(Kws("with", "ordinality").Optional()).Optional())
        .Before(Op("*").Optional());

    private static readonly Parser<char, TableRef> TablePrimary = Map(
        (pos, lateral, item, alias) => item switch
        {
            SelectStatement q => new SubqueryTableRef(q, alias.Alias, alias.Columns, lateral) { Position = pos },
            FunctionCall f => new FunctionTableRef(f, alias.Alias, alias.Columns, lateral) { Position = pos },
            QualifiedName n => new NamedTableRef(n, alias.Alias, alias.Columns) { Position = pos },
            TableRef t => t,
            _ => throw new InvalidOperationException(),
        },
        Offset,
        Kw("lateral").Flag(),
        OneOf(ParenthesizedFromItem, NamedFromItem),
        TableAlias);

    private static readonly Parser<char, JoinKind> JoinType = OneOf(
        Kw("join").ThenReturn(JoinKind.Inner),
        Kws("inner", "join").ThenReturn(JoinKind.Inner),
        Kw("left").Then(Kw("outer").Optional()).Then(Kw("join")).ThenReturn(JoinKind.Left),
        Kw("right").Then(Kw("outer").Optional()).Then(Kw("join")).ThenReturn(JoinKind.Right),
        Kw("full").Then(Kw("outer").Optional()).Then(Kw("join")).ThenReturn(JoinKind.Full));

    private sealed record JoinSpec(int Position, JoinKind Kind, TableRef Right, Expr? On, IReadOnlyList<string>? Using, bool Natural);

    private static readonly Parser<char, JoinSpec> JoinTail = OneOf(
        Map((pos, right) => new JoinSpec(pos, JoinKind.Cross, right, null, null, false), Offset.Before(Kws("cross", "join")), TablePrimary),
        Map((pos, kind, right) => new JoinSpec(pos, kind, right, null, null, true), Offset.Before(Kw("natural")), JoinType, TablePrimary),
        Map(
            (pos, kind, right, cond) => new JoinSpec(pos, kind, right, cond as Expr, cond as IReadOnlyList<string>, false),
            Offset,
            JoinType,
            TablePrimary,
            OneOf(Kw("on").Then(Expr).Cast<object>(), Kw("using").Then(ParenColIdList).Cast<object>())));

    /// <summary>A FROM item with its joins (left-deep).</summary>
    public static readonly Parser<char, TableRef> JoinTree = Map(
        (first, joins) =>
        {
            var acc = first;
            foreach (var j in joins)
            {
                acc = new JoinTableRef(acc, j.Kind, j.Right, j.On, j.Using) { Natural = j.Natural, Position = first.Position };
            }

            return acc;
        },
        TablePrimary,
        JoinTail.Many());

    public static readonly Parser<char, IReadOnlyList<TableRef>> FromList = JoinTree.SeparatedAtLeastOnce(Comma).ListOf();

    // ---- SELECT core ----

    private static readonly Parser<char, (bool Distinct, IReadOnlyList<Expr>? On)> DistinctClause = OneOf(
        Kw("distinct").Then(Kw("on").Then(OpenParen).Then(ExprGrammar.ExprList).Before(CloseParen).OrNull())
            .Map(on => (true, on)),
        Kw("all").ThenReturn<(bool, IReadOnlyList<Expr>?)>((false, null)),
        Parser<char>.Return<(bool, IReadOnlyList<Expr>?)>((false, null)));

    private static readonly Parser<char, QueryBody> SelectCore = Map(
        (distinct, items, from, where, groupBy, having) => (QueryBody)new SelectCore(
            distinct.Distinct, items, from ?? [], where, groupBy ?? [], having)
        { DistinctOn = distinct.On },
        Kw("select").Then(DistinctClause),
        SelectItem.Separated(Comma).ListOf(),
        Kw("from").Then(FromList).OrNull(),
        Kw("where").Then(Expr).OrNull(),
        Kws("group", "by").Then(ExprGrammar.ExprList).OrNull(),
        Kw("having").Then(Expr).OrNull());

    public static readonly Parser<char, QueryBody> ValuesBody = Kw("values")
        .Then(OpenParen.Then(ExprGrammar.ExprList).Before(CloseParen).SeparatedAtLeastOnce(Comma))
        .Map(rows => (QueryBody)new ValuesBody([.. rows]));

    private static readonly Parser<char, QueryBody> TableBody = Kw("table").Then(QualifiedName).Map(n => (QueryBody)new SelectCore(
        false, [new SelectItem(new Star(null) { Position = n.Position }, null)], [new NamedTableRef(n, null, null) { Position = n.Position }],
        null, [], null));

    private static readonly Parser<char, QueryBody> QueryPrimary = OneOf(
        SelectCore,
        ValuesBody,
        TableBody,
        OpenParen.Then(SelectRef).Before(CloseParen).Map(q => (QueryBody)new NestedQueryBody(q)));

    private static readonly Parser<char, bool> SetQuantifier = OneOf(
        Kw("all").ThenReturn(true), Kw("distinct").ThenReturn(false), Parser<char>.Return(false));

    private static Parser<char, QueryBody> SetOperations(Parser<char, QueryBody> operand, Parser<char, SetOperator> op) => Map(
        static (first, rest) =>
        {
            var acc = first;
            foreach (var (o, all, right) in rest)
            {
                acc = new SetOperationBody(acc, o, all, right);
            }

            return acc;
        },
        operand,
        Map((o, all, right) => (o, all, right), op, SetQuantifier, operand).Many());

    private static readonly Parser<char, QueryBody> IntersectTerm = SetOperations(QueryPrimary, Kw("intersect").ThenReturn(SetOperator.Intersect));

    private static readonly Parser<char, QueryBody> QueryExpression = SetOperations(
        IntersectTerm,
        Kw("union").ThenReturn(SetOperator.Union).Or(Kw("except").ThenReturn(SetOperator.Except)));

    // ---- ORDER BY / LIMIT / OFFSET / FETCH / FOR UPDATE ----

    private sealed record Tail(int Kind, Expr? Value);

    private static readonly Parser<char, Tail> TailClause = OneOf(
        Kw("limit").Then(Kw("all").ThenReturn((Expr?)null).Or(Expr.Map(e => (Expr?)e))).Map(e => new Tail(0, e)),
        Kw("offset").Then(Expr).Before(KwOneOf("row", "rows").Optional()).Map(e => new Tail(1, e)),
        Map(
            (pos, n) => new Tail(0, n ?? new Literal(LiteralKind.Integer, "1") { Position = pos }),
            Offset.Before(Kw("fetch")).Before(KwOneOf("first", "next")),
            OneOf(NumberLiteral, Parameter, OpenParen.Then(Expr).Before(CloseParen)).OrNull().Before(KwOneOf("row", "rows")).Before(Kw("only").Or(Kws("with", "ties")))),
        Kw("for").Then(OneOf(Kw("update"), Kws("no", "key", "update"), Kw("share"), Kws("key", "share")))
            .Then(Kw("of").Then(QualifiedName.SeparatedAtLeastOnce(Comma)).Optional())
            .Then(OneOf(Kw("nowait"), Kws("skip", "locked")).Optional())
            .ThenReturn(new Tail(2, null)));

    private static readonly Parser<char, SelectStatement> SelectNoWithCore = Map(
        (body, orderBy, tails) =>
        {
            Expr? limit = null, offset = null;
            var locking = false;
            foreach (var t in tails)
            {
                switch (t.Kind)
                {
                    case 0: limit = t.Value; break;
                    case 1: offset = t.Value; break;
                    default: locking = true; break;
                }
            }

            // "(SELECT ...)" alone is that query.
            if (body is NestedQueryBody nested && orderBy is null && limit is null && offset is null && !locking)
            {
                return nested.Query;
            }

            return new SelectStatement(body, orderBy ?? [], limit, offset) { ForLocking = locking };
        },
        QueryExpression,
        ExprGrammar.OrderByClause.OrNull(),
        TailClause.Many());

    // ---- WITH ----

    private static readonly Parser<char, CommonTableExpr> Cte = Map(
        (name, cols, query) => new CommonTableExpr(name, cols, query),
        ColId,
        ParenColIdList.OrNull(),
        Kw("as").Then(OneOf(Kws("not", "materialized"), Kw("materialized")).Optional())
            .Then(OpenParen).Then(CteBodyRef.WithSpan()).Before(CloseParen));

    public static readonly Parser<char, IReadOnlyList<CommonTableExpr>> WithClause = Map(
        (recursive, ctes) => (IReadOnlyList<CommonTableExpr>)[.. ctes.Select(c => c with { Recursive = recursive })],
        Kw("with").Then(Kw("recursive").Flag()),
        Cte.SeparatedAtLeastOnce(Comma));

    /// <summary>A query without a leading WITH.</summary>
    public static readonly Parser<char, SelectStatement> SelectNoWith = SelectNoWithCore;

    /// <summary>A full query, with an optional WITH clause.</summary>
    public static readonly Parser<char, SelectStatement> SelectStmt = OneOf(
        Map((with, s) => s with { With = with }, WithClause, SelectNoWithCore),
        SelectNoWithCore);
}

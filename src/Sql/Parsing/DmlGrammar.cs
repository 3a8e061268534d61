using AnnSql.Sql.Ast;
using Pidgin;
using static AnnSql.Sql.Parsing.Tokens;
using static Pidgin.Parser;

namespace AnnSql.Sql.Parsing;

/// <summary>INSERT, UPDATE and DELETE (without a leading WITH; <see cref="StatementGrammar"/> attaches one).</summary>
internal static class DmlGrammar
{
    private static readonly Parser<char, int> Offset = Parser<char>.CurrentOffset;

    private static readonly Parser<char, Expr> Expr = ExprGrammar.Expr;

    private static readonly Parser<char, Expr?> Where = Kw("where").Then(Expr).OrNull();

    public static readonly Parser<char, Assignment> Assignment = Map(
        (pos, column, value) => new Assignment(column, value) { Position = pos },
        Offset,
        ColId,
        Op("=").Then(Expr));

    public static readonly Parser<char, IReadOnlyList<Assignment>> Assignments = Assignment.SeparatedAtLeastOnce(Comma).ListOf();

    private static readonly Parser<char, OnConflictClause> OnConflict = Map(
        (target, action) => action(target),
        Kws("on", "conflict").Then(OneOf(
            SelectGrammar.ParenColIdList.Before(Kw("where").Then(Expr).Optional()).Map(c => (IReadOnlyList<string>?)c),
            Kws("on", "constraint").Then(ColId).ThenReturn((IReadOnlyList<string>?)null),
            Parser<char>.Return((IReadOnlyList<string>?)null))),
        Kw("do").Then(OneOf(
            Kw("nothing").ThenReturn<Func<IReadOnlyList<string>?, OnConflictClause>>(t => new OnConflictClause(t, true, [], null)),
            Map(
                (sets, where) => (Func<IReadOnlyList<string>?, OnConflictClause>)(t => new OnConflictClause(t, false, sets, where)),
                Kws("update", "set").Then(Assignments),
                Where))));

    public static readonly Parser<char, Statement> Insert = Map(
        (table, alias, columns, source, onConflict, returning) =>
            (Statement)new InsertStatement(table, alias, columns, source, onConflict, returning),
        Kws("insert", "into").Then(SelectGrammar.QualifiedName),
        Kw("as").Then(ColId).OrNull(),
        Try(SelectGrammar.ParenColIdList).OrNull()
            .Before(Kw("overriding").Then(KwOneOf("system", "user")).Then(Kw("value")).Optional()),
        Kws("default", "values").ThenReturn((SelectStatement?)null).Or(SelectGrammar.SelectStmt.Map(s => (SelectStatement?)s)),
        OnConflict.OrNull(),
        SelectGrammar.Returning.OrNull());

    public static readonly Parser<char, Statement> Update = Map(
        (table, alias, sets, from, where, returning) => (Statement)new UpdateStatement(table, alias, sets, from ?? [], where, returning),
        Kw("update").Then(Kw("only").Optional()).Then(SelectGrammar.QualifiedName).Before(Op("*").Optional()),
        Kw("as").Then(ColId).Or(UpdateAlias).OrNull(),
        Kw("set").Then(Assignments),
        Kw("from").Then(SelectGrammar.FromList).OrNull(),
        Where,
        SelectGrammar.Returning.OrNull());

    public static readonly Parser<char, Statement> Delete = Map(
        (table, alias, usingList, where, returning) => (Statement)new DeleteStatement(table, alias, usingList ?? [], where, returning),
        Kws("delete", "from").Then(Kw("only").Optional()).Then(SelectGrammar.QualifiedName).Before(Op("*").Optional()),
        SelectGrammar.Alias,
        Kw("using").Then(SelectGrammar.FromList).OrNull(),
        Where,
        SelectGrammar.Returning.OrNull());
}

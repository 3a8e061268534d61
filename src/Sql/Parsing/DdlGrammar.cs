using AnnSql.Sql.Ast;
using Pidgin;
using static AnnSql.Sql.Parsing.Tokens;
using static Pidgin.Parser;

namespace AnnSql.Sql.Parsing;

/// <summary>CREATE TABLE/INDEX/EXTENSION/DATABASE/SCHEMA, DROP, ALTER TABLE and TRUNCATE.</summary>
internal static class DdlGrammar
{
    private static readonly Parser<char, int> Offset = Parser<char>.CurrentOffset;

    private static readonly Parser<char, Expr> Expr = ExprGrammar.Expr;

    private static readonly Parser<char, QualifiedName> Name = SelectGrammar.QualifiedName;

    private static readonly Parser<char, bool> IfNotExists = Kws("if", "not", "exists").Flag();

    private static readonly Parser<char, bool> IfExists = Kws("if", "exists").Flag();

    private static readonly Parser<char, Unit> SkipParenthesized = Rec(() => OpenParen
        .Then(OneOf(SkipParenthesized!, AnyCharExcept('(', ')').SkipAtLeastOnce()).SkipMany())
        .Then(CloseParen));

    /// <summary>An option value as written: a string (unquoted), a signed number, or a word (lower-cased).</summary>
    public static readonly Parser<char, string> OptionValue = OneOf(
        StringValue,
        Map((sign, n) => sign.HasValue ? sign.Value + ((Literal)n).Text : ((Literal)n).Text!, Op("-", "+").Optional(), NumberLiteral)
            .Map(s => s.StartsWith('+') ? s[1..] : s),
        Label);

    private static readonly Parser<char, Unit> ReferentialAction = OneOf(
        Kw("cascade"), Kw("restrict"), Kws("set", "null"), Kws("set", "default"), Kws("no", "action"))
        .Before(SelectGrammar.ParenColIdList.Optional());

    private static readonly Parser<char, Unit> ReferenceOptions = OneOf(
            Kws("on", "delete").Then(ReferentialAction),
            Kws("on", "update").Then(ReferentialAction),
            Kw("match").Then(KwOneOf("full", "partial", "simple")).IgnoreResult())
        .SkipMany();

    private static readonly Parser<char, Unit> ConstraintAttributes = OneOf(
            Kw("deferrable"), Kws("not", "deferrable"), Kws("initially", "deferred"), Kws("initially", "immediate"))
        .SkipMany();

    private static readonly Parser<char, Unit> IndexParameters = OneOf(
            Kw("include").Then(SelectGrammar.ParenColIdList).IgnoreResult(),
            Kw("with").Then(SkipParenthesized),
            Kws("using", "index", "tablespace").Then(ColId).IgnoreResult())
        .SkipMany();

    private static readonly Parser<char, Unit> NullsDistinct = OneOf(Kws("nulls", "distinct"), Kws("nulls", "not", "distinct")).SkipMany();

    private static readonly Parser<char, ColumnConstraint?> ColumnConstraintBody = OneOf(
        Kws("not", "null").ThenReturn((ColumnConstraint?)new NotNullConstraint()),
        Kw("null").ThenReturn((ColumnConstraint?)new NullConstraint()),
        Kws("primary", "key").Then(IndexParameters).ThenReturn((ColumnConstraint?)new PrimaryKeyColumnConstraint()),
        Kw("unique").Then(NullsDistinct).Then(IndexParameters).ThenReturn((ColumnConstraint?)new UniqueColumnConstraint()),
        Kw("default").Then(Expr).Map(e => (ColumnConstraint?)new DefaultConstraint(e)),
        Kw("generated")
            .Then(Kw("always").ThenReturn(true).Or(Kws("by", "default").ThenReturn(false)))
            .Before(Kws("as", "identity"))
            .Before(SkipParenthesized.Optional())
            .Map(always => (ColumnConstraint?)new IdentityConstraint(always)),
        Map(
            (table, cols) => (ColumnConstraint?)new ReferencesConstraint(table, cols),
            Kw("references").Then(Name),
            SelectGrammar.ParenColIdList.OrNull()).Before(ReferenceOptions),
        Kw("check").Then(OpenParen).Then(Expr).Before(CloseParen).Before(Kws("no", "inherit").Optional())
            .Map(e => (ColumnConstraint?)new CheckConstraint(e)),
        Kw("collate").Then(ExprGrammar.AnyName).ThenReturn((ColumnConstraint?)null));

    private static readonly Parser<char, ColumnConstraint?> ColumnConstraint = Map(
        (name, c) => name is null || c is null ? c : c with { Name = name },
        Kw("constraint").Then(Label).OrNull(),
        ColumnConstraintBody.Before(ConstraintAttributes));

    public static readonly Parser<char, ColumnDefinition> ColumnDefinition = Map(
        (pos, name, type, constraints) => new ColumnDefinition(name, type, [.. constraints.OfType<ColumnConstraint>()]) { Position = pos },
        Offset,
        ColId,
        TypeGrammar.TypeName,
        ColumnConstraint.Many());

    private static readonly Parser<char, TableConstraint> TableConstraintBody = OneOf(
        Kws("primary", "key").Then(SelectGrammar.ParenColIdList).Before(IndexParameters)
            .Map(cols => (TableConstraint)new PrimaryKeyTableConstraint(cols)),
        Kw("unique").Then(NullsDistinct).Then(SelectGrammar.ParenColIdList).Before(IndexParameters)
            .Map(cols => (TableConstraint)new UniqueTableConstraint(cols)),
        Map(
            (cols, table, refCols) => (TableConstraint)new ForeignKeyTableConstraint(cols, table, refCols),
            Kws("foreign", "key").Then(SelectGrammar.ParenColIdList),
            Kw("references").Then(Name),
            SelectGrammar.ParenColIdList.OrNull()).Before(ReferenceOptions),
        Kw("check").Then(OpenParen).Then(Expr).Before(CloseParen).Before(Kws("no", "inherit").Optional())
            .Map(e => (TableConstraint)new CheckTableConstraint(e)));

    public static readonly Parser<char, TableConstraint> TableConstraint = Map(
        (name, c) => name is null ? c : c with { Name = name },
        Kw("constraint").Then(Label).OrNull(),
        TableConstraintBody.Before(ConstraintAttributes));

    private static readonly Parser<char, Statement> CreateTable = Map(
        (ifNotExists, name, elements) => (Statement)new CreateTableStatement(
            name, ifNotExists, [.. elements.OfType<ColumnDefinition>()], [.. elements.OfType<TableConstraint>()]),
        OneOf(Kw("temp"), Kw("temporary"), Kw("unlogged"), Kws("global", "temp"), Kws("global", "temporary"), Kws("local", "temp"),
                Kws("local", "temporary")).Optional()
            .Then(Kw("table")).Then(IfNotExists),
        Name,
        OpenParen.Then(OneOf(TableConstraint.Cast<object>(), ColumnDefinition.Cast<object>()).Separated(Comma).ListOf()).Before(CloseParen))
        .Before(OneOf(
            Kw("with").Then(SkipParenthesized),
            Kws("on", "commit").Then(OneOf(Kws("preserve", "rows"), Kws("delete", "rows"), Kw("drop"))),
            Kw("tablespace").Then(ColId).IgnoreResult()).SkipMany());

    private static readonly Parser<char, IndexKey> IndexKey = Map(
        (pos, e, opclass) => new IndexKey(e, opclass) { Position = pos },
        Offset,
        OneOf(OpenParen.Then(Expr).Before(CloseParen), ExprGrammar.ColumnOrCall)
            .Before(Kw("collate").Then(ExprGrammar.AnyName).Optional()),
        Not(OneOf(Kws("nulls", "first"), Kws("nulls", "last"))).Then(Map(
            (first, rest) => string.Join('.', [first, .. rest]), ColId, Sym('.').Then(Label).Many())).OrNull()
            .Before(SkipParenthesized.Optional())
            .Before(OneOf(Kw("asc"), Kw("desc")).Optional())
            .Before(ExprGrammar.NullsOrder));

    private static readonly Parser<char, KeyValuePair<string, string>> IndexOption = Map(
        (name, value) => new KeyValuePair<string, string>(name, value.HasValue ? value.Value : "true"),
        Label,
        Op("=").Then(OptionValue).Optional());

    private static readonly Parser<char, Statement> CreateIndex = Map(
        (unique, nameClause, table, method, keys, options, where) => (Statement)new CreateIndexStatement(
            nameClause.Name, nameClause.IfNotExists, unique, table, method ?? "btree", keys, options ?? [], where),
        Kw("unique").Flag().Before(Kw("index")).Before(Kw("concurrently").Optional()),
        OneOf(
            Kws("if", "not", "exists").Then(ColId).Map(n => ((string?)n, true)),
            ColId.Map(n => ((string?)n, false)),
            Parser<char>.Return(((string?)null, false))).Map(t => (Name: t.Item1, IfNotExists: t.Item2)),
        Kw("on").Then(Kw("only").Optional()).Then(Name),
        Kw("using").Then(Label).OrNull(),
        OpenParen.Then(IndexKey.SeparatedAtLeastOnce(Comma).ListOf()).Before(CloseParen)
            .Before(Kw("include").Then(SelectGrammar.ParenColIdList).Optional())
            .Before(NullsDistinct),
        Kw("with").Then(OpenParen).Then(IndexOption.SeparatedAtLeastOnce(Comma).ListOf()).Before(CloseParen).OrNull()
            .Before(Kw("tablespace").Then(ColId).Optional()),
        Kw("where").Then(Expr).OrNull());

    private static readonly Parser<char, Statement> CreateExtension = Map(
        (ifNotExists, name) => (Statement)new CreateExtensionStatement(name, ifNotExists),
        Kw("extension").Then(IfNotExists),
        Label.Before(OneOf(
            Kw("with"),
            Kw("schema").Then(Label).IgnoreResult(),
            Kw("version").Then(OptionValue).IgnoreResult(),
            Kw("cascade")).SkipMany()));

    private static readonly Parser<char, Statement> CreateDatabase = Kw("database").Then(Label)
        .Before(OneOf(
            Kw("with"),
            Label.Then(Op("=").Optional()).Then(Kw("default").ThenReturn("").Or(OptionValue)).IgnoreResult()).SkipMany())
        .Map(name => (Statement)new CreateDatabaseStatement(name));

    private static readonly Parser<char, Statement> CreateSchema = Map(
        (ifNotExists, name) => (Statement)new CreateSchemaStatement(name, ifNotExists),
        Kw("schema").Then(IfNotExists),
        ColId.Before(Kw("authorization").Then(Label).Optional()));

    public static readonly Parser<char, Statement> Create = Kw("create").Then(OneOf(
        CreateTable, CreateIndex, CreateExtension, CreateDatabase, CreateSchema));

    private static readonly Parser<char, DropObjectKind> DropKind = OneOf(
        Kw("table").ThenReturn(DropObjectKind.Table),
        Kw("index").Then(Kw("concurrently").Optional()).ThenReturn(DropObjectKind.Index),
        Kw("extension").ThenReturn(DropObjectKind.Extension),
        Kw("database").ThenReturn(DropObjectKind.Database),
        Kw("view").ThenReturn(DropObjectKind.View),
        Kw("schema").ThenReturn(DropObjectKind.Schema));

    private static readonly Parser<char, bool> CascadeOption = OneOf(
        Kw("cascade").ThenReturn(true), Kw("restrict").ThenReturn(false), Parser<char>.Return(false));

    public static readonly Parser<char, Statement> Drop = Map(
        (kind, ifExists, names, cascade) => (Statement)new DropStatement(kind, names, ifExists, cascade),
        Kw("drop").Then(DropKind),
        IfExists,
        Name.SeparatedAtLeastOnce(Comma).ListOf(),
        CascadeOption.Before(Kw("with").Then(OpenParen).Then(Kw("force")).Then(CloseParen).Optional()));

    private static readonly Parser<char, Func<string, AlterColumnAction>> AlterColumnBody = OneOf(
        Kws("set", "not", "null").ThenReturn<Func<string, AlterColumnAction>>(c => new AlterColumnAction(c) { SetNotNull = true }),
        Kws("drop", "not", "null").ThenReturn<Func<string, AlterColumnAction>>(c => new AlterColumnAction(c) { SetNotNull = false }),
        Kws("set", "default").Then(Expr).Map<Func<string, AlterColumnAction>>(e => c => new AlterColumnAction(c) { SetDefault = e }),
        Kws("drop", "default").ThenReturn<Func<string, AlterColumnAction>>(c => new AlterColumnAction(c) { DropDefault = true }),
        Kws("set", "storage").Then(Label).Map<Func<string, AlterColumnAction>>(s => c => new AlterColumnAction(c) { SetStorage = s }),
        Kws("set", "statistics").Then(Map((sign, n) => sign.HasValue ? "-" + ((Literal)n).Text : ((Literal)n).Text!, Op("-").Optional(), NumberLiteral))
            .Map<Func<string, AlterColumnAction>>(n => c => new AlterColumnAction(c)
            {
                SetStatistics = int.TryParse(n, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int v) ? v : int.MaxValue,
            }),
        Kws("add", "generated")
            .Then(Kw("always").ThenReturn(true).Or(Kws("by", "default").ThenReturn(false)))
            .Before(Kws("as", "identity"))
            .Before(SkipParenthesized.Optional())
            .Map<Func<string, AlterColumnAction>>(always => c => new AlterColumnAction(c) { AddIdentity = new IdentityConstraint(always) }),
        Kws("drop", "identity").Then(IfExists).Map<Func<string, AlterColumnAction>>(ifExists => c => new AlterColumnAction(c) { DropIdentity = true, IfExists = ifExists }),
        Map<char, TypeName, Expr?, Func<string, AlterColumnAction>>(
            (t, u) => c => new AlterColumnAction(c) { SetType = t, Using = u },
            Kws("set", "data", "type").Or(Kw("type")).Then(TypeGrammar.TypeName)
                .Before(Kw("collate").Then(ExprGrammar.AnyName).Optional()),
            Kw("using").Then(Expr).OrNull()));

    private static readonly Parser<char, AlterTableAction> AlterAction = OneOf(
        Kw("add").Then(OneOf(
            TableConstraint.Map(c => (AlterTableAction)new AddConstraintAction(c)),
            Map(
                (ifNotExists, column) => (AlterTableAction)new AddColumnAction(column, ifNotExists),
                Kw("column").Optional().Then(IfNotExists),
                ColumnDefinition))),
        Kw("drop").Then(OneOf(
            Map(
                (ifExists, name) => (AlterTableAction)new DropConstraintAction(name, ifExists),
                Kw("constraint").Then(IfExists),
                Label.Before(CascadeOption)),
            Map(
                (ifExists, column, cascade) => (AlterTableAction)new DropColumnAction(column, ifExists) { Cascade = cascade },
                Kw("column").Optional().Then(IfExists),
                ColId,
                CascadeOption))),
        Map(
            (pos, column, body) => (AlterTableAction)(body(column) with { Position = pos }),
            Offset,
            Kw("alter").Then(Kw("column").Optional()).Then(ColId),
            AlterColumnBody));

    // RENAME stands alone, as in PostgreSQL's grammar (RenameStmt): it cannot be combined with other actions.
    private static readonly Parser<char, IReadOnlyList<AlterTableAction>> RenameAction = Kw("rename").Then(OneOf(
        Kw("to").Then(ColId).Map(n => (AlterTableAction)new RenameTableAction(n)),
        Map(
            (column, newName) => (AlterTableAction)new RenameColumnAction(column, newName),
            Kw("column").Optional().Then(ColId),
            Kw("to").Then(ColId)))).Map(a => (IReadOnlyList<AlterTableAction>)[a]);

    public static readonly Parser<char, Statement> AlterTable = Map(
        (ifExists, table, actions) => (Statement)new AlterTableStatement(table, ifExists, actions),
        Kws("alter", "table").Then(IfExists),
        Kw("only").Optional().Then(Name).Before(Op("*").Optional()),
        OneOf(RenameAction, AlterAction.SeparatedAtLeastOnce(Comma).ListOf()));

    public static readonly Parser<char, Statement> Truncate = Map(
        (tables, restart) => (Statement)new TruncateStatement(tables) { RestartIdentity = restart },
        Kw("truncate").Then(Kw("table").Optional())
            .Then(Kw("only").Optional().Then(Name).Before(Op("*").Optional()).SeparatedAtLeastOnce(Comma).ListOf()),
        OneOf(Kws("restart", "identity").ThenReturn(true), Kws("continue", "identity").ThenReturn(false), Parser<char>.Return(false))
            .Before(CascadeOption));
}

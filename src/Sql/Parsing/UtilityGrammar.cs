using AnnSql.Sql.Ast;
using Pidgin;
using static AnnSql.Sql.Parsing.Tokens;
using static Pidgin.Parser;

namespace AnnSql.Sql.Parsing;

/// <summary>COPY, transaction control, SET/SHOW/RESET, DISCARD, PREPARE/EXECUTE/DEALLOCATE, EXPLAIN, VACUUM/ANALYZE, CHECKPOINT,
/// LOCK and REINDEX.</summary>
internal static class UtilityGrammar
{
    private static readonly Parser<char, Statement> StatementRef = Rec(() => StatementGrammar.Statement);

    private static readonly Parser<char, QualifiedName> Name = SelectGrammar.QualifiedName;

    private static readonly Parser<char, IReadOnlyList<QualifiedName>> NameList = Name.SeparatedAtLeastOnce(Comma).ListOf();

    private static readonly Parser<char, string> OptionValue = DdlGrammar.OptionValue;

    /// <summary><c>(name [value], ...)</c> generic options (EXPLAIN, VACUUM, COPY); a missing value reads "true".</summary>
    private static readonly Parser<char, IReadOnlyList<KeyValuePair<string, string>>> GenericOptions = OpenParen
        .Then(Map(
            (name, value) => new KeyValuePair<string, string>(name, value.HasValue ? value.Value : "true"),
            Label,
            OneOf(OptionValue, Op("*"), SelectGrammar.ParenColIdList.Map(cols => string.Join(',', cols))).Optional())
            .SeparatedAtLeastOnce(Comma).ListOf())
        .Before(CloseParen);

    // ---- COPY ----

    private static readonly Parser<char, KeyValuePair<string, string>> LegacyCopyOption = OneOf(
        Kw("binary").ThenReturn(Pair("format", "binary")),
        Kw("csv").ThenReturn(Pair("format", "csv")),
        Kw("header").ThenReturn(Pair("header", "true")),
        Kw("freeze").ThenReturn(Pair("freeze", "true")),
        Kw("oids").ThenReturn(Pair("oids", "true")),
        Map(
            (name, value) => Pair(name, value),
            KwOneOf("delimiter", "null", "quote", "escape", "encoding").Before(Kw("as").Optional()),
            StringValue),
        Kws("force", "quote").Then(Op("*").Or(SelectGrammar.ColIdList.Map(c => string.Join(',', c)))).Map(v => Pair("force_quote", v)),
        Kws("force", "not", "null").Then(SelectGrammar.ColIdList).Map(c => Pair("force_not_null", string.Join(',', c))));

    private static KeyValuePair<string, string> Pair(string key, string value) => new(key, value);

    /// <summary>
    /// <c>BASE_BACKUP [ ( option [value] [, ...] ) ]</c> or the older <c>BASE_BACKUP [LABEL 'label'] [option ...]</c>
    /// (PostgreSQL's replication command); of the options only LABEL is used, the others are accepted and ignored. Also the
    /// source of <c>COPY (BASE_BACKUP ...) TO STDOUT</c>, the form for clients whose COPY API takes only COPY statements.
    /// </summary>
    public static readonly Parser<char, Statement> BaseBackup = Kw("base_backup").Then(OneOf(
            GenericOptions,
            Map(
                (label, _) => (IReadOnlyList<KeyValuePair<string, string>>)(label.HasValue ? [Pair("label", label.Value)] : []),
                Kw("label").Then(OptionValue).Optional(),
                KwOneOf("progress", "fast", "wal", "nowait", "tablespace_map", "noverify_checksums").SkipMany()))
        .Map(options => (Statement)new BaseBackupStatement(options.LastOrDefault(o => o.Key == "label").Value)));

    private static readonly Parser<char, object> CopySource = OneOf(
        OpenParen.Then(OneOf(SelectGrammar.SelectStmt.Cast<Statement>(), DmlGrammar.Insert, DmlGrammar.Update, DmlGrammar.Delete, BaseBackup))
            .Before(CloseParen).Cast<object>(),
        Map((table, cols) => (object)new CopyTarget(table, cols), Name, SelectGrammar.ParenColIdList.OrNull()));

    private sealed record CopyTarget(QualifiedName Table, IReadOnlyList<string>? Columns);

    public static readonly Parser<char, Statement> Copy = Map(
        (source, isFrom, file, options) =>
        {
            var dict = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var kv in options)
            {
                dict[kv.Key] = kv.Value;
            }

            return source switch
            {
                CopyTarget target => (Statement)new CopyStatement(target.Table, target.Columns, null, isFrom, file, dict),
                BaseBackupStatement backup => new CopyStatement(null, null, null, isFrom, file, dict) { BaseBackup = backup },
                _ => new CopyStatement(null, null, source as SelectStatement, isFrom, file, dict),
            };
        },
        Kw("copy").Then(Kw("binary").Optional()).Then(CopySource),
        Kw("from").ThenReturn(true).Or(Kw("to").ThenReturn(false)),
        OneOf(
            KwOneOf("stdin", "stdout").ThenReturn((string?)null),
            Kw("program").Then(StringValue).Map(s => (string?)("|" + s)),
            StringValue.Map(s => (string?)s)),
        Kw("with").Optional().Then(GenericOptions.Or(LegacyCopyOption.Many().ListOf()))
            .Before(Kw("where").Then(ExprGrammar.Expr).Optional()));

    // ---- transactions ----

    private static readonly Parser<char, string> IsolationLevel = OneOf(
        Kws("read", "committed").ThenReturn("read committed"),
        Kws("read", "uncommitted").ThenReturn("read uncommitted"),
        Kws("repeatable", "read").ThenReturn("repeatable read"),
        Kw("serializable").ThenReturn("serializable"));

    private static readonly Parser<char, string> TransactionMode = OneOf(
        Kws("isolation", "level").Then(IsolationLevel).Map(l => "isolation level " + l),
        Kws("read", "write").ThenReturn("read write"),
        Kws("read", "only").ThenReturn("read only"),
        Kw("deferrable").ThenReturn("deferrable"),
        Kws("not", "deferrable").ThenReturn("not deferrable"));

    private static readonly Parser<char, IReadOnlyList<string>> TransactionModes = Map(
        (first, rest) => first.HasValue ? (IReadOnlyList<string>)[first.Value, .. rest] : [],
        TransactionMode.Optional(),
        Comma.Optional().Then(TransactionMode).Many());

    private static readonly Parser<char, Unit> WorkOrTransaction = OneOf(Kw("work"), Kw("transaction")).SkipMany();

    private static readonly Parser<char, Unit> Chain = OneOf(Kws("and", "no", "chain"), Kws("and", "chain")).SkipMany();

    public static readonly Parser<char, Statement> Transaction = OneOf(
        OneOf(Kw("begin").Then(WorkOrTransaction), Kws("start", "transaction")).Then(TransactionModes)
            .Map(m => (Statement)new TransactionStatement(TransactionAction.Begin, null) { Modes = m }),
        OneOf(Kw("commit"), Kw("end")).Then(WorkOrTransaction).Then(Chain)
            .ThenReturn((Statement)new TransactionStatement(TransactionAction.Commit, null)),
        OneOf(Kw("rollback"), Kw("abort")).Then(WorkOrTransaction).Then(OneOf(
            Kw("to").Then(Kw("savepoint").Optional()).Then(ColId)
                .Map(s => (Statement)new TransactionStatement(TransactionAction.RollbackToSavepoint, s)),
            Chain.ThenReturn((Statement)new TransactionStatement(TransactionAction.Rollback, null)))),
        Kw("savepoint").Then(ColId).Map(s => (Statement)new TransactionStatement(TransactionAction.Savepoint, s)),
        Kw("release").Then(Kw("savepoint").Optional()).Then(ColId)
            .Map(s => (Statement)new TransactionStatement(TransactionAction.Release, s)));

    // ---- SET / SHOW / RESET ----

    private static readonly Parser<char, string> SettingName = Map(
        (first, rest) => rest.Count == 0 ? first : string.Join('.', [first, .. rest]),
        Label,
        Sym('.').Then(Label).Many().ListOf());

    private static readonly Parser<char, string> SetValue = OneOf(OptionValue, Kw("default").ThenReturn("default"));

    private static readonly Parser<char, IReadOnlyList<string>?> SetValues = OneOf(
        Kw("default").ThenReturn((IReadOnlyList<string>?)null),
        OptionValue.SeparatedAtLeastOnce(Comma).Map(v => (IReadOnlyList<string>?)v.ToList()));

    private static readonly Parser<char, (string Name, IReadOnlyList<string>? Values)> SetBody = OneOf(
        Try(Map((name, values) => (name, values), SettingName, OneOf(Kw("to"), Op("=").IgnoreResult()).Then(SetValues))),
        Kws("time", "zone").Then(OneOf(
            KwOneOf("local", "default").ThenReturn((IReadOnlyList<string>?)null),
            Kw("interval").Then(StringValue).Map(v => (IReadOnlyList<string>?)[v]),
            OptionValue.Map(v => (IReadOnlyList<string>?)[v]))).Map(v => ("timezone", v)),
        Kw("names").Then(SetValue.Optional()).Map(v => ("client_encoding", v.HasValue && v.Value != "default" ? (IReadOnlyList<string>?)[v.Value] : null)),
        Kw("schema").Then(StringValue).Map(v => ("search_path", (IReadOnlyList<string>?)[v])),
        Kw("role").Then(SetValue).Map(v => ("role", (IReadOnlyList<string>?)[v])),
        Kws("session", "authorization").Then(SetValues).Map(v => ("session_authorization", v)));

    public static readonly Parser<char, Statement> Set = Kw("set").Then(OneOf(
        Try(Kws("session", "authorization")).Then(SetValues)
            .Map(v => (Statement)new SetStatement("session_authorization", v, false)),
        Kws("session", "characteristics", "as", "transaction").Then(TransactionModes)
            .Map(m => (Statement)new SetStatement("transaction", m, false)),
        Kw("transaction").Then(TransactionModes).Map(m => (Statement)new SetStatement("transaction", m, true)),
        Map(
            (local, body) => (Statement)new SetStatement(body.Name, body.Values, local),
            OneOf(Kw("local").ThenReturn(true), Kw("session").ThenReturn(false), Parser<char>.Return(false)),
            SetBody)));

    private static readonly Parser<char, string> ShowName = OneOf(
        Kws("time", "zone").ThenReturn("timezone"),
        Kws("transaction", "isolation", "level").ThenReturn("transaction_isolation"),
        Kws("session", "authorization").ThenReturn("session_authorization"),
        SettingName);

    public static readonly Parser<char, Statement> Show = Kw("show").Then(ShowName).Map(n => (Statement)new ShowStatement(n));

    public static readonly Parser<char, Statement> Reset = Kw("reset").Then(OneOf(
        Kw("all").ThenReturn((string?)null), ShowName.Map(n => (string?)n))).Map(n => (Statement)new ResetStatement(n));

    // ---- prepared statements, DISCARD ----

    public static readonly Parser<char, Statement> Discard = Kw("discard")
        .Then(KwOneOf("all", "plans", "sequences", "temporary", "temp"))
        .Map(w => (Statement)new DiscardStatement(w == "temporary" ? "temp" : w));

    public static readonly Parser<char, Statement> Close = Kw("close")
        .Then(Kw("all").ThenReturn((string?)null).Or(ColId.Map(n => (string?)n)))
        .Map(n => (Statement)new CloseStatement(n));

    public static readonly Parser<char, Statement> Unlisten = Kw("unlisten")
        .Then(Sym('*').ThenReturn((string?)null).Or(ColId.Map(n => (string?)n)))
        .Map(n => (Statement)new UnlistenStatement(n));

    public static readonly Parser<char, Statement> Deallocate = Kw("deallocate").Then(Kw("prepare").Optional())
        .Then(Kw("all").ThenReturn((string?)null).Or(ColId.Map(n => (string?)n)))
        .Map(n => (Statement)new DeallocateStatement(n));

    public static readonly Parser<char, Statement> Prepare = Map(
        (name, types, inner) => (Statement)new PrepareStatement(name, types ?? [], inner),
        Kw("prepare").Then(ColId),
        OpenParen.Then(TypeGrammar.TypeName.SeparatedAtLeastOnce(Comma).ListOf()).Before(CloseParen).OrNull(),
        Kw("as").Then(StatementRef));

    public static readonly Parser<char, Statement> Execute = Map(
        (name, args) => (Statement)new ExecuteStatement(name, args ?? []),
        Kw("execute").Then(ColId),
        OpenParen.Then(ExprGrammar.ExprList).Before(CloseParen).OrNull());

    // ---- EXPLAIN, VACUUM, ANALYZE, CHECKPOINT, LOCK, REINDEX ----

    private static bool IsTrue(string value) => value is not ("false" or "off" or "0" or "no");

    public static readonly Parser<char, Statement> Explain = Map(
        (options, inner) => (Statement)new ExplainStatement(
            options.Any(o => o.Key is "analyze" or "analyse" && IsTrue(o.Value)),
            options.Any(o => o.Key == "verbose" && IsTrue(o.Value)),
            inner)
        { Options = options },
        Kw("explain").Then(OneOf(
            GenericOptions,
            Map(
                (analyze, verbose) => (IReadOnlyList<KeyValuePair<string, string>>)[
                    .. analyze ? [Pair("analyze", "true")] : System.Array.Empty<KeyValuePair<string, string>>(),
                    .. verbose ? [Pair("verbose", "true")] : System.Array.Empty<KeyValuePair<string, string>>()],
                OneOf(Kw("analyze"), Kw("analyse")).Flag(),
                Kw("verbose").Flag()))),
        StatementRef);

    private static readonly Parser<char, IReadOnlyList<QualifiedName>> VacuumTables =
        Name.Before(SelectGrammar.ParenColIdList.Optional()).Separated(Comma).ListOf();

    public static readonly Parser<char, Statement> Vacuum = Map(
        (flags, tables) => (Statement)new VacuumStatement(tables, flags.Any(f => f)),
        Kw("vacuum").Then(OneOf(
            KwOneOf("analyze", "analyse").ThenReturn(true),
            KwOneOf("full", "freeze", "verbose").ThenReturn(false),
            GenericOptions.Map(o => o.Any(kv => kv.Key is "analyze" or "analyse" && IsTrue(kv.Value)))).Many()),
        VacuumTables);

    public static readonly Parser<char, Statement> Analyze = KwOneOf("analyze", "analyse")
        .Then(OneOf(Kw("verbose"), GenericOptions.IgnoreResult()).SkipMany())
        .Then(VacuumTables)
        .Map(tables => (Statement)new VacuumStatement(tables, true) { AnalyzeOnly = true });

    public static readonly Parser<char, Statement> Checkpoint = Kw("checkpoint").ThenReturn((Statement)new CheckpointStatement());
    public static readonly Parser<char, Statement> Lock = Kw("lock").Then(Kw("table").Optional())
        .Then(Kw("only").Optional().Then(Name).Before(Op("*").Optional()).SeparatedAtLeastOnce(Comma).ListOf())
        .Before(Kw("in").Then(KwOneOf("access", "row", "share", "update", "exclusive").SkipAtLeastOnce()).Then(Kw("mode")).Optional())
        .Before(Kw("nowait").Optional())
        .Map(tables => (Statement)new LockTableStatement(tables));

    public static readonly Parser<char, Statement> Reindex = Map(
        (isTable, name) => (Statement)new ReindexStatement(isTable, name),
        Kw("reindex").Then(GenericOptions.Optional()).Then(Kw("index").ThenReturn(false).Or(Kw("table").ThenReturn(true)))
            .Before(Kw("concurrently").Optional()),
        Name);
}

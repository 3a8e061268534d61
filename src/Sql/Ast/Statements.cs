namespace AnnSql.Sql.Ast;

// Statements produced by the parser; small related records share this file.

/// <summary>Base of every statement. <see cref="Position"/>/<see cref="Length"/> locate its text in the query string.</summary>
public abstract record Statement
{
    public int Position { get; init; }

    public int Length { get; init; }
}

/// <summary>A possibly qualified object name (<c>t</c>, <c>public.t</c>, <c>pg_catalog.pg_type</c>).</summary>
public sealed record QualifiedName(IReadOnlyList<string> Parts)
{
    public string Name => Parts[^1];

    public string? Schema => Parts.Count > 1 ? Parts[^2] : null;

    public int Position { get; init; } = -1;

    public override string ToString() => string.Join('.', Parts);
}

// ---- SELECT ----

/// <summary>A full query: optional WITH, a body (select core, VALUES or set operation), ORDER BY, LIMIT and OFFSET.</summary>
public sealed record SelectStatement(
    QueryBody Body,
    IReadOnlyList<OrderItem> OrderBy,
    Expr? Limit,
    Expr? Offset) : Statement
{
    public IReadOnlyList<CommonTableExpr> With { get; init; } = [];

    /// <summary>FOR UPDATE / FOR SHARE were written (accepted; READ COMMITTED row locks are implicit).</summary>
    public bool ForLocking { get; init; }
}

/// <summary><c>name [(columns)] AS (query)</c> in a WITH clause.</summary>
public sealed record CommonTableExpr(string Name, IReadOnlyList<string>? ColumnNames, Statement Query)
{
    /// <summary>The WITH clause said RECURSIVE (set on every CTE of that clause).</summary>
    public bool Recursive { get; init; }
}

/// <summary>The body of a query.</summary>
public abstract record QueryBody;

/// <summary><c>SELECT [DISTINCT] items [FROM ...] [WHERE ...] [GROUP BY ...] [HAVING ...]</c>.</summary>
public sealed record SelectCore(
    bool Distinct,
    IReadOnlyList<SelectItem> Items,
    IReadOnlyList<TableRef> From,
    Expr? Where,
    IReadOnlyList<Expr> GroupBy,
    Expr? Having) : QueryBody
{
    /// <summary>DISTINCT ON (exprs), when written.</summary>
    public IReadOnlyList<Expr>? DistinctOn { get; init; }
}

/// <summary><c>VALUES (..), (..)</c>.</summary>
public sealed record ValuesBody(IReadOnlyList<IReadOnlyList<Expr>> Rows) : QueryBody;

/// <summary>UNION / INTERSECT / EXCEPT [ALL].</summary>
public sealed record SetOperationBody(QueryBody Left, SetOperator Operator, bool All, QueryBody Right) : QueryBody;

/// <summary>A parenthesized query used as a set-operation operand: <c>(SELECT ... ORDER BY ... LIMIT ...)</c>.</summary>
public sealed record NestedQueryBody(SelectStatement Query) : QueryBody;

public enum SetOperator
{
    Union,
    Intersect,
    Except,
}

/// <summary>One select-list entry; <see cref="Alias"/> is null when none was written.</summary>
public sealed record SelectItem(Expr Expression, string? Alias);

/// <summary>An ORDER BY key.</summary>
public sealed record OrderItem(Expr Expression, bool Descending, bool? NullsFirst);

/// <summary>A FROM-clause item.</summary>
public abstract record TableRef
{
    public int Position { get; init; } = -1;
}

/// <summary>A table, view or CTE by name, with an optional alias and column aliases.</summary>
public sealed record NamedTableRef(QualifiedName Name, string? Alias, IReadOnlyList<string>? ColumnAliases) : TableRef;

/// <summary><c>[LATERAL] (SELECT ...) AS alias [(columns)]</c>.</summary>
public sealed record SubqueryTableRef(SelectStatement Query, string? Alias, IReadOnlyList<string>? ColumnAliases, bool Lateral) : TableRef;

/// <summary>A set-returning function in FROM: <c>unnest(x) AS l(value)</c>, <c>generate_series(1, 3) g</c>.</summary>
public sealed record FunctionTableRef(FunctionCall Call, string? Alias, IReadOnlyList<string>? ColumnAliases, bool Lateral) : TableRef;

/// <summary><c>left JOIN right ON cond</c>, <c>USING (cols)</c>, NATURAL, or a comma/CROSS join (no condition).</summary>
public sealed record JoinTableRef(TableRef Left, JoinKind Kind, TableRef Right, Expr? On, IReadOnlyList<string>? Using) : TableRef
{
    public bool Natural { get; init; }
}

public enum JoinKind
{
    Inner,
    Left,
    Right,
    Full,
    Cross,
}

// ---- DML ----

/// <summary>
/// <c>INSERT INTO t [(cols)] VALUES ... | SELECT ... | DEFAULT VALUES [ON CONFLICT ...] [RETURNING ...]</c>.
/// <see cref="Source"/> is null for DEFAULT VALUES.
/// </summary>
public sealed record InsertStatement(
    QualifiedName Table,
    string? Alias,
    IReadOnlyList<string>? Columns,
    SelectStatement? Source,
    OnConflictClause? OnConflict,
    IReadOnlyList<SelectItem>? Returning) : Statement
{
    public IReadOnlyList<CommonTableExpr> With { get; init; } = [];
}

/// <summary><c>ON CONFLICT [(cols)] DO NOTHING | DO UPDATE SET ... [WHERE ...]</c>.</summary>
public sealed record OnConflictClause(IReadOnlyList<string>? TargetColumns, bool DoNothing, IReadOnlyList<Assignment> Assignments, Expr? Where);

/// <summary><c>column = value</c> in UPDATE ... SET or ON CONFLICT DO UPDATE SET.</summary>
public sealed record Assignment(string Column, Expr Value)
{
    public int Position { get; init; } = -1;
}

/// <summary><c>UPDATE t [AS alias] SET ... [FROM ...] [WHERE ...] [RETURNING ...]</c>.</summary>
public sealed record UpdateStatement(
    QualifiedName Table,
    string? Alias,
    IReadOnlyList<Assignment> Assignments,
    IReadOnlyList<TableRef> From,
    Expr? Where,
    IReadOnlyList<SelectItem>? Returning) : Statement
{
    public IReadOnlyList<CommonTableExpr> With { get; init; } = [];
}

/// <summary><c>DELETE FROM t [AS alias] [USING ...] [WHERE ...] [RETURNING ...]</c>.</summary>
public sealed record DeleteStatement(
    QualifiedName Table,
    string? Alias,
    IReadOnlyList<TableRef> Using,
    Expr? Where,
    IReadOnlyList<SelectItem>? Returning) : Statement
{
    public IReadOnlyList<CommonTableExpr> With { get; init; } = [];
}

/// <summary>
/// <c>COPY t [(cols)] FROM STDIN | TO STDOUT [WITH] (options)</c> or <c>COPY (query) TO STDOUT</c>. Options are lower-cased
/// names with their values as written (<c>format</c> → <c>binary</c>/<c>csv</c>/<c>text</c>, <c>header</c> → <c>true</c>, ...);
/// the legacy forms <c>BINARY</c>, <c>CSV</c>, <c>HEADER</c>, <c>DELIMITER 'x'</c>, <c>NULL 'x'</c> map onto the same names.
/// <see cref="FileName"/> is set when a server-side file was named (refused by the engine).
/// </summary>
public sealed record CopyStatement(
    QualifiedName? Table,
    IReadOnlyList<string>? Columns,
    SelectStatement? Query,
    bool IsFrom,
    string? FileName,
    IReadOnlyDictionary<string, string> Options) : Statement
{
    /// <summary>The source of <c>COPY (BASE_BACKUP ...) TO STDOUT</c>; null for other COPY statements.</summary>
    public BaseBackupStatement? BaseBackup { get; init; }
}

// ---- DDL ----

/// <summary>A column in CREATE TABLE or ALTER TABLE ADD COLUMN.</summary>
public sealed record ColumnDefinition(string Name, TypeName Type, IReadOnlyList<ColumnConstraint> Constraints)
{
    public int Position { get; init; } = -1;
}

/// <summary>A column constraint.</summary>
public abstract record ColumnConstraint
{
    /// <summary>The name given with <c>CONSTRAINT name</c>, if any.</summary>
    public string? Name { get; init; }
}

public sealed record NotNullConstraint : ColumnConstraint;

public sealed record NullConstraint : ColumnConstraint;

public sealed record PrimaryKeyColumnConstraint : ColumnConstraint;

public sealed record UniqueColumnConstraint : ColumnConstraint;

public sealed record DefaultConstraint(Expr Value) : ColumnConstraint;

/// <summary><c>GENERATED ALWAYS|BY DEFAULT AS IDENTITY</c>.</summary>
public sealed record IdentityConstraint(bool Always) : ColumnConstraint;

/// <summary><c>REFERENCES t [(col)]</c> (recorded, not enforced) or <c>CHECK (expr)</c>.</summary>
public sealed record ReferencesConstraint(QualifiedName Table, IReadOnlyList<string>? Columns) : ColumnConstraint;

public sealed record CheckConstraint(Expr Condition) : ColumnConstraint;

/// <summary>A table-level constraint.</summary>
public abstract record TableConstraint
{
    public string? Name { get; init; }
}

public sealed record PrimaryKeyTableConstraint(IReadOnlyList<string> Columns) : TableConstraint;

public sealed record UniqueTableConstraint(IReadOnlyList<string> Columns) : TableConstraint;

public sealed record ForeignKeyTableConstraint(IReadOnlyList<string> Columns, QualifiedName Table, IReadOnlyList<string>? ReferencedColumns) : TableConstraint;

public sealed record CheckTableConstraint(Expr Condition) : TableConstraint;

/// <summary><c>CREATE [TEMP|UNLOGGED] TABLE [IF NOT EXISTS] name (columns, constraints)</c>.</summary>
public sealed record CreateTableStatement(
    QualifiedName Name,
    bool IfNotExists,
    IReadOnlyList<ColumnDefinition> Columns,
    IReadOnlyList<TableConstraint> Constraints) : Statement;

/// <summary><c>DROP TABLE|INDEX|EXTENSION|DATABASE|VIEW [IF EXISTS] names [CASCADE|RESTRICT]</c>.</summary>
public sealed record DropStatement(DropObjectKind Kind, IReadOnlyList<QualifiedName> Names, bool IfExists, bool Cascade) : Statement;

public enum DropObjectKind
{
    Table,
    Index,
    Extension,
    Database,
    View,
    Schema,
}

/// <summary>One key of CREATE INDEX: a column (or expression) with an optional operator class.</summary>
public sealed record IndexKey(Expr Expression, string? OperatorClass)
{
    public int Position { get; init; } = -1;
}

/// <summary>
/// <c>CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON t [USING method] (keys) [WITH (options)] [WHERE ...]</c>.
/// Option values are kept as written (numbers and strings as text).
/// </summary>
public sealed record CreateIndexStatement(
    string? Name,
    bool IfNotExists,
    bool Unique,
    QualifiedName Table,
    string Method,
    IReadOnlyList<IndexKey> Keys,
    IReadOnlyList<KeyValuePair<string, string>> Options,
    Expr? Where) : Statement;

/// <summary><c>CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s] [VERSION v] [CASCADE]</c>.</summary>
public sealed record CreateExtensionStatement(string Name, bool IfNotExists) : Statement;

/// <summary><c>CREATE DATABASE name [options]</c>.</summary>
public sealed record CreateDatabaseStatement(string Name) : Statement;

/// <summary><c>CREATE SCHEMA [IF NOT EXISTS] name</c>.</summary>
public sealed record CreateSchemaStatement(string Name, bool IfNotExists) : Statement;

/// <summary><c>ALTER TABLE [IF EXISTS] t action, ...</c>.</summary>
public sealed record AlterTableStatement(QualifiedName Table, bool IfExists, IReadOnlyList<AlterTableAction> Actions) : Statement;

public abstract record AlterTableAction;

public sealed record AddColumnAction(ColumnDefinition Column, bool IfNotExists) : AlterTableAction;

/// <summary><c>DROP [COLUMN] [IF EXISTS] c [CASCADE|RESTRICT]</c>.</summary>
public sealed record DropColumnAction(string Column, bool IfExists) : AlterTableAction
{
    public bool Cascade { get; init; }
}

public sealed record AddConstraintAction(TableConstraint Constraint) : AlterTableAction;

/// <summary><c>DROP CONSTRAINT [IF EXISTS] name [CASCADE|RESTRICT]</c>.</summary>
public sealed record DropConstraintAction(string Name, bool IfExists) : AlterTableAction;

public sealed record RenameTableAction(string NewName) : AlterTableAction;

public sealed record RenameColumnAction(string Column, string NewName) : AlterTableAction;

/// <summary>
/// <c>ALTER COLUMN c SET|DROP NOT NULL | SET DEFAULT e | DROP DEFAULT | [SET DATA] TYPE t [USING e] | SET STORAGE s</c>;
/// unset members mean "not this form".
/// </summary>
public sealed record AlterColumnAction(string Column) : AlterTableAction
{
    public bool? SetNotNull { get; init; }

    public Expr? SetDefault { get; init; }

    public bool DropDefault { get; init; }

    public TypeName? SetType { get; init; }

    /// <summary>The USING expression of a TYPE change: the new value computed from the old row.</summary>
    public Expr? Using { get; init; }

    /// <summary>The storage mode of SET STORAGE (lower-cased as written: plain, external, extended, main).</summary>
    public string? SetStorage { get; init; }

    /// <summary>The target of SET STATISTICS (-1 for the default).</summary>
    public int? SetStatistics { get; init; }

    /// <summary>ADD GENERATED ALWAYS|BY DEFAULT AS IDENTITY; null otherwise.</summary>
    public IdentityConstraint? AddIdentity { get; init; }

    /// <summary>DROP IDENTITY; with <see cref="IfExists"/> a column without identity is a NOTICE, not an error.</summary>
    public bool DropIdentity { get; init; }

    public bool IfExists { get; init; }

    /// <summary>Where the action starts in the statement text (1-based positions are this + 1), or -1.</summary>
    public int Position { get; init; } = -1;
}

/// <summary><c>TRUNCATE [TABLE] names [RESTART IDENTITY] [CASCADE]</c>.</summary>
public sealed record TruncateStatement(IReadOnlyList<QualifiedName> Tables) : Statement
{
    /// <summary>RESTART IDENTITY was written: identity/serial sequences restart.</summary>
    public bool RestartIdentity { get; init; }
}

// ---- Session and utility ----

public enum TransactionAction
{
    Begin,
    Commit,
    Rollback,
    Savepoint,
    Release,
    RollbackToSavepoint,
}

/// <summary>BEGIN / START TRANSACTION [modes], COMMIT / END, ROLLBACK / ABORT, SAVEPOINT s, RELEASE [SAVEPOINT] s, ROLLBACK TO [SAVEPOINT] s.</summary>
public sealed record TransactionStatement(TransactionAction Action, string? SavepointName) : Statement
{
    /// <summary>BEGIN / START TRANSACTION modes, normalized: "isolation level read committed", "read only", "read write",
    /// "deferrable", "not deferrable".</summary>
    public IReadOnlyList<string> Modes { get; init; } = [];
}

/// <summary><c>SET [SESSION|LOCAL] name = | TO value[, ...] | DEFAULT</c>, also <c>SET TIME ZONE x</c> and
/// <c>SET [SESSION CHARACTERISTICS AS] TRANSACTION ...</c> (Name "transaction"). Values are kept as text; null means DEFAULT.</summary>
public sealed record SetStatement(string Name, IReadOnlyList<string>? Values, bool IsLocal) : Statement;

/// <summary><c>RESET name | ALL</c> (Name null for ALL).</summary>
public sealed record ResetStatement(string? Name) : Statement;

/// <summary><c>SHOW name | ALL</c> (Name "all" for ALL).</summary>
public sealed record ShowStatement(string Name) : Statement;

/// <summary><c>DISCARD ALL | PLANS | SEQUENCES | TEMP</c>.</summary>
public sealed record DiscardStatement(string What) : Statement;

/// <summary><c>CLOSE name | ALL</c> (Name null for ALL). AnnSql has no SQL cursors, so ALL is a no-op and a name is unknown.</summary>
public sealed record CloseStatement(string? Name) : Statement;

/// <summary><c>UNLISTEN channel | *</c> (Channel null for *). AnnSql has no notification channels; it is a no-op.</summary>
public sealed record UnlistenStatement(string? Channel) : Statement;

/// <summary><c>DEALLOCATE [PREPARE] name | ALL</c> (Name null for ALL).</summary>
public sealed record DeallocateStatement(string? Name) : Statement;

/// <summary><c>EXPLAIN [ANALYZE] [VERBOSE] statement</c> or <c>EXPLAIN (ANALYZE, ...) statement</c>.</summary>
public sealed record ExplainStatement(bool Analyze, bool Verbose, Statement Inner) : Statement
{
    /// <summary>The options as written in <c>EXPLAIN (option [value], ...)</c> (names lower-cased, value "true" when omitted).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Options { get; init; } = [];
}

/// <summary><c>VACUUM [FULL] [ANALYZE] [tables]</c> / <c>ANALYZE [tables]</c>.</summary>
public sealed record VacuumStatement(IReadOnlyList<QualifiedName> Tables, bool Analyze) : Statement
{
    /// <summary>The statement was ANALYZE rather than VACUUM (its command tag is ANALYZE).</summary>
    public bool AnalyzeOnly { get; init; }
}

/// <summary><c>CHECKPOINT</c>.</summary>
public sealed record CheckpointStatement : Statement;

/// <summary><c>BASE_BACKUP [(LABEL 'label', ...)]</c>: streams a base backup of the data directory as COPY OUT data.</summary>
public sealed record BaseBackupStatement(string? Label) : Statement;

/// <summary><c>LOCK [TABLE] names [IN mode MODE] [NOWAIT]</c> (accepted; AnnSql's writers serialize per table).</summary>
public sealed record LockTableStatement(IReadOnlyList<QualifiedName> Tables) : Statement;

/// <summary><c>REINDEX INDEX|TABLE name</c>.</summary>
public sealed record ReindexStatement(bool IsTable, QualifiedName Name) : Statement;

/// <summary><c>PREPARE name [(types)] AS statement</c>.</summary>
public sealed record PrepareStatement(string Name, IReadOnlyList<TypeName> ParameterTypes, Statement Inner) : Statement;

/// <summary><c>EXECUTE name [(args)]</c>.</summary>
public sealed record ExecuteStatement(string Name, IReadOnlyList<Expr> Arguments) : Statement;

/// <summary>An empty statement (only whitespace, comments or semicolons).</summary>
public sealed record EmptyStatement : Statement;

using AnnSql.Sql.Ast;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Execution.Plan;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Session;

/// <summary>
/// A parsed and bound statement: its parameter types (after inference) and result columns (null when it returns no rows),
/// plus the plan for queries. Re-bound when the catalog changed since it was prepared.
/// </summary>
public sealed class PreparedStatement(Statement statement, string sql)
{
    public Statement Statement { get; } = statement;

    public string Sql { get; } = sql;

    public SqlType[] ParameterTypes { get; internal set; } = [];

    public IReadOnlyList<OutputColumn>? Columns { get; internal set; }

    /// <summary>
    /// True once a client has been sent <see cref="Columns"/> ahead of execution (the extended protocol's Parse/Describe):
    /// a re-bind that changes them then fails with 0A000, as PostgreSQL's "cached plan must not change result type".
    /// </summary>
    public bool ResultDescribed { get; set; }

    internal PlanNode? Plan { get; set; }

    internal CatalogState? BoundCatalog { get; set; }
}

/// <summary>
/// The outcome of executing one statement: rows (lazily produced for queries) with their columns, a COPY sub-protocol to
/// run, or just a command tag. <see cref="Tag"/> is final once the rows were consumed.
/// </summary>
public sealed class StatementResult
{
    public IReadOnlyList<OutputColumn>? Columns { get; init; }

    public IEnumerable<object?[]>? Rows { get; init; }

    /// <summary>Builds the CommandComplete tag from the number of rows sent (e.g. <c>SELECT 5</c>, <c>INSERT 0 3</c>).</summary>
    public required Func<long, string> Tag { get; init; }

    public CopyInOperation? CopyIn { get; init; }

    public CopyOutOperation? CopyOut { get; init; }

    /// <summary>
    /// BASE_BACKUP: a pinned backup to stream as binary COPY OUT data (<see cref="Storage.BaseBackup.WriteAsync"/>); whoever
    /// runs the result disposes it.
    /// </summary>
    public Storage.BaseBackup? BaseBackup { get; init; }

    /// <summary>NOTICE messages to send before the result.</summary>
    public IReadOnlyList<string> Notices { get; init; } = [];

    public static StatementResult Command(string tag) => new() { Tag = _ => tag };
}

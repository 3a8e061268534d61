using AnnSql.Sql.Session;

namespace AnnSql.Sql.Execution;

/// <summary>
/// What one statement execution sees: its bound parameter values, the snapshot (commit sequence number) that decides row
/// visibility, the session (settings, transaction) and the cancellation token a CancelRequest trips.
/// </summary>
public sealed class QueryContext(SqlSession session, object?[] parameters, long snapshot, CancellationToken cancellation)
{
    public SqlSession Session { get; } = session;

    public object?[] Parameters { get; } = parameters;

    /// <summary>Highest commit sequence number visible to this statement (READ COMMITTED: taken at statement start).</summary>
    public long Snapshot { get; } = snapshot;

    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>Counters EXPLAIN ANALYZE reports (distance computations of exact scans, rows scanned).</summary>
    public long DistanceComputations { get; set; }
}

/// <summary>
/// The evaluation frame of expressions: the current row of this query level and the frame of the enclosing query (for
/// correlated subqueries). Operators reuse one frame per level and set <see cref="Row"/> per row.
/// </summary>
public sealed class EvalContext(QueryContext execution, EvalContext? outer)
{
    public object?[] Row { get; set; } = [];

    public EvalContext? Outer { get; } = outer;

    public QueryContext Execution { get; } = execution;
}

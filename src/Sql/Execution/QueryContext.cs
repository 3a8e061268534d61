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

    /// <summary>Top-k searches launched on the GPU backend (one per LATERAL batch of queries), for EXPLAIN ANALYZE.</summary>
    public long DeviceSearches { get; set; }

    private Dictionary<Plan.VectorTopKNode, Dictionary<object?[], Plan.DeviceCandidates>>? _prefetched;

    /// <summary>The device candidates a LATERAL batch computed for <paramref name="node"/>, by outer row (reference).</summary>
    internal Dictionary<object?[], Plan.DeviceCandidates> PrefetchedCandidates(Plan.VectorTopKNode node)
    {
        _prefetched ??= [];
        if (!_prefetched.TryGetValue(node, out var byRow))
        {
            byRow = new Dictionary<object?[], Plan.DeviceCandidates>(ReferenceEqualityComparer.Instance);
            _prefetched[node] = byRow;
        }

        return byRow;
    }

    /// <summary>Removes and returns the candidates prefetched for <paramref name="node"/> and outer row <paramref name="row"/>.</summary>
    internal Plan.DeviceCandidates? TakePrefetched(Plan.VectorTopKNode node, object?[] row) =>
        _prefetched is not null && _prefetched.TryGetValue(node, out var byRow) && byRow.Remove(row, out var c) ? c : null;
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

using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Execution.Plan;

namespace AnnSql.Sql.Binding;

/// <summary>
/// While binding a grouped query: the input scope (rows before grouping), the bound GROUP BY keys and the aggregate calls
/// collected so far. Expressions above the aggregation refer to the aggregate node's output: keys first, then aggregates.
/// </summary>
public sealed class AggregationContext(Scope input, BoundExpr[] groupKeys)
{
    public Scope Input { get; } = input;

    public BoundExpr[] GroupKeys { get; } = groupKeys;

    public List<AggregateCall> Aggregates { get; } = [];

    public List<string> AggregateFingerprints { get; } = [];
}

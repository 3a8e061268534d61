using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Storage.Tables;

namespace AnnSql.Sql.Execution.Plan;

/// <summary>The running state of one aggregate over one group.</summary>
public interface IAggregateState
{
    void Add(object?[] arguments);

    object? Result();
}

/// <summary>
/// One aggregate call: its arguments over the input row, DISTINCT, FILTER, and a factory for per-group states.
/// Strict aggregates skip input rows whose (single) argument is NULL, as PostgreSQL's strict transition functions do.
/// </summary>
public sealed record AggregateCall(string Name, BoundExpr[] Arguments, bool Distinct, BoundExpr? Filter, Func<IAggregateState> Factory, bool SkipNulls);

/// <summary>
/// Hash aggregation: groups input rows by the group-key expressions and computes the aggregates; each output row is the
/// group keys followed by the aggregate results. Without GROUP BY there is exactly one group, even for empty input.
/// </summary>
public sealed class AggregateNode(PlanNode input, BoundExpr[] groupKeys, AggregateCall[] aggregates, IReadOnlyList<OutputColumn> columns) : PlanNode
{
    public override IReadOnlyList<OutputColumn> Columns => columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    private sealed class Group(object?[] keys, IAggregateState[] states, HashSet<RowKey>?[] seen)
    {
        public object?[] Keys { get; } = keys;

        public IAggregateState[] States { get; } = states;

        public HashSet<RowKey>?[] Seen { get; } = seen;
    }

    private Group NewGroup(object?[] keys) => new(keys, aggregates.Select(a => a.Factory()).ToArray(),
        aggregates.Select(a => a.Distinct ? new HashSet<RowKey>() : null).ToArray());

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        var eval = new EvalContext(ctx, outer);
        var groups = new Dictionary<RowKey, Group>();
        var order = new List<Group>();
        var argBuffers = aggregates.Select(a => new object?[a.Arguments.Length]).ToArray();
        foreach (var row in input.Execute(ctx, outer))
        {
            eval.Row = row;
            var keys = new object?[groupKeys.Length];
            for (int i = 0; i < keys.Length; i++)
            {
                keys[i] = groupKeys[i].Eval(eval);
            }

            var rk = new RowKey(keys);
            if (!groups.TryGetValue(rk, out var group))
            {
                group = NewGroup(keys);
                groups[rk] = group;
                order.Add(group);
            }

            for (int a = 0; a < aggregates.Length; a++)
            {
                var agg = aggregates[a];
                if (agg.Filter is not null && agg.Filter.Eval(eval) is not true)
                {
                    continue;
                }

                var args = argBuffers[a];
                bool hasNull = false;
                for (int i = 0; i < args.Length; i++)
                {
                    args[i] = agg.Arguments[i].Eval(eval);
                    hasNull |= args[i] is null;
                }

                if (agg.SkipNulls && hasNull)
                {
                    continue;
                }

                if (agg.Distinct && !group.Seen[a]!.Add(new RowKey((object?[])args.Clone())))
                {
                    continue;
                }

                group.States[a].Add(args);
            }
        }

        if (order.Count == 0 && groupKeys.Length == 0)
        {
            order.Add(NewGroup([]));
        }

        foreach (var g in order)
        {
            var result = new object?[groupKeys.Length + aggregates.Length];
            Array.Copy(g.Keys, result, g.Keys.Length);
            for (int a = 0; a < aggregates.Length; a++)
            {
                result[groupKeys.Length + a] = g.States[a].Result();
            }

            yield return result;
        }
    }

    public override IEnumerable<PlanNode> Children => [input];

    public override string ExplainLabel => groupKeys.Length == 0 ? "Aggregate" : "HashAggregate";

    public override IEnumerable<string> ExplainDetails => groupKeys.Length == 0 ? [] : [$"Group Key: {string.Join(", ", groupKeys.Select(k => k.Fingerprint))}"];
}

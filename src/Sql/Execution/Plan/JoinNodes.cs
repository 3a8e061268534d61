using AnnSql.Sql.Ast;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Storage.Tables;

namespace AnnSql.Sql.Execution.Plan;

/// <summary>
/// Nested-loop join (inner, left, right, full, cross). The inner side is re-executed per outer row when it is correlated
/// (LATERAL); otherwise it is materialized once. Output rows are the left columns followed by the right columns.
/// </summary>
public sealed class NestedLoopJoinNode(PlanNode left, PlanNode right, JoinKind kind, BoundExpr? condition, bool lateral) : PlanNode
{
    private readonly IReadOnlyList<OutputColumn> _columns = [.. left.Columns, .. right.Columns];

    public override IReadOnlyList<OutputColumn> Columns => _columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        int lw = left.Columns.Count;
        int rw = right.Columns.Count;
        var eval = new EvalContext(ctx, outer);
        List<object?[]>? materialized = lateral ? null : [.. right.Execute(ctx, outer)];
        bool[]? rightMatched = kind is JoinKind.Right or JoinKind.Full ? new bool[materialized!.Count] : null;
        var lateralFrame = new EvalContext(ctx, outer);
        var leftRows = lateral && BatchedTopK(right) is { } topK ? Prefetching(topK, ctx, outer) : left.Execute(ctx, outer);
        foreach (var l in leftRows)
        {
            bool matched = false;
            IEnumerable<object?[]> inner;
            if (materialized is not null)
            {
                inner = materialized;
            }
            else
            {
                lateralFrame.Row = l;
                inner = right.Execute(ctx, lateralFrame);
            }

            int ri = 0;
            foreach (var r in inner)
            {
                var row = Concat(l, r, lw, rw);
                eval.Row = row;
                if (condition is null || condition.Eval(eval) is true)
                {
                    matched = true;
                    if (rightMatched is not null)
                    {
                        rightMatched[ri] = true;
                    }

                    yield return row;
                }

                ri++;
            }

            if (!matched && kind is JoinKind.Left or JoinKind.Full)
            {
                yield return Concat(l, null, lw, rw);
            }
        }

        if (rightMatched is not null)
        {
            for (int i = 0; i < rightMatched.Length; i++)
            {
                if (!rightMatched[i])
                {
                    yield return Concat(null, materialized![i], lw, rw);
                }
            }
        }
    }

    /// <summary>
    /// The exact k-NN scan a LATERAL subquery is made of (under projections), whose queries can be run in batches; null
    /// for any other right side.
    /// </summary>
    private static VectorTopKNode? BatchedTopK(PlanNode node)
    {
        while (node is ProjectNode project)
        {
            node = project.Input;
        }

        return node as VectorTopKNode;
    }

    /// <summary>The left rows, read ahead in batches whose k-NN queries the device answers together.</summary>
    private IEnumerable<object?[]> Prefetching(VectorTopKNode topK, QueryContext ctx, EvalContext? outer)
    {
        var batch = new List<object?[]>(VectorTopKNode.PrefetchBatchRows);
        foreach (var l in left.Execute(ctx, outer))
        {
            batch.Add(l);
            if (batch.Count == VectorTopKNode.PrefetchBatchRows)
            {
                topK.Prefetch(ctx, outer, batch);
                foreach (var row in batch)
                {
                    yield return row;
                }

                batch.Clear();
            }
        }

        topK.Prefetch(ctx, outer, batch);
        foreach (var row in batch)
        {
            yield return row;
        }
    }

    internal static object?[] Concat(object?[]? l, object?[]? r, int lw, int rw)
    {
        var row = new object?[lw + rw];
        if (l is not null)
        {
            Array.Copy(l, row, lw);
        }

        if (r is not null)
        {
            Array.Copy(r, 0, row, lw, rw);
        }

        return row;
    }

    public override IEnumerable<PlanNode> Children => [left, right];

    public override string ExplainLabel => kind switch
    {
        JoinKind.Left => "Nested Loop Left Join",
        JoinKind.Right => "Nested Loop Right Join",
        JoinKind.Full => "Nested Loop Full Join",
        _ => "Nested Loop",
    };

    public override IEnumerable<string> ExplainDetails => condition is null ? [] : [$"Join Filter: {condition.Fingerprint}"];
}

/// <summary>
/// Hash join on equality keys (inner or left): builds a hash table over the right input, probes with each left row, then
/// applies any residual condition. NULL keys never match.
/// </summary>
public sealed class HashJoinNode(PlanNode left, PlanNode right, JoinKind kind, BoundExpr[] leftKeys, BoundExpr[] rightKeys, BoundExpr? residual)
    : PlanNode
{
    private readonly IReadOnlyList<OutputColumn> _columns = [.. left.Columns, .. right.Columns];

    public override IReadOnlyList<OutputColumn> Columns => _columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        int lw = left.Columns.Count;
        int rw = right.Columns.Count;
        var eval = new EvalContext(ctx, outer);
        var table = new Dictionary<RowKey, List<object?[]>>();
        foreach (var r in right.Execute(ctx, outer))
        {
            eval.Row = r;
            var key = Key(rightKeys, eval);
            if (key.HasNull)
            {
                continue;
            }

            if (!table.TryGetValue(key, out var list))
            {
                list = [];
                table[key] = list;
            }

            list.Add(r);
        }

        foreach (var l in left.Execute(ctx, outer))
        {
            eval.Row = l;
            var key = Key(leftKeys, eval);
            bool matched = false;
            if (!key.HasNull && table.TryGetValue(key, out var matches))
            {
                foreach (var r in matches)
                {
                    var row = NestedLoopJoinNode.Concat(l, r, lw, rw);
                    eval.Row = row;
                    if (residual is null || residual.Eval(eval) is true)
                    {
                        matched = true;
                        yield return row;
                    }
                }
            }

            if (!matched && kind == JoinKind.Left)
            {
                yield return NestedLoopJoinNode.Concat(l, null, lw, rw);
            }
        }
    }

    private static RowKey Key(BoundExpr[] keys, EvalContext eval)
    {
        var values = new object?[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            values[i] = keys[i].Eval(eval);
        }

        return new RowKey(values);
    }

    public override IEnumerable<PlanNode> Children => [left, right];

    public override string ExplainLabel => kind == JoinKind.Left ? "Hash Left Join" : "Hash Join";

    public override IEnumerable<string> ExplainDetails =>
        [$"Hash Cond: {string.Join(" AND ", leftKeys.Zip(rightKeys, (l, r) => $"({l.Fingerprint} = {r.Fingerprint})"))}"];
}

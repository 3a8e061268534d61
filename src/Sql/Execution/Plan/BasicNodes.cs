using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Execution.Plan;

/// <summary>One row with no columns: the input of a SELECT without FROM.</summary>
public sealed class SingleRowNode : PlanNode
{
    public override IReadOnlyList<OutputColumn> Columns => [];

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer)
    {
        ActualRows = 1;
        return [[]];
    }

    public override string ExplainLabel => "Result";
}

/// <summary>VALUES lists; each row's expressions are evaluated per execution.</summary>
public sealed class ValuesNode(IReadOnlyList<OutputColumn> columns, BoundExpr[][] rows) : PlanNode
{
    public override IReadOnlyList<OutputColumn> Columns => columns;

    public BoundExpr[][] Rows => rows;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        var eval = new EvalContext(ctx, outer);
        foreach (var row in rows)
        {
            var values = new object?[row.Length];
            for (int i = 0; i < row.Length; i++)
            {
                values[i] = row[i].Eval(eval);
            }

            yield return values;
        }
    }

    public override string ExplainLabel => "Values Scan on \"*VALUES*\"";
}

/// <summary>Keeps the rows for which the predicate is true.</summary>
public sealed class FilterNode(PlanNode input, BoundExpr predicate) : PlanNode
{
    public PlanNode Input => input;

    public BoundExpr Predicate => predicate;

    public override IReadOnlyList<OutputColumn> Columns => input.Columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        var eval = new EvalContext(ctx, outer);
        foreach (var row in input.Execute(ctx, outer))
        {
            eval.Row = row;
            if (predicate.Eval(eval) is true)
            {
                yield return row;
            }
        }
    }

    public override IEnumerable<PlanNode> Children => [input];

    public override string ExplainLabel => "Filter";

    public override IEnumerable<string> ExplainDetails => [$"Filter: {predicate.Fingerprint}"];
}

/// <summary>Computes the output expressions of each input row.</summary>
public sealed class ProjectNode(PlanNode input, BoundExpr[] expressions, IReadOnlyList<OutputColumn> columns) : PlanNode
{
    public PlanNode Input => input;

    public BoundExpr[] Expressions => expressions;

    public override IReadOnlyList<OutputColumn> Columns => columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        var eval = new EvalContext(ctx, outer);
        foreach (var row in input.Execute(ctx, outer))
        {
            eval.Row = row;
            var values = new object?[expressions.Length];
            for (int i = 0; i < expressions.Length; i++)
            {
                values[i] = expressions[i].Eval(eval);
            }

            yield return values;
        }
    }

    public override IEnumerable<PlanNode> Children => [input];

    /// <summary>EXPLAIN shows a projection as part of its input, as PostgreSQL does (<see cref="PlanNode.Explain(List{string}, int, bool)"/>).</summary>
    public override string ExplainLabel => input.ExplainLabel;

    public override IEnumerable<string> ExplainDetails => input.ExplainDetails;
}

/// <summary>LIMIT / OFFSET (values evaluated once per execution; NULL means no limit).</summary>
public sealed class LimitNode(PlanNode input, BoundExpr? limit, BoundExpr? offset) : PlanNode
{
    public override IReadOnlyList<OutputColumn> Columns => input.Columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        var eval = new EvalContext(ctx, outer);
        long max = limit?.Eval(eval) is { } l ? SqlValues.ToInt64(l) : long.MaxValue;
        long skip = offset?.Eval(eval) is { } o ? SqlValues.ToInt64(o) : 0;
        if (max < 0)
        {
            throw new Errors.SqlException("2201W", "LIMIT must not be negative");
        }

        if (skip < 0)
        {
            throw new Errors.SqlException("2201X", "OFFSET must not be negative");
        }

        if (max == 0)
        {
            yield break;
        }

        long produced = 0;
        foreach (var row in input.Execute(ctx, outer))
        {
            if (skip > 0)
            {
                skip--;
                continue;
            }

            yield return row;
            if (++produced >= max)
            {
                yield break;
            }
        }
    }

    public override IEnumerable<PlanNode> Children => [input];

    public override string ExplainLabel => "Limit";
}

/// <summary>A sort key: expression over the input row, direction and NULL placement (NULLS LAST for ASC by default).</summary>
public sealed record SortKey(BoundExpr Expression, bool Descending, bool NullsFirst);

/// <summary>Full sort of the input (ORDER BY without a usable top-k).</summary>
public sealed class SortNode(PlanNode input, SortKey[] keys) : PlanNode
{
    public override IReadOnlyList<OutputColumn> Columns => input.Columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        var eval = new EvalContext(ctx, outer);
        var rows = new List<(object?[] Row, object?[] Keys)>();
        foreach (var row in input.Execute(ctx, outer))
        {
            eval.Row = row;
            var k = new object?[keys.Length];
            for (int i = 0; i < keys.Length; i++)
            {
                k[i] = keys[i].Expression.Eval(eval);
            }

            rows.Add((row, k));
        }

        var comparer = new KeyComparer(keys);
        // List.Sort is not stable; ORDER BY output order of equal keys is unspecified in SQL, but keep input order anyway.
        var indexed = rows.Select((r, i) => (r.Row, r.Keys, i)).ToList();
        indexed.Sort((a, b) =>
        {
            int c = comparer.Compare(a.Keys, b.Keys);
            return c != 0 ? c : a.i.CompareTo(b.i);
        });
        foreach (var r in indexed)
        {
            yield return r.Row;
        }
    }

    public override IEnumerable<PlanNode> Children => [input];

    public override string ExplainLabel => "Sort";

    public override IEnumerable<string> ExplainDetails =>
        [$"Sort Key: {string.Join(", ", keys.Select(k => k.Expression.Fingerprint + (k.Descending ? " DESC" : "")))}"];

    /// <summary>Compares key tuples by the sort keys' directions and NULL placement.</summary>
    public sealed class KeyComparer(SortKey[] keys) : IComparer<object?[]>
    {
        public int Compare(object?[]? x, object?[]? y)
        {
            for (int i = 0; i < keys.Length; i++)
            {
                var a = x![i];
                var b = y![i];
                int c;
                if (a is null || b is null)
                {
                    if (a is null && b is null)
                    {
                        continue;
                    }

                    c = a is null == keys[i].NullsFirst ? -1 : 1;
                    return c;
                }

                c = SqlValues.Compare(a, b);
                if (c != 0)
                {
                    return keys[i].Descending ? -c : c;
                }
            }

            return 0;
        }
    }
}

/// <summary>SELECT DISTINCT: drops repeated rows (hash based).</summary>
public sealed class DistinctNode(PlanNode input) : PlanNode
{
    public override IReadOnlyList<OutputColumn> Columns => input.Columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        var seen = new HashSet<Storage.Tables.RowKey>();
        foreach (var row in input.Execute(ctx, outer))
        {
            if (seen.Add(new Storage.Tables.RowKey(row)))
            {
                yield return row;
            }
        }
    }

    public override IEnumerable<PlanNode> Children => [input];

    public override string ExplainLabel => "HashAggregate";
}

/// <summary>UNION [ALL] / INTERSECT [ALL] / EXCEPT [ALL].</summary>
public sealed class SetOperationNode(PlanNode left, PlanNode right, Ast.SetOperator op, bool all, IReadOnlyList<OutputColumn> columns) : PlanNode
{
    public override IReadOnlyList<OutputColumn> Columns => columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer) => Count(Run(ctx, outer));

    private IEnumerable<object?[]> Run(QueryContext ctx, EvalContext? outer)
    {
        if (op == Ast.SetOperator.Union)
        {
            var seen = all ? null : new HashSet<Storage.Tables.RowKey>();
            foreach (var row in left.Execute(ctx, outer).Concat(right.Execute(ctx, outer)))
            {
                if (seen is null || seen.Add(new Storage.Tables.RowKey(row)))
                {
                    yield return row;
                }
            }

            yield break;
        }

        var counts = new Dictionary<Storage.Tables.RowKey, int>();
        foreach (var row in right.Execute(ctx, outer))
        {
            var k = new Storage.Tables.RowKey(row);
            counts[k] = counts.GetValueOrDefault(k) + 1;
        }

        var emitted = new HashSet<Storage.Tables.RowKey>();
        foreach (var row in left.Execute(ctx, outer))
        {
            var k = new Storage.Tables.RowKey(row);
            bool inRight = counts.TryGetValue(k, out int n) && n > 0;
            bool keep = op == Ast.SetOperator.Intersect ? inRight : !inRight;
            if (all)
            {
                if (inRight)
                {
                    counts[k] = n - 1;
                }

                if (keep)
                {
                    yield return row;
                }
            }
            else if (keep && emitted.Add(k))
            {
                yield return row;
            }
        }
    }

    public override IEnumerable<PlanNode> Children => [left, right];

    public override string ExplainLabel => op switch
    {
        Ast.SetOperator.Union => all ? "Append" : "HashAggregate",
        Ast.SetOperator.Intersect => "HashSetOp Intersect",
        _ => "HashSetOp Except",
    };
}

/// <summary>Materializes its input once per execution and replays it (CTEs, uncorrelated subqueries used many times).</summary>
public sealed class MaterializeNode(PlanNode input, string label) : PlanNode
{
    private List<object?[]>? _rows;
    private QueryContext? _owner;

    public override IReadOnlyList<OutputColumn> Columns => input.Columns;

    public override IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer)
    {
        if (_rows is null || !ReferenceEquals(_owner, ctx))
        {
            _rows = [.. input.Execute(ctx, outer)];
            _owner = ctx;
        }

        ActualRows = _rows.Count;
        return _rows;
    }

    public override IEnumerable<PlanNode> Children => [input];

    public override string ExplainLabel => label;
}

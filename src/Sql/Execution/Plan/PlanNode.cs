using System.Text;

namespace AnnSql.Sql.Execution.Plan;

/// <summary>
/// A physical operator. <see cref="Execute"/> yields rows lazily (pull model); a yielded array may be shared with storage and
/// must not be modified. The outer frame passed to <see cref="Execute"/> is the enclosing query's frame for correlated references.
/// </summary>
public abstract class PlanNode
{
    public abstract IReadOnlyList<OutputColumn> Columns { get; }

    public abstract IEnumerable<object?[]> Execute(QueryContext ctx, EvalContext? outer);

    /// <summary>Children, for EXPLAIN.</summary>
    public virtual IEnumerable<PlanNode> Children => [];

    /// <summary>The EXPLAIN line of this node (PostgreSQL's wording where one exists).</summary>
    public abstract string ExplainLabel { get; }

    /// <summary>Extra EXPLAIN detail lines (filters, keys).</summary>
    public virtual IEnumerable<string> ExplainDetails => [];

    /// <summary>
    /// Plain EXPLAIN (without ANALYZE): lets a node settle choices it makes per execution (a diskann scan's strategy) with
    /// the statement's parameters, so its details describe them. Recurses into the children.
    /// </summary>
    public virtual void PrepareExplain(QueryContext ctx)
    {
        foreach (var child in Children)
        {
            child.PrepareExplain(ctx);
        }
    }

    /// <summary>Rows this node produced in the last execution (EXPLAIN ANALYZE).</summary>
    public long ActualRows { get; protected set; }

    /// <summary>
    /// Renders the plan tree like PostgreSQL's text EXPLAIN (without costs). As in PostgreSQL's plans, a projection is part
    /// of the node below it, and a filter directly over a scan is that scan's <c>Filter:</c> line.
    /// </summary>
    public void Explain(List<string> lines, int depth, bool analyze) => Explain(lines, depth, analyze, null);

    private void Explain(List<string> lines, int depth, bool analyze, FilterNode? mergedFilter)
    {
        if (this is ProjectNode projection)
        {
            projection.Input.Explain(lines, depth, analyze, mergedFilter);
            return;
        }

        if (this is FilterNode filter && mergedFilter is null && !filter.Input.Children.Any() && filter.Input is not ProjectNode)
        {
            filter.Input.Explain(lines, depth, analyze, filter);
            return;
        }

        var sb = new StringBuilder();
        if (depth > 0)
        {
            sb.Append(' ', (depth * 6) - 4).Append("->  ");
        }

        sb.Append(ExplainLabel);
        if (analyze)
        {
            long rows = mergedFilter?.ActualRows ?? ActualRows;
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $" (actual rows={rows} loops=1)");
        }

        lines.Add(sb.ToString());
        string pad = new(' ', depth == 0 ? 2 : (depth * 6) + 2);
        foreach (var d in ExplainDetails.Concat(mergedFilter?.ExplainDetails ?? []))
        {
            lines.Add(pad + d);
        }

        if (analyze && mergedFilter is not null)
        {
            lines.Add(pad + string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Rows Removed by Filter: {ActualRows - mergedFilter.ActualRows}"));
        }

        foreach (var c in Children)
        {
            c.Explain(lines, depth + 1, analyze, null);
        }
    }

    protected IEnumerable<object?[]> Count(IEnumerable<object?[]> rows)
    {
        ActualRows = 0;
        foreach (var r in rows)
        {
            ActualRows++;
            yield return r;
        }
    }
}

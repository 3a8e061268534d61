using AnnSql.Index.Vamana;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Execution.Expressions;

namespace AnnSql.Sql.Indexing;

/// <summary>How a label predicate combines its labels.</summary>
public enum LabelMatch
{
    /// <summary>The row carries at least one of the labels: <c>labels &amp;&amp; ARRAY[...]</c>, <c>x = ANY(labels)</c>, <c>label = x</c>, <c>label IN (...)</c>.</summary>
    AnyOf,

    /// <summary>The row carries every label: <c>labels @&gt; ARRAY[...]</c>, <c>ARRAY[...] &lt;@ labels</c>.</summary>
    AllOf,
}

/// <summary>
/// A WHERE conjunct over a diskann index's label column that the index answers itself (Filtered-DiskANN): the labels come
/// from expressions that do not depend on the row (constants, parameters, outer references), evaluated once per execution.
/// </summary>
/// <param name="condition">The conjunct itself, for EXPLAIN's Index Cond.</param>
/// <param name="match">Any-of or all-of.</param>
/// <param name="operands">One array-valued expression, or the scalar items of <c>= x</c> / <c>IN (...)</c> / <c>x = ANY(...)</c>.</param>
/// <param name="arrayOperand">True when <paramref name="operands"/> is one array: a NULL array matches no row.</param>
public sealed class LabelPredicate(BoundExpr condition, LabelMatch match, BoundExpr[] operands, bool arrayOperand)
{
    /// <summary>The conjunct the predicate was taken from.</summary>
    public BoundExpr Condition { get; } = condition;

    /// <summary>Any-of or all-of.</summary>
    public LabelMatch Match { get; } = match;

    /// <summary>True when every operand is a constant, so the labels are known when the statement is planned.</summary>
    public bool IsConstant => operands.All(o => o.IsConstant);

    /// <summary>
    /// The predicate's labels, ascending and distinct (NULL elements dropped); null when no row can match (a NULL array, or
    /// only NULL items).
    /// </summary>
    public int[]? Evaluate(EvalContext ctx)
    {
        if (arrayOperand)
        {
            return LabelValues.FromOperand(operands[0].Eval(ctx));
        }

        var labels = new List<int>(operands.Length);
        foreach (var operand in operands)
        {
            labels.AddRange(LabelValues.Distinct(operand.Eval(ctx)));
        }

        return labels.Count == 0 ? null : LabelValues.Normalize(labels);
    }

    /// <summary>Whether a point's labels (ascending, distinct) satisfy <paramref name="match"/> over <paramref name="query"/> (ascending, distinct).</summary>
    public static bool Matches(LabelMatch match, ReadOnlySpan<int> point, ReadOnlySpan<int> query) =>
        match == LabelMatch.AnyOf ? LabelSets.Intersects(point, query) : LabelSets.IsSubset(query, point);
}

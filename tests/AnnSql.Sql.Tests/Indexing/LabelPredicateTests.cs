using AnnSql.Sql.Indexing;

namespace AnnSql.Sql.Tests.Indexing;

/// <summary>Label values as the label column and predicates deliver them, and the any-of / all-of match used on graph points.</summary>
public sealed class LabelPredicateTests
{
    [Theory]
    [InlineData(new[] { 1, 3, 5 }, new[] { 5 }, true)]
    [InlineData(new[] { 1, 3, 5 }, new[] { 2, 4 }, false)]
    [InlineData(new[] { 1, 3, 5 }, new[] { 0, 3, 9 }, true)]
    [InlineData(new int[0], new[] { 1 }, false)]
    [InlineData(new[] { 1 }, new int[0], false)]
    public void Any_of_needs_one_shared_label(int[] point, int[] query, bool expected) =>
        Assert.Equal(expected, LabelPredicate.Matches(LabelMatch.AnyOf, point, query));

    [Theory]
    [InlineData(new[] { 1, 3, 5 }, new[] { 1, 5 }, true)]
    [InlineData(new[] { 1, 3, 5 }, new[] { 1, 4 }, false)]
    [InlineData(new[] { 1, 3, 5 }, new[] { 5, 6 }, false)]
    [InlineData(new[] { 3 }, new[] { 1, 3 }, false)]
    [InlineData(new[] { 1, 3 }, new int[0], true)]
    public void All_of_needs_every_label(int[] point, int[] query, bool expected) =>
        Assert.Equal(expected, LabelPredicate.Matches(LabelMatch.AllOf, point, query));

    [Fact]
    public void Label_values_are_sorted_distinct_and_skip_nulls()
    {
        Assert.Equal([-2, 3, 7], LabelValues.Distinct(new object?[] { 7, null, 3, (short)-2, 7 }));
        Assert.Equal([4], LabelValues.Distinct((short)4));
        Assert.Empty(LabelValues.Distinct(null));
        Assert.Null(LabelValues.FromOperand(null));

        // Values no integer label can equal (fractions, out of range) match nothing.
        Assert.Equal([1], LabelValues.Distinct(new object?[] { 1, 2.5m, 5_000_000_000L }));
    }
}

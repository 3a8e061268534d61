using AnnSql.Index.Distance;
using AnnSql.Index.Search;

namespace AnnSql.Index.Tests.Gpu;

/// <summary>Comparisons of device results with the SIMD CPU path.</summary>
internal static class GpuAssert
{
    /// <summary>Relative tolerance on distances: the device sums in another order than the SIMD lanes.</summary>
    public const double RelativeTolerance = 1e-5;

    /// <summary>
    /// True when the two distances agree within <see cref="RelativeTolerance"/> of the larger magnitude, or of
    /// <paramref name="floor"/> when that is larger (both NaN counts as equal). Cosine passes a floor of 1: 1 - cos cancels,
    /// so the float error of the sums is relative to the cosine, not to the distance.
    /// </summary>
    public static bool Close(float expected, float actual, double floor = 0)
    {
        if (float.IsNaN(expected) || float.IsNaN(actual))
        {
            return float.IsNaN(expected) && float.IsNaN(actual);
        }

        double scale = Math.Max(floor, Math.Max(Math.Abs((double)expected), Math.Abs((double)actual)));
        return Math.Abs((double)expected - actual) <= (RelativeTolerance * scale) + 1e-7;
    }

    /// <summary>
    /// The CPU's exact top-k by the SIMD distance of <paramref name="distance"/> and <see cref="TopKHeap"/>, over the ids
    /// for which <paramref name="live"/> holds.
    /// </summary>
    public static (long[] Ids, float[] Distances) CpuTopK(int rows, int k, Func<int, float> distance, Func<int, bool> live)
    {
        TopKHeap heap = new(k);
        for (int r = 0; r < rows; r++)
        {
            if (live(r))
            {
                heap.TryAdd(distance(r), r);
            }
        }

        long[] ids = new long[heap.Count];
        float[] distances = new float[heap.Count];
        heap.DrainSorted(distances, ids);
        return (ids, distances);
    }

    /// <summary>
    /// Asserts the device's top-k of one query equals the CPU's: same count, distances within tolerance position by
    /// position, and the same ids except where the distance ties another candidate's (then the id must be live, not
    /// repeated, and its true distance must equal the reported one).
    /// </summary>
    public static void SameTopK(
        (long[] Ids, float[] Distances) expected, ReadOnlySpan<uint> ids, ReadOnlySpan<float> distances, int found,
        Func<int, float> trueDistance, string where, double floor = 0)
    {
        Assert.Equal(expected.Ids.Length, found);
        HashSet<uint> seen = [];
        for (int j = 0; j < found; j++)
        {
            Assert.True(Close(expected.Distances[j], distances[j], floor), $"{where} rank {j}: distance {distances[j]}, CPU {expected.Distances[j]}");
            Assert.True(seen.Add(ids[j]), $"{where} rank {j}: id {ids[j]} repeated");
            if (ids[j] != expected.Ids[j])
            {
                // A tie: the id differs, but its distance is the one at this rank.
                Assert.True(
                    Close(expected.Distances[j], trueDistance((int)ids[j]), floor),
                    $"{where} rank {j}: id {ids[j]} (distance {trueDistance((int)ids[j])}), CPU id {expected.Ids[j]} ({expected.Distances[j]})");
            }
        }

        for (int j = found; j < ids.Length; j++)
        {
            Assert.Equal(uint.MaxValue, ids[j]);
            Assert.Equal(float.PositiveInfinity, distances[j]);
        }
    }

    /// <summary>The tolerance floor of a metric for <see cref="Close(float, float, double)"/>.</summary>
    public static double Floor(Metric metric) => metric == Metric.Cosine ? 1.0 : 0.0;

    /// <summary>The SIMD CPU distance of a float metric, "smaller = closer" as <see cref="VectorDistances.ComputeBatch(Metric, ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float})"/>.</summary>
    public static float Distance(Metric metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b) => metric switch
    {
        Metric.L2 => VectorDistances.L2Squared(a, b),
        Metric.InnerProduct => -VectorDistances.Dot(a, b),
        Metric.Cosine => (float)VectorDistances.CosineDistance(a, b),
        Metric.L1 => VectorDistances.L1(a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    /// <summary>The SIMD CPU distance of a float16 metric.</summary>
    public static float Distance(Metric metric, ReadOnlySpan<Half> a, ReadOnlySpan<Half> b) => metric switch
    {
        Metric.L2 => VectorDistances.L2Squared(a, b),
        Metric.InnerProduct => -VectorDistances.Dot(a, b),
        Metric.Cosine => (float)VectorDistances.CosineDistance(a, b),
        Metric.L1 => VectorDistances.L1(a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };
}

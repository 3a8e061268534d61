namespace AnnSql.Index.Distance;

/// <summary>Taxicab distance, pgvector's <c>&lt;+&gt;</c>.</summary>
public readonly struct L1Kernel : IDistance
{
    /// <inheritdoc/>
    public static Metric Metric => Metric.L1;

    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        return FloatKernels.Sum<AbsoluteDifference>(a, b);
    }
}

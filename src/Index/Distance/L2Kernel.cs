namespace AnnSql.Index.Distance;

/// <summary>Squared Euclidean distance, the ranking form of pgvector's <c>&lt;-&gt;</c> (sqrt is taken only for output).</summary>
public readonly struct L2Kernel : IDistance
{
    /// <inheritdoc/>
    public static Metric Metric => Metric.L2;

    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        return FloatKernels.Sum<SquaredDifference>(a, b);
    }
}

namespace AnnSql.Index.Distance;

/// <summary>
/// Cosine distance 1 - cos(a, b), computed in double from float sums as pgvector's <c>cosine_distance</c> does, then
/// narrowed to float for ranking. NaN when either vector is all zeros (pgvector's behaviour).
/// </summary>
public readonly struct CosineKernel : IDistance
{
    /// <inheritdoc/>
    public static Metric Metric => Metric.Cosine;

    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        FloatKernels.DotAndNorms(a, b, out float dot, out float normA2, out float normB2);
        return (float)VectorDistances.CosineDistance(dot, normA2, normB2);
    }
}

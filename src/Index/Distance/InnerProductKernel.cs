namespace AnnSql.Index.Distance;

/// <summary>Negative inner product, exactly what pgvector's <c>&lt;#&gt;</c> returns, so larger dot ranks closer.</summary>
public readonly struct InnerProductKernel : IDistance
{
    /// <inheritdoc/>
    public static Metric Metric => Metric.InnerProduct;

    /// <inheritdoc/>
    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        return -FloatKernels.Sum<Product>(a, b);
    }
}

namespace AnnSql.Index.Distance;

/// <summary>halfvec overloads: halves are widened to float in SIMD lanes and accumulated in float (pgvector src/halfvec.c).</summary>
public static partial class VectorDistances
{
    /// <summary>Squared Euclidean distance of two halfvecs, accumulated in float.</summary>
    public static float L2Squared(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        return HalfKernels.Sum<SquaredDifference>(a, b);
    }

    /// <summary>Inner product of two halfvecs, accumulated in float.</summary>
    public static float Dot(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        return HalfKernels.Sum<Product>(a, b);
    }

    /// <summary>Taxicab distance of two halfvecs, accumulated in float.</summary>
    public static float L1(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        return HalfKernels.Sum<AbsoluteDifference>(a, b);
    }

    /// <summary>dot(a, b), |a|^2 and |b|^2 of two halfvecs in one pass, accumulated in float.</summary>
    public static void DotAndNorms(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b, out float dot, out float normA2, out float normB2)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        HalfKernels.DotAndNorms(a, b, out dot, out normA2, out normB2);
    }

    /// <summary>Squared Euclidean norm of a halfvec, accumulated in float.</summary>
    public static float NormSquared(ReadOnlySpan<Half> a) => HalfKernels.Sum<Product>(a, a);

    /// <summary>Cosine distance of two halfvecs, same semantics as the float overload.</summary>
    public static double CosineDistance(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        HalfKernels.DotAndNorms(a, b, out float dot, out float normA2, out float normB2);
        return CosineDistance(dot, normA2, normB2);
    }
}

namespace AnnSql.Index.Distance;

/// <summary>
/// Front door to the distance kernels. Each call runs on the widest SIMD path the CPU accelerates
/// (Vector512 → Vector256 → Vector128 → scalar). Sums are float32 accumulations as in pgvector src/vector.c and
/// src/halfvec.c; lane-parallel summation means results can differ from a sequential loop in the last bits.
/// Every method throws <see cref="ArgumentException"/> when the two inputs differ in length.
/// </summary>
public static partial class VectorDistances
{
    /// <summary>Squared Euclidean distance, sum of (a[i] - b[i])^2.</summary>
    public static float L2Squared(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        return FloatKernels.Sum<SquaredDifference>(a, b);
    }

    /// <summary>Inner product, sum of a[i] * b[i] (pgvector's <c>&lt;#&gt;</c> returns its negation).</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        return FloatKernels.Sum<Product>(a, b);
    }

    /// <summary>Taxicab distance, sum of |a[i] - b[i]|.</summary>
    public static float L1(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        return FloatKernels.Sum<AbsoluteDifference>(a, b);
    }

    /// <summary>Computes dot(a, b), |a|^2 and |b|^2 in one pass (the three sums cosine distance needs).</summary>
    public static void DotAndNorms(ReadOnlySpan<float> a, ReadOnlySpan<float> b, out float dot, out float normA2, out float normB2)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        FloatKernels.DotAndNorms(a, b, out dot, out normA2, out normB2);
    }

    /// <summary>Squared Euclidean norm, sum of a[i]^2.</summary>
    public static float NormSquared(ReadOnlySpan<float> a) => FloatKernels.Sum<Product>(a, a);

    /// <summary>
    /// Cosine distance 1 - cos(a, b) with pgvector's <c>cosine_distance</c> semantics: float sums, then
    /// <c>dot / sqrt(|a|^2 * |b|^2)</c> in double, clamped to [-1, 1]; NaN when either vector has zero norm.
    /// </summary>
    public static double CosineDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        FloatKernels.DotAndNorms(a, b, out float dot, out float normA2, out float normB2);
        return CosineDistance(dot, normA2, normB2);
    }

    /// <summary>
    /// Cosine distance from precomputed sums (see <see cref="DotAndNorms(ReadOnlySpan{float}, ReadOnlySpan{float}, out float, out float, out float)"/>):
    /// <c>1 - clamp(dot / sqrt(normA2 * normB2), -1, 1)</c> in double; NaN when a norm is zero (pgvector src/vector.c).
    /// </summary>
    public static double CosineDistance(float dot, float normA2, float normB2)
    {
        // sqrt(a * b) rather than sqrt(a) * sqrt(b), as pgvector does.
        double similarity = dot / Math.Sqrt((double)normA2 * normB2);
        if (double.IsNaN(similarity))
        {
            return double.NaN;
        }

        return 1.0 - Math.Clamp(similarity, -1.0, 1.0);
    }
}

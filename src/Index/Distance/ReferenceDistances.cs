using System.Numerics;

namespace AnnSql.Index.Distance;

/// <summary>
/// Plain sequential scalar loops with the same signatures and semantics as <see cref="VectorDistances"/>; the oracle the
/// SIMD kernels are tested against (DiskANN's <c>reference.rs</c> pattern). Not for hot paths. Throws
/// <see cref="ArgumentException"/> on length mismatch, like the front door.
/// </summary>
public static class ReferenceDistances
{
    /// <summary>Squared Euclidean distance, sequential float sum.</summary>
    public static float L2Squared(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        float sum = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            float d = a[i] - b[i];
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Inner product, sequential float sum.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        float sum = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>Taxicab distance, sequential float sum.</summary>
    public static float L1(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        float sum = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            sum += MathF.Abs(a[i] - b[i]);
        }

        return sum;
    }

    /// <summary>dot(a, b), |a|^2 and |b|^2, sequential float sums.</summary>
    public static void DotAndNorms(ReadOnlySpan<float> a, ReadOnlySpan<float> b, out float dot, out float normA2, out float normB2)
    {
        dot = Dot(a, b);
        normA2 = NormSquared(a);
        normB2 = NormSquared(b);
    }

    /// <summary>Squared Euclidean norm, sequential float sum.</summary>
    public static float NormSquared(ReadOnlySpan<float> a)
    {
        float sum = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * a[i];
        }

        return sum;
    }

    /// <summary>Cosine distance, pgvector semantics (see <see cref="VectorDistances.CosineDistance(float, float, float)"/>).</summary>
    public static double CosineDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        DotAndNorms(a, b, out float dot, out float normA2, out float normB2);
        return VectorDistances.CosineDistance(dot, normA2, normB2);
    }

    /// <summary>Squared Euclidean distance of halfvecs, each element converted with <c>(float)h</c>.</summary>
    public static float L2Squared(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        float sum = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            float d = (float)a[i] - (float)b[i];
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Inner product of halfvecs.</summary>
    public static float Dot(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        float sum = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (float)a[i] * (float)b[i];
        }

        return sum;
    }

    /// <summary>Taxicab distance of halfvecs.</summary>
    public static float L1(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        float sum = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            sum += MathF.Abs((float)a[i] - (float)b[i]);
        }

        return sum;
    }

    /// <summary>dot(a, b), |a|^2 and |b|^2 of halfvecs.</summary>
    public static void DotAndNorms(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b, out float dot, out float normA2, out float normB2)
    {
        dot = Dot(a, b);
        normA2 = NormSquared(a);
        normB2 = NormSquared(b);
    }

    /// <summary>Squared Euclidean norm of a halfvec.</summary>
    public static float NormSquared(ReadOnlySpan<Half> a)
    {
        float sum = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            float x = (float)a[i];
            sum += x * x;
        }

        return sum;
    }

    /// <summary>Hamming distance, one byte at a time.</summary>
    public static int Hamming(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        int count = 0;
        for (int i = 0; i < a.Length; i++)
        {
            count += BitOperations.PopCount((uint)(a[i] ^ b[i]));
        }

        return count;
    }

    /// <summary>popcount(a and b) and popcount(a or b), one byte at a time.</summary>
    public static void JaccardCounts(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, out int intersection, out int union)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        intersection = 0;
        union = 0;
        for (int i = 0; i < a.Length; i++)
        {
            intersection += BitOperations.PopCount((uint)(a[i] & b[i]));
            union += BitOperations.PopCount((uint)(a[i] | b[i]));
        }
    }

    /// <summary>Row-at-a-time batch distances with the reference loops; same shapes, values and errors as the front door.</summary>
    public static void ComputeBatch(Metric metric, ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dim, Span<float> distances)
    {
        int count = VectorDistances.CheckBatch(query, rows, dim, distances);
        for (int r = 0; r < count; r++)
        {
            ReadOnlySpan<float> row = rows.Slice(r * dim, dim);
            distances[r] = metric switch
            {
                Metric.L2 => L2Squared(query, row),
                Metric.InnerProduct => -Dot(query, row),
                Metric.Cosine => (float)CosineDistance(query, row),
                Metric.L1 => L1(query, row),
                _ => throw new ArgumentException($"metric {metric} does not apply to float vectors", nameof(metric)),
            };
        }
    }
}

using System.Runtime.Intrinsics;

namespace AnnSql.Index.Distance;

/// <summary>acc + (x - y)^2, fused where the CPU has FMA. Drives squared L2.</summary>
internal readonly struct SquaredDifference : IPairAccumulator
{
    public static Vector512<float> Accumulate(Vector512<float> acc, Vector512<float> x, Vector512<float> y)
    {
        Vector512<float> d = x - y;
        return Vector512.MultiplyAddEstimate(d, d, acc);
    }

    public static Vector256<float> Accumulate(Vector256<float> acc, Vector256<float> x, Vector256<float> y)
    {
        Vector256<float> d = x - y;
        return Vector256.MultiplyAddEstimate(d, d, acc);
    }

    public static Vector128<float> Accumulate(Vector128<float> acc, Vector128<float> x, Vector128<float> y)
    {
        Vector128<float> d = x - y;
        return Vector128.MultiplyAddEstimate(d, d, acc);
    }

    public static float Accumulate(float acc, float x, float y)
    {
        float d = x - y;
        return acc + (d * d);
    }
}

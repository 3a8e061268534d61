using System.Runtime.Intrinsics;

namespace AnnSql.Index.Distance;

/// <summary>acc + x * y, fused where the CPU has FMA. Drives the dot product and squared norms.</summary>
internal readonly struct Product : IPairAccumulator
{
    public static Vector512<float> Accumulate(Vector512<float> acc, Vector512<float> x, Vector512<float> y) =>
        Vector512.MultiplyAddEstimate(x, y, acc);

    public static Vector256<float> Accumulate(Vector256<float> acc, Vector256<float> x, Vector256<float> y) =>
        Vector256.MultiplyAddEstimate(x, y, acc);

    public static Vector128<float> Accumulate(Vector128<float> acc, Vector128<float> x, Vector128<float> y) =>
        Vector128.MultiplyAddEstimate(x, y, acc);

    public static float Accumulate(float acc, float x, float y) => acc + (x * y);
}

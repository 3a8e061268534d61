using System.Runtime.Intrinsics;

namespace AnnSql.Index.Distance;

/// <summary>acc + |x - y|. Drives L1 (taxicab) distance.</summary>
internal readonly struct AbsoluteDifference : IPairAccumulator
{
    public static Vector512<float> Accumulate(Vector512<float> acc, Vector512<float> x, Vector512<float> y) =>
        acc + Vector512.Abs(x - y);

    public static Vector256<float> Accumulate(Vector256<float> acc, Vector256<float> x, Vector256<float> y) =>
        acc + Vector256.Abs(x - y);

    public static Vector128<float> Accumulate(Vector128<float> acc, Vector128<float> x, Vector128<float> y) =>
        acc + Vector128.Abs(x - y);

    public static float Accumulate(float acc, float x, float y) => acc + MathF.Abs(x - y);
}

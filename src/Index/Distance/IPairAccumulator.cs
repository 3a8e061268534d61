using System.Runtime.Intrinsics;

namespace AnnSql.Index.Distance;

/// <summary>
/// One step of an element-wise reduction over two vectors (acc + f(x, y)), at every width. The kernels are generic over it
/// so the JIT emits one specialised loop per operator with no virtual calls (Garnet's <c>IBinaryOperator</c> pattern).
/// </summary>
internal interface IPairAccumulator
{
    static abstract Vector512<float> Accumulate(Vector512<float> acc, Vector512<float> x, Vector512<float> y);

    static abstract Vector256<float> Accumulate(Vector256<float> acc, Vector256<float> x, Vector256<float> y);

    static abstract Vector128<float> Accumulate(Vector128<float> acc, Vector128<float> x, Vector128<float> y);

    static abstract float Accumulate(float acc, float x, float y);
}

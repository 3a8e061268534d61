using AnnSql.Index.Distance;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Functions;

/// <summary>
/// pgvector's distance operators and vector functions with pgvector's semantics (src/vector.c, halfvec.c, sparsevec.c,
/// bitvec.c): float32 accumulation in the SIMD kernels, results widened to double; <c>&lt;-&gt;</c> is the Euclidean
/// distance, <c>&lt;#&gt;</c> the negative inner product, <c>&lt;=&gt;</c> 1 - cosine similarity (NaN for a zero vector).
/// </summary>
public static class VectorFunctions
{
    /// <summary>The distance function behind a pgvector operator, or null for other operators.</summary>
    public static Func<object, object, double>? ForOperator(string op) => op switch
    {
        "<->" => L2Distance,
        "<#>" => NegativeInnerProduct,
        "<=>" => CosineDistance,
        "<+>" => L1Distance,
        "<~>" => HammingDistance,
        "<%>" => JaccardDistance,
        _ => null,
    };

    public static double L2Distance(object a, object b) => a switch
    {
        float[] x => Math.Sqrt(VectorDistances.L2Squared(x, Same(x, b))),
        Half[] x => Math.Sqrt(VectorDistances.L2Squared(x, SameHalf(x, b))),
        SparseVector x => Math.Sqrt(SparseL2Squared(x, SameSparse(x, b))),
        _ => throw Unsupported("<->", a),
    };

    public static double L2SquaredDistance(object a, object b) => a switch
    {
        float[] x => VectorDistances.L2Squared(x, Same(x, b)),
        Half[] x => VectorDistances.L2Squared(x, SameHalf(x, b)),
        SparseVector x => SparseL2Squared(x, SameSparse(x, b)),
        _ => throw Unsupported("<->", a),
    };

    public static double InnerProduct(object a, object b) => a switch
    {
        float[] x => VectorDistances.Dot(x, Same(x, b)),
        Half[] x => VectorDistances.Dot(x, SameHalf(x, b)),
        SparseVector x => SparseDot(x, SameSparse(x, b)),
        _ => throw Unsupported("<#>", a),
    };

    public static double NegativeInnerProduct(object a, object b) => -InnerProduct(a, b);

    public static double CosineDistance(object a, object b)
    {
        float dot, na, nb;
        switch (a)
        {
            case float[] x:
                VectorDistances.DotAndNorms(x, Same(x, b), out dot, out na, out nb);
                break;
            case Half[] x:
                VectorDistances.DotAndNorms(x, SameHalf(x, b), out dot, out na, out nb);
                break;
            case SparseVector x:
                var y = SameSparse(x, b);
                dot = SparseDot(x, y);
                na = SparseDot(x, x);
                nb = SparseDot(y, y);
                break;
            default:
                throw Unsupported("<=>", a);
        }

        return VectorDistances.CosineDistance(dot, na, nb);
    }

    public static double L1Distance(object a, object b) => a switch
    {
        float[] x => VectorDistances.L1(x, Same(x, b)),
        Half[] x => VectorDistances.L1(x, SameHalf(x, b)),
        SparseVector x => SparseL1(x, SameSparse(x, b)),
        _ => throw Unsupported("<+>", a),
    };

    public static double HammingDistance(object a, object b)
    {
        var (x, y) = SameBits(a, b);
        return VectorDistances.Hamming(x.Bytes, y.Bytes);
    }

    public static double JaccardDistance(object a, object b)
    {
        var (x, y) = SameBits(a, b);
        return VectorDistances.JaccardDistance(x.Bytes, y.Bytes);
    }

    /// <summary>vector_norm / l2_norm: the Euclidean norm.</summary>
    public static double Norm(object v) => v switch
    {
        float[] x => Math.Sqrt((double)VectorDistances.NormSquared(x)),
        Half[] x => Math.Sqrt((double)VectorDistances.NormSquared(x)),
        SparseVector s => Math.Sqrt((double)SparseDot(s, s)),
        _ => throw Unsupported("vector_norm", v),
    };

    /// <summary>l2_normalize: the vector divided by its norm (a zero vector stays zero).</summary>
    public static object Normalize(object v)
    {
        double norm = Norm(v);
        switch (v)
        {
            case float[] x:
                var r = new float[x.Length];
                if (norm > 0)
                {
                    for (int i = 0; i < x.Length; i++)
                    {
                        r[i] = (float)(x[i] / norm);
                    }
                }

                return r;
            case Half[] h:
                var rh = new Half[h.Length];
                for (int i = 0; i < h.Length; i++)
                {
                    rh[i] = norm > 0 ? (Half)((float)h[i] / norm) : Half.Zero;
                }

                return rh;
            case SparseVector s:
                return norm > 0 ? new SparseVector(s.Dimensions, s.Indices, s.Values.Select(x => (float)(x / norm)).ToArray()) : s;
            default:
                throw Unsupported("l2_normalize", v);
        }
    }

    /// <summary>binary_quantize: one bit per element, set when the element is positive.</summary>
    public static BitString BinaryQuantize(object v)
    {
        float[] x = v switch
        {
            float[] f => f,
            Half[] h => Array.ConvertAll(h, e => (float)e),
            _ => throw Unsupported("binary_quantize", v),
        };
        var bytes = new byte[(x.Length + 7) / 8];
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] > 0)
            {
                bytes[i >> 3] |= (byte)(0x80 >> (i & 7));
            }
        }

        return new BitString(x.Length, bytes);
    }

    /// <summary>subvector(v, start, count): 1-based start, as pgvector.</summary>
    public static object Subvector(object v, int start, int count)
    {
        int dim = v is float[] f ? f.Length : ((Half[])v).Length;
        long end = (long)start + count;
        if (count < 1)
        {
            throw new SqlException(SqlState.DataException, "vector must have at least 1 dimension");
        }

        int from = Math.Max(start, 1) - 1;
        int to = (int)Math.Min(end - 1, dim);
        if (to <= from)
        {
            throw new SqlException(SqlState.DataException, "vector must have at least 1 dimension");
        }

        return v is float[] fv ? fv[from..to] : ((Half[])v)[from..to];
    }

    /// <summary>Element-wise + - * of two vectors of equal dimensions (pgvector vector_add/sub/mul).</summary>
    public static object Arithmetic(char op, object a, object b)
    {
        if (a is float[] x)
        {
            var y = Same(x, b);
            var r = new float[x.Length];
            for (int i = 0; i < r.Length; i++)
            {
                r[i] = op switch { '+' => x[i] + y[i], '-' => x[i] - y[i], _ => x[i] * y[i] };
                if (float.IsInfinity(r[i]))
                {
                    throw new SqlException(SqlState.NumericValueOutOfRange, "value out of range: overflow");
                }
            }

            return r;
        }

        if (a is Half[] h)
        {
            var g = SameHalf(h, b);
            var r = new Half[h.Length];
            for (int i = 0; i < r.Length; i++)
            {
                float v = op switch { '+' => (float)h[i] + (float)g[i], '-' => (float)h[i] - (float)g[i], _ => (float)h[i] * (float)g[i] };
                r[i] = (Half)v;
            }

            return r;
        }

        throw Unsupported(op.ToString(), a);
    }

    /// <summary>vector || vector: concatenation.</summary>
    public static object Concat(object a, object b) => (a, b) switch
    {
        (float[] x, float[] y) => (float[])[.. x, .. y],
        (Half[] x, Half[] y) => (Half[])[.. x, .. y],
        _ => throw Unsupported("||", a),
    };

    public static int Dimensions(object v) => v switch
    {
        float[] f => f.Length,
        Half[] h => h.Length,
        SparseVector s => s.Dimensions,
        _ => throw Unsupported("vector_dims", v),
    };

    private static float[] Same(float[] a, object b)
    {
        var y = b as float[] ?? throw Unsupported("vector", b);
        if (a.Length != y.Length)
        {
            throw DifferentDimensions(a.Length, y.Length);
        }

        return y;
    }

    private static Half[] SameHalf(Half[] a, object b)
    {
        var y = b as Half[] ?? throw Unsupported("halfvec", b);
        if (a.Length != y.Length)
        {
            throw DifferentDimensions(a.Length, y.Length);
        }

        return y;
    }

    private static SparseVector SameSparse(SparseVector a, object b)
    {
        var y = b as SparseVector ?? throw Unsupported("sparsevec", b);
        if (a.Dimensions != y.Dimensions)
        {
            throw DifferentDimensions(a.Dimensions, y.Dimensions);
        }

        return y;
    }

    private static (BitString, BitString) SameBits(object a, object b)
    {
        var x = a as BitString ?? throw Unsupported("bit", a);
        var y = b as BitString ?? throw Unsupported("bit", b);
        if (x.Length != y.Length)
        {
            throw new SqlException(SqlState.DataException, $"different bit lengths {x.Length} and {y.Length}");
        }

        return (x, y);
    }

    /// <summary>pgvector's message for operands of different dimensions (SQLSTATE 22000).</summary>
    public static SqlException DifferentDimensions(int a, int b) =>
        new(SqlState.DataException, $"different vector dimensions {a} and {b}");

    private static SqlException Unsupported(string op, object v) =>
        new(SqlState.UndefinedFunction, $"operator does not exist for {v.GetType().Name}: {op}");

    private static float SparseDot(SparseVector a, SparseVector b)
    {
        float sum = 0;
        int i = 0, j = 0;
        while (i < a.Indices.Length && j < b.Indices.Length)
        {
            int c = a.Indices[i].CompareTo(b.Indices[j]);
            if (c == 0)
            {
                sum += a.Values[i++] * b.Values[j++];
            }
            else if (c < 0)
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return sum;
    }

    private static float SparseL2Squared(SparseVector a, SparseVector b) => SparseMerge(a, b, static d => d * d);

    private static float SparseL1(SparseVector a, SparseVector b) => SparseMerge(a, b, MathF.Abs);

    private static float SparseMerge(SparseVector a, SparseVector b, Func<float, float> f)
    {
        float sum = 0;
        int i = 0, j = 0;
        while (i < a.Indices.Length || j < b.Indices.Length)
        {
            int ai = i < a.Indices.Length ? a.Indices[i] : int.MaxValue;
            int bj = j < b.Indices.Length ? b.Indices[j] : int.MaxValue;
            if (ai == bj)
            {
                sum += f(a.Values[i++] - b.Values[j++]);
            }
            else if (ai < bj)
            {
                sum += f(a.Values[i++]);
            }
            else
            {
                sum += f(b.Values[j++]);
            }
        }

        return sum;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AnnSql.Index.Distance;

/// <summary>
/// float16 (halfvec) kernels: load halves as raw <see cref="ushort"/> lanes, widen to float in registers
/// (<see cref="HalfBits"/>), accumulate in float as pgvector's halfvec functions do. Same cascade and
/// length contract as <see cref="FloatKernels"/>.
/// </summary>
[SkipLocalsInit]
internal static class HalfKernels
{
    /// <summary>Reduces the pair with <typeparamref name="TOp"/> on the widest accelerated path.</summary>
    public static float Sum<TOp>(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b)
        where TOp : struct, IPairAccumulator
    {
        if (Vector512.IsHardwareAccelerated && a.Length >= Vector512<ushort>.Count)
        {
            return SumV512<TOp>(a, b);
        }

        if (Vector256.IsHardwareAccelerated && a.Length >= Vector256<ushort>.Count)
        {
            return SumV256<TOp>(a, b);
        }

        if (Vector128.IsHardwareAccelerated && a.Length >= Vector128<ushort>.Count)
        {
            return SumV128<TOp>(a, b);
        }

        return SumScalar<TOp>(a, b);
    }

    /// <summary>Reduces the pair on one pinned path; checks lengths (used by tests).</summary>
    public static float Sum<TOp>(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b, SimdWidth width)
        where TOp : struct, IPairAccumulator
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        return width switch
        {
            SimdWidth.V512 => SumV512<TOp>(a, b),
            SimdWidth.V256 => SumV256<TOp>(a, b),
            SimdWidth.V128 => SumV128<TOp>(a, b),
            _ => SumScalar<TOp>(a, b),
        };
    }

    public static float SumV512<TOp>(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b)
        where TOp : struct, IPairAccumulator
    {
        int lanes = Vector512<ushort>.Count;
        int n = a.Length;
        int i = 0;
        ref ushort ra = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(a));
        ref ushort rb = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(b));
        Vector512<float> acc0 = Vector512<float>.Zero;
        Vector512<float> acc1 = Vector512<float>.Zero;

        // SAFETY: each load reads halves [i, i + lanes) with i + lanes <= n, and b.Length == n.
        for (; i <= n - lanes; i += lanes)
        {
            (Vector512<float> x0, Vector512<float> x1) = HalfBits.Widen(Vector512.LoadUnsafe(ref ra, (nuint)i));
            (Vector512<float> y0, Vector512<float> y1) = HalfBits.Widen(Vector512.LoadUnsafe(ref rb, (nuint)i));
            acc0 = TOp.Accumulate(acc0, x0, y0);
            acc1 = TOp.Accumulate(acc1, x1, y1);
        }

        float sum = Vector512.Sum(acc0 + acc1);
        if (i == n)
        {
            return sum;
        }

        return sum + (Vector256.IsHardwareAccelerated ? SumV256<TOp>(a[i..], b[i..]) : SumScalar<TOp>(a[i..], b[i..]));
    }

    public static float SumV256<TOp>(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b)
        where TOp : struct, IPairAccumulator
    {
        int lanes = Vector256<ushort>.Count;
        int n = a.Length;
        int i = 0;
        ref ushort ra = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(a));
        ref ushort rb = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(b));
        Vector256<float> acc0 = Vector256<float>.Zero;
        Vector256<float> acc1 = Vector256<float>.Zero;

        // SAFETY: each load reads halves [i, i + lanes) with i + lanes <= n, and b.Length == n.
        for (; i <= n - lanes; i += lanes)
        {
            (Vector256<float> x0, Vector256<float> x1) = HalfBits.Widen(Vector256.LoadUnsafe(ref ra, (nuint)i));
            (Vector256<float> y0, Vector256<float> y1) = HalfBits.Widen(Vector256.LoadUnsafe(ref rb, (nuint)i));
            acc0 = TOp.Accumulate(acc0, x0, y0);
            acc1 = TOp.Accumulate(acc1, x1, y1);
        }

        float sum = Vector256.Sum(acc0 + acc1);
        if (i == n)
        {
            return sum;
        }

        return sum + (Vector128.IsHardwareAccelerated ? SumV128<TOp>(a[i..], b[i..]) : SumScalar<TOp>(a[i..], b[i..]));
    }

    public static float SumV128<TOp>(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b)
        where TOp : struct, IPairAccumulator
    {
        int lanes = Vector128<ushort>.Count;
        int n = a.Length;
        int i = 0;
        ref ushort ra = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(a));
        ref ushort rb = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(b));
        Vector128<float> acc0 = Vector128<float>.Zero;
        Vector128<float> acc1 = Vector128<float>.Zero;

        // SAFETY: each load reads halves [i, i + lanes) with i + lanes <= n, and b.Length == n.
        for (; i <= n - lanes; i += lanes)
        {
            (Vector128<float> x0, Vector128<float> x1) = HalfBits.Widen(Vector128.LoadUnsafe(ref ra, (nuint)i));
            (Vector128<float> y0, Vector128<float> y1) = HalfBits.Widen(Vector128.LoadUnsafe(ref rb, (nuint)i));
            acc0 = TOp.Accumulate(acc0, x0, y0);
            acc1 = TOp.Accumulate(acc1, x1, y1);
        }

        float sum = Vector128.Sum(acc0 + acc1);
        return i == n ? sum : sum + SumScalar<TOp>(a[i..], b[i..]);
    }

    public static float SumScalar<TOp>(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b)
        where TOp : struct, IPairAccumulator
    {
        b = b[..a.Length];
        float acc = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            acc = TOp.Accumulate(acc, (float)a[i], (float)b[i]);
        }

        return acc;
    }

    /// <summary>dot(a, b), |a|^2 and |b|^2 in one pass, on the widest accelerated path.</summary>
    public static void DotAndNorms(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b, out float dot, out float normA2, out float normB2)
    {
        if (Vector512.IsHardwareAccelerated && a.Length >= Vector512<ushort>.Count)
        {
            DotAndNormsV512(a, b, out dot, out normA2, out normB2);
        }
        else if (Vector256.IsHardwareAccelerated && a.Length >= Vector256<ushort>.Count)
        {
            DotAndNormsV256(a, b, out dot, out normA2, out normB2);
        }
        else if (Vector128.IsHardwareAccelerated && a.Length >= Vector128<ushort>.Count)
        {
            DotAndNormsV128(a, b, out dot, out normA2, out normB2);
        }
        else
        {
            DotAndNormsScalar(a, b, out dot, out normA2, out normB2);
        }
    }

    /// <summary>dot and norms on one pinned path; checks lengths (used by tests).</summary>
    public static void DotAndNorms(
        ReadOnlySpan<Half> a, ReadOnlySpan<Half> b, SimdWidth width, out float dot, out float normA2, out float normB2)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        switch (width)
        {
            case SimdWidth.V512:
                DotAndNormsV512(a, b, out dot, out normA2, out normB2);
                break;
            case SimdWidth.V256:
                DotAndNormsV256(a, b, out dot, out normA2, out normB2);
                break;
            case SimdWidth.V128:
                DotAndNormsV128(a, b, out dot, out normA2, out normB2);
                break;
            default:
                DotAndNormsScalar(a, b, out dot, out normA2, out normB2);
                break;
        }
    }

    public static void DotAndNormsV512(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b, out float dot, out float normA2, out float normB2)
    {
        int lanes = Vector512<ushort>.Count;
        int n = a.Length;
        int i = 0;
        ref ushort ra = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(a));
        ref ushort rb = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(b));
        Vector512<float> d0 = Vector512<float>.Zero, d1 = Vector512<float>.Zero;
        Vector512<float> na0 = Vector512<float>.Zero, na1 = Vector512<float>.Zero;
        Vector512<float> nb0 = Vector512<float>.Zero, nb1 = Vector512<float>.Zero;

        // SAFETY: each load reads halves [i, i + lanes) with i + lanes <= n, and b.Length == n.
        for (; i <= n - lanes; i += lanes)
        {
            (Vector512<float> x0, Vector512<float> x1) = HalfBits.Widen(Vector512.LoadUnsafe(ref ra, (nuint)i));
            (Vector512<float> y0, Vector512<float> y1) = HalfBits.Widen(Vector512.LoadUnsafe(ref rb, (nuint)i));
            d0 = Vector512.MultiplyAddEstimate(x0, y0, d0);
            na0 = Vector512.MultiplyAddEstimate(x0, x0, na0);
            nb0 = Vector512.MultiplyAddEstimate(y0, y0, nb0);
            d1 = Vector512.MultiplyAddEstimate(x1, y1, d1);
            na1 = Vector512.MultiplyAddEstimate(x1, x1, na1);
            nb1 = Vector512.MultiplyAddEstimate(y1, y1, nb1);
        }

        dot = Vector512.Sum(d0 + d1);
        normA2 = Vector512.Sum(na0 + na1);
        normB2 = Vector512.Sum(nb0 + nb1);
        if (i < n)
        {
            float td, ta, tb;
            if (Vector256.IsHardwareAccelerated)
            {
                DotAndNormsV256(a[i..], b[i..], out td, out ta, out tb);
            }
            else
            {
                DotAndNormsScalar(a[i..], b[i..], out td, out ta, out tb);
            }

            dot += td;
            normA2 += ta;
            normB2 += tb;
        }
    }

    public static void DotAndNormsV256(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b, out float dot, out float normA2, out float normB2)
    {
        int lanes = Vector256<ushort>.Count;
        int n = a.Length;
        int i = 0;
        ref ushort ra = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(a));
        ref ushort rb = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(b));
        Vector256<float> d0 = Vector256<float>.Zero, d1 = Vector256<float>.Zero;
        Vector256<float> na0 = Vector256<float>.Zero, na1 = Vector256<float>.Zero;
        Vector256<float> nb0 = Vector256<float>.Zero, nb1 = Vector256<float>.Zero;

        // SAFETY: each load reads halves [i, i + lanes) with i + lanes <= n, and b.Length == n.
        for (; i <= n - lanes; i += lanes)
        {
            (Vector256<float> x0, Vector256<float> x1) = HalfBits.Widen(Vector256.LoadUnsafe(ref ra, (nuint)i));
            (Vector256<float> y0, Vector256<float> y1) = HalfBits.Widen(Vector256.LoadUnsafe(ref rb, (nuint)i));
            d0 = Vector256.MultiplyAddEstimate(x0, y0, d0);
            na0 = Vector256.MultiplyAddEstimate(x0, x0, na0);
            nb0 = Vector256.MultiplyAddEstimate(y0, y0, nb0);
            d1 = Vector256.MultiplyAddEstimate(x1, y1, d1);
            na1 = Vector256.MultiplyAddEstimate(x1, x1, na1);
            nb1 = Vector256.MultiplyAddEstimate(y1, y1, nb1);
        }

        dot = Vector256.Sum(d0 + d1);
        normA2 = Vector256.Sum(na0 + na1);
        normB2 = Vector256.Sum(nb0 + nb1);
        if (i < n)
        {
            float td, ta, tb;
            if (Vector128.IsHardwareAccelerated)
            {
                DotAndNormsV128(a[i..], b[i..], out td, out ta, out tb);
            }
            else
            {
                DotAndNormsScalar(a[i..], b[i..], out td, out ta, out tb);
            }

            dot += td;
            normA2 += ta;
            normB2 += tb;
        }
    }

    public static void DotAndNormsV128(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b, out float dot, out float normA2, out float normB2)
    {
        int lanes = Vector128<ushort>.Count;
        int n = a.Length;
        int i = 0;
        ref ushort ra = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(a));
        ref ushort rb = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(b));
        Vector128<float> d0 = Vector128<float>.Zero, d1 = Vector128<float>.Zero;
        Vector128<float> na0 = Vector128<float>.Zero, na1 = Vector128<float>.Zero;
        Vector128<float> nb0 = Vector128<float>.Zero, nb1 = Vector128<float>.Zero;

        // SAFETY: each load reads halves [i, i + lanes) with i + lanes <= n, and b.Length == n.
        for (; i <= n - lanes; i += lanes)
        {
            (Vector128<float> x0, Vector128<float> x1) = HalfBits.Widen(Vector128.LoadUnsafe(ref ra, (nuint)i));
            (Vector128<float> y0, Vector128<float> y1) = HalfBits.Widen(Vector128.LoadUnsafe(ref rb, (nuint)i));
            d0 = Vector128.MultiplyAddEstimate(x0, y0, d0);
            na0 = Vector128.MultiplyAddEstimate(x0, x0, na0);
            nb0 = Vector128.MultiplyAddEstimate(y0, y0, nb0);
            d1 = Vector128.MultiplyAddEstimate(x1, y1, d1);
            na1 = Vector128.MultiplyAddEstimate(x1, x1, na1);
            nb1 = Vector128.MultiplyAddEstimate(y1, y1, nb1);
        }

        dot = Vector128.Sum(d0 + d1);
        normA2 = Vector128.Sum(na0 + na1);
        normB2 = Vector128.Sum(nb0 + nb1);
        if (i < n)
        {
            DotAndNormsScalar(a[i..], b[i..], out float td, out float ta, out float tb);
            dot += td;
            normA2 += ta;
            normB2 += tb;
        }
    }

    public static void DotAndNormsScalar(ReadOnlySpan<Half> a, ReadOnlySpan<Half> b, out float dot, out float normA2, out float normB2)
    {
        b = b[..a.Length];
        float d = 0f, na = 0f, nb = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            float x = (float)a[i];
            float y = (float)b[i];
            d += x * y;
            na += x * x;
            nb += y * y;
        }

        dot = d;
        normA2 = na;
        normB2 = nb;
    }
}

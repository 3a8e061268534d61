using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AnnSql.Index.Distance;

/// <summary>
/// float32 kernels. Each width path runs its own main loop, then hands the remainder to the next narrower path
/// (Vector512 → Vector256 → Vector128 → scalar tail), so every path is complete on its own and testable alone.
/// Callers guarantee <c>a.Length == b.Length</c>; that is what makes the unchecked loads below in bounds.
/// </summary>
[SkipLocalsInit]
internal static class FloatKernels
{
    /// <summary>Reduces the pair with <typeparamref name="TOp"/> on the widest accelerated path.</summary>
    public static float Sum<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        where TOp : struct, IPairAccumulator
    {
        if (Vector512.IsHardwareAccelerated && a.Length >= Vector512<float>.Count)
        {
            return SumV512<TOp>(a, b);
        }

        if (Vector256.IsHardwareAccelerated && a.Length >= Vector256<float>.Count)
        {
            return SumV256<TOp>(a, b);
        }

        if (Vector128.IsHardwareAccelerated && a.Length >= Vector128<float>.Count)
        {
            return SumV128<TOp>(a, b);
        }

        return SumScalar<TOp>(a, b);
    }

    /// <summary>Reduces the pair on one pinned path; checks lengths (used by tests).</summary>
    public static float Sum<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, SimdWidth width)
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

    public static float SumV512<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        where TOp : struct, IPairAccumulator
    {
        const int Lanes = 16;
        int n = a.Length;
        int i = 0;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        Vector512<float> acc0 = Vector512<float>.Zero;
        Vector512<float> acc1 = Vector512<float>.Zero;
        Vector512<float> acc2 = Vector512<float>.Zero;
        Vector512<float> acc3 = Vector512<float>.Zero;

        // SAFETY: each load reads [i, i + Lanes) with i + 4 * Lanes <= n (or i + Lanes <= n below) and b.Length == n.
        // Four independent accumulators hide the FMA latency.
        for (; i <= n - (4 * Lanes); i += 4 * Lanes)
        {
            acc0 = TOp.Accumulate(acc0, Vector512.LoadUnsafe(ref ra, (nuint)i), Vector512.LoadUnsafe(ref rb, (nuint)i));
            acc1 = TOp.Accumulate(
                acc1, Vector512.LoadUnsafe(ref ra, (nuint)(i + Lanes)), Vector512.LoadUnsafe(ref rb, (nuint)(i + Lanes)));
            acc2 = TOp.Accumulate(
                acc2, Vector512.LoadUnsafe(ref ra, (nuint)(i + (2 * Lanes))), Vector512.LoadUnsafe(ref rb, (nuint)(i + (2 * Lanes))));
            acc3 = TOp.Accumulate(
                acc3, Vector512.LoadUnsafe(ref ra, (nuint)(i + (3 * Lanes))), Vector512.LoadUnsafe(ref rb, (nuint)(i + (3 * Lanes))));
        }

        for (; i <= n - Lanes; i += Lanes)
        {
            acc0 = TOp.Accumulate(acc0, Vector512.LoadUnsafe(ref ra, (nuint)i), Vector512.LoadUnsafe(ref rb, (nuint)i));
        }

        float sum = Vector512.Sum((acc0 + acc1) + (acc2 + acc3));
        if (i == n)
        {
            return sum;
        }

        return sum + (Vector256.IsHardwareAccelerated ? SumV256<TOp>(a[i..], b[i..]) : SumScalar<TOp>(a[i..], b[i..]));
    }

    public static float SumV256<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        where TOp : struct, IPairAccumulator
    {
        const int Lanes = 8;
        int n = a.Length;
        int i = 0;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        Vector256<float> acc0 = Vector256<float>.Zero;
        Vector256<float> acc1 = Vector256<float>.Zero;
        Vector256<float> acc2 = Vector256<float>.Zero;
        Vector256<float> acc3 = Vector256<float>.Zero;

        // SAFETY: as in SumV512; every load ends at or before n, and b.Length == n.
        for (; i <= n - (4 * Lanes); i += 4 * Lanes)
        {
            acc0 = TOp.Accumulate(acc0, Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i));
            acc1 = TOp.Accumulate(
                acc1, Vector256.LoadUnsafe(ref ra, (nuint)(i + Lanes)), Vector256.LoadUnsafe(ref rb, (nuint)(i + Lanes)));
            acc2 = TOp.Accumulate(
                acc2, Vector256.LoadUnsafe(ref ra, (nuint)(i + (2 * Lanes))), Vector256.LoadUnsafe(ref rb, (nuint)(i + (2 * Lanes))));
            acc3 = TOp.Accumulate(
                acc3, Vector256.LoadUnsafe(ref ra, (nuint)(i + (3 * Lanes))), Vector256.LoadUnsafe(ref rb, (nuint)(i + (3 * Lanes))));
        }

        for (; i <= n - Lanes; i += Lanes)
        {
            acc0 = TOp.Accumulate(acc0, Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i));
        }

        float sum = Vector256.Sum((acc0 + acc1) + (acc2 + acc3));
        if (i == n)
        {
            return sum;
        }

        return sum + (Vector128.IsHardwareAccelerated ? SumV128<TOp>(a[i..], b[i..]) : SumScalar<TOp>(a[i..], b[i..]));
    }

    public static float SumV128<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        where TOp : struct, IPairAccumulator
    {
        const int Lanes = 4;
        int n = a.Length;
        int i = 0;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        Vector128<float> acc0 = Vector128<float>.Zero;
        Vector128<float> acc1 = Vector128<float>.Zero;
        Vector128<float> acc2 = Vector128<float>.Zero;
        Vector128<float> acc3 = Vector128<float>.Zero;

        // SAFETY: as in SumV512; every load ends at or before n, and b.Length == n.
        for (; i <= n - (4 * Lanes); i += 4 * Lanes)
        {
            acc0 = TOp.Accumulate(acc0, Vector128.LoadUnsafe(ref ra, (nuint)i), Vector128.LoadUnsafe(ref rb, (nuint)i));
            acc1 = TOp.Accumulate(
                acc1, Vector128.LoadUnsafe(ref ra, (nuint)(i + Lanes)), Vector128.LoadUnsafe(ref rb, (nuint)(i + Lanes)));
            acc2 = TOp.Accumulate(
                acc2, Vector128.LoadUnsafe(ref ra, (nuint)(i + (2 * Lanes))), Vector128.LoadUnsafe(ref rb, (nuint)(i + (2 * Lanes))));
            acc3 = TOp.Accumulate(
                acc3, Vector128.LoadUnsafe(ref ra, (nuint)(i + (3 * Lanes))), Vector128.LoadUnsafe(ref rb, (nuint)(i + (3 * Lanes))));
        }

        for (; i <= n - Lanes; i += Lanes)
        {
            acc0 = TOp.Accumulate(acc0, Vector128.LoadUnsafe(ref ra, (nuint)i), Vector128.LoadUnsafe(ref rb, (nuint)i));
        }

        float sum = Vector128.Sum((acc0 + acc1) + (acc2 + acc3));
        return i == n ? sum : sum + SumScalar<TOp>(a[i..], b[i..]);
    }

    public static float SumScalar<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        where TOp : struct, IPairAccumulator
    {
        b = b[..a.Length];
        float acc = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            acc = TOp.Accumulate(acc, a[i], b[i]);
        }

        return acc;
    }

    /// <summary>dot(a, b), |a|^2 and |b|^2 in one pass, on the widest accelerated path.</summary>
    public static void DotAndNorms(ReadOnlySpan<float> a, ReadOnlySpan<float> b, out float dot, out float normA2, out float normB2)
    {
        if (Vector512.IsHardwareAccelerated && a.Length >= Vector512<float>.Count)
        {
            DotAndNormsV512(a, b, out dot, out normA2, out normB2);
        }
        else if (Vector256.IsHardwareAccelerated && a.Length >= Vector256<float>.Count)
        {
            DotAndNormsV256(a, b, out dot, out normA2, out normB2);
        }
        else if (Vector128.IsHardwareAccelerated && a.Length >= Vector128<float>.Count)
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
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, SimdWidth width, out float dot, out float normA2, out float normB2)
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

    public static void DotAndNormsV512(ReadOnlySpan<float> a, ReadOnlySpan<float> b, out float dot, out float normA2, out float normB2)
    {
        const int Lanes = 16;
        int n = a.Length;
        int i = 0;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        Vector512<float> d0 = Vector512<float>.Zero, d1 = Vector512<float>.Zero;
        Vector512<float> na0 = Vector512<float>.Zero, na1 = Vector512<float>.Zero;
        Vector512<float> nb0 = Vector512<float>.Zero, nb1 = Vector512<float>.Zero;

        // SAFETY: each load reads [i, i + Lanes) with i + 2 * Lanes <= n (or i + Lanes <= n below) and b.Length == n.
        for (; i <= n - (2 * Lanes); i += 2 * Lanes)
        {
            Vector512<float> x0 = Vector512.LoadUnsafe(ref ra, (nuint)i);
            Vector512<float> y0 = Vector512.LoadUnsafe(ref rb, (nuint)i);
            Vector512<float> x1 = Vector512.LoadUnsafe(ref ra, (nuint)(i + Lanes));
            Vector512<float> y1 = Vector512.LoadUnsafe(ref rb, (nuint)(i + Lanes));
            d0 = Vector512.MultiplyAddEstimate(x0, y0, d0);
            na0 = Vector512.MultiplyAddEstimate(x0, x0, na0);
            nb0 = Vector512.MultiplyAddEstimate(y0, y0, nb0);
            d1 = Vector512.MultiplyAddEstimate(x1, y1, d1);
            na1 = Vector512.MultiplyAddEstimate(x1, x1, na1);
            nb1 = Vector512.MultiplyAddEstimate(y1, y1, nb1);
        }

        for (; i <= n - Lanes; i += Lanes)
        {
            Vector512<float> x = Vector512.LoadUnsafe(ref ra, (nuint)i);
            Vector512<float> y = Vector512.LoadUnsafe(ref rb, (nuint)i);
            d0 = Vector512.MultiplyAddEstimate(x, y, d0);
            na0 = Vector512.MultiplyAddEstimate(x, x, na0);
            nb0 = Vector512.MultiplyAddEstimate(y, y, nb0);
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

    public static void DotAndNormsV256(ReadOnlySpan<float> a, ReadOnlySpan<float> b, out float dot, out float normA2, out float normB2)
    {
        const int Lanes = 8;
        int n = a.Length;
        int i = 0;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        Vector256<float> d0 = Vector256<float>.Zero, d1 = Vector256<float>.Zero;
        Vector256<float> na0 = Vector256<float>.Zero, na1 = Vector256<float>.Zero;
        Vector256<float> nb0 = Vector256<float>.Zero, nb1 = Vector256<float>.Zero;

        // SAFETY: as in DotAndNormsV512; every load ends at or before n, and b.Length == n.
        for (; i <= n - (2 * Lanes); i += 2 * Lanes)
        {
            Vector256<float> x0 = Vector256.LoadUnsafe(ref ra, (nuint)i);
            Vector256<float> y0 = Vector256.LoadUnsafe(ref rb, (nuint)i);
            Vector256<float> x1 = Vector256.LoadUnsafe(ref ra, (nuint)(i + Lanes));
            Vector256<float> y1 = Vector256.LoadUnsafe(ref rb, (nuint)(i + Lanes));
            d0 = Vector256.MultiplyAddEstimate(x0, y0, d0);
            na0 = Vector256.MultiplyAddEstimate(x0, x0, na0);
            nb0 = Vector256.MultiplyAddEstimate(y0, y0, nb0);
            d1 = Vector256.MultiplyAddEstimate(x1, y1, d1);
            na1 = Vector256.MultiplyAddEstimate(x1, x1, na1);
            nb1 = Vector256.MultiplyAddEstimate(y1, y1, nb1);
        }

        for (; i <= n - Lanes; i += Lanes)
        {
            Vector256<float> x = Vector256.LoadUnsafe(ref ra, (nuint)i);
            Vector256<float> y = Vector256.LoadUnsafe(ref rb, (nuint)i);
            d0 = Vector256.MultiplyAddEstimate(x, y, d0);
            na0 = Vector256.MultiplyAddEstimate(x, x, na0);
            nb0 = Vector256.MultiplyAddEstimate(y, y, nb0);
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

    public static void DotAndNormsV128(ReadOnlySpan<float> a, ReadOnlySpan<float> b, out float dot, out float normA2, out float normB2)
    {
        const int Lanes = 4;
        int n = a.Length;
        int i = 0;
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        Vector128<float> d0 = Vector128<float>.Zero, d1 = Vector128<float>.Zero;
        Vector128<float> na0 = Vector128<float>.Zero, na1 = Vector128<float>.Zero;
        Vector128<float> nb0 = Vector128<float>.Zero, nb1 = Vector128<float>.Zero;

        // SAFETY: as in DotAndNormsV512; every load ends at or before n, and b.Length == n.
        for (; i <= n - (2 * Lanes); i += 2 * Lanes)
        {
            Vector128<float> x0 = Vector128.LoadUnsafe(ref ra, (nuint)i);
            Vector128<float> y0 = Vector128.LoadUnsafe(ref rb, (nuint)i);
            Vector128<float> x1 = Vector128.LoadUnsafe(ref ra, (nuint)(i + Lanes));
            Vector128<float> y1 = Vector128.LoadUnsafe(ref rb, (nuint)(i + Lanes));
            d0 = Vector128.MultiplyAddEstimate(x0, y0, d0);
            na0 = Vector128.MultiplyAddEstimate(x0, x0, na0);
            nb0 = Vector128.MultiplyAddEstimate(y0, y0, nb0);
            d1 = Vector128.MultiplyAddEstimate(x1, y1, d1);
            na1 = Vector128.MultiplyAddEstimate(x1, x1, na1);
            nb1 = Vector128.MultiplyAddEstimate(y1, y1, nb1);
        }

        for (; i <= n - Lanes; i += Lanes)
        {
            Vector128<float> x = Vector128.LoadUnsafe(ref ra, (nuint)i);
            Vector128<float> y = Vector128.LoadUnsafe(ref rb, (nuint)i);
            d0 = Vector128.MultiplyAddEstimate(x, y, d0);
            na0 = Vector128.MultiplyAddEstimate(x, x, na0);
            nb0 = Vector128.MultiplyAddEstimate(y, y, nb0);
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

    public static void DotAndNormsScalar(ReadOnlySpan<float> a, ReadOnlySpan<float> b, out float dot, out float normA2, out float normB2)
    {
        b = b[..a.Length];
        float d = 0f, na = 0f, nb = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            float x = a[i];
            float y = b[i];
            d += x * y;
            na += x * x;
            nb += y * y;
        }

        dot = d;
        normA2 = na;
        normB2 = nb;
    }
}

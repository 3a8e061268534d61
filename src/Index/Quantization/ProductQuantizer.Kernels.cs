using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AnnSql.Index.Distance;

namespace AnnSql.Index.Quantization;

/// <summary>
/// The column kernel behind training, encoding and tables: one short vector x against many columns of a dimension-major
/// matrix (row d holds the columns' coordinate d), SIMD lanes running across columns. For a codebook chunk of width w this
/// computes the 256 partial distances in w × 32 eight-lane steps with x[d] broadcast, instead of 256 short kernel calls of
/// w floats each; for k-means++ seeding the columns are the sample points of a chunk. Each column's sum runs over d in
/// order on every path, so the paths differ only in fused versus separate multiply-add rounding.
/// </summary>
[SkipLocalsInit]
public sealed partial class ProductQuantizer
{
    /// <summary>
    /// distances[j] = Σ_d TOp(columns[d·stride + j], x[d]·scale) for j &lt; distances.Length, on the widest accelerated path.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="stride"/> is below the column count, or <paramref name="columns"/> is too short for x.Length rows.
    /// </exception>
    internal static void ColumnDistances<TOp>(
        ReadOnlySpan<float> x, float scale, ReadOnlySpan<float> columns, int stride, Span<float> distances)
        where TOp : struct, IPairAccumulator
    {
        CheckColumns(x.Length, columns.Length, stride, distances.Length);
        if (Vector512.IsHardwareAccelerated && distances.Length >= Vector512<float>.Count)
        {
            ColumnDistancesV512<TOp>(x, scale, columns, stride, distances);
        }
        else if (Vector256.IsHardwareAccelerated && distances.Length >= Vector256<float>.Count)
        {
            ColumnDistancesV256<TOp>(x, scale, columns, stride, distances);
        }
        else if (Vector128.IsHardwareAccelerated && distances.Length >= Vector128<float>.Count)
        {
            ColumnDistancesV128<TOp>(x, scale, columns, stride, distances);
        }
        else
        {
            ColumnDistancesScalar<TOp>(x, scale, columns, stride, distances);
        }
    }

    /// <summary>The column kernel on one pinned path (tests compare the paths with the scalar one).</summary>
    internal static void ColumnDistances<TOp>(
        ReadOnlySpan<float> x, float scale, ReadOnlySpan<float> columns, int stride, Span<float> distances, SimdWidth width)
        where TOp : struct, IPairAccumulator
    {
        CheckColumns(x.Length, columns.Length, stride, distances.Length);
        switch (width)
        {
            case SimdWidth.V512:
                ColumnDistancesV512<TOp>(x, scale, columns, stride, distances);
                break;
            case SimdWidth.V256:
                ColumnDistancesV256<TOp>(x, scale, columns, stride, distances);
                break;
            case SimdWidth.V128:
                ColumnDistancesV128<TOp>(x, scale, columns, stride, distances);
                break;
            default:
                ColumnDistancesScalar<TOp>(x, scale, columns, stride, distances);
                break;
        }
    }

    /// <summary>
    /// Index of the smallest of <paramref name="values"/> (the first on ties): a vector minimum, then a vector search for
    /// its first occurrence. Falls back to the scalar scan when a NaN hides the minimum.
    /// </summary>
    internal static int ArgMin(ReadOnlySpan<float> values)
    {
        const int Lanes = 8;
        int n = values.Length;
        if (!Vector256.IsHardwareAccelerated || n < Lanes)
        {
            return ArgMinScalar(values);
        }

        ref float r = ref MemoryMarshal.GetReference(values);

        // SAFETY: every load reads [j, j + Lanes) with j + Lanes <= n.
        Vector256<float> m = Vector256.LoadUnsafe(ref r);
        int j = Lanes;
        for (; j <= n - Lanes; j += Lanes)
        {
            m = Vector256.MinNative(m, Vector256.LoadUnsafe(ref r, (nuint)j));
        }

        Vector128<float> half = Vector128.MinNative(m.GetLower(), m.GetUpper());
        float min = Math.Min(Math.Min(half[0], half[1]), Math.Min(half[2], half[3]));
        for (; j < n; j++)
        {
            min = values[j] < min ? values[j] : min;
        }

        Vector256<float> target = Vector256.Create(min);
        for (j = 0; j <= n - Lanes; j += Lanes)
        {
            uint hits = Vector256.Equals(Vector256.LoadUnsafe(ref r, (nuint)j), target).ExtractMostSignificantBits();
            if (hits != 0)
            {
                return j + BitOperations.TrailingZeroCount(hits);
            }
        }

        for (; j < n; j++)
        {
            if (values[j] == min)
            {
                return j;
            }
        }

        return ArgMinScalar(values);
    }

    /// <summary>Index of the smallest of <paramref name="values"/> (the first on ties), one comparison at a time.</summary>
    internal static int ArgMinScalar(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int j = 1; j < values.Length; j++)
        {
            if (values[j] < values[best])
            {
                best = j;
            }
        }

        return best;
    }

    private static void CheckColumns(int rows, int columnsLength, int stride, int count)
    {
        if (stride < count || (rows > 0 && columnsLength < ((long)(rows - 1) * stride) + count))
        {
            ThrowHelper.ThrowArgument(
                $"{columnsLength} floats at stride {stride} do not hold {rows} rows of {count} columns", nameof(columnsLength));
        }
    }

    private static void ColumnDistancesV512<TOp>(
        ReadOnlySpan<float> x, float scale, ReadOnlySpan<float> columns, int stride, Span<float> distances)
        where TOp : struct, IPairAccumulator
    {
        const int Lanes = 16;
        int rows = x.Length;
        int count = distances.Length;
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rc = ref MemoryMarshal.GetReference(columns);
        ref float rd = ref MemoryMarshal.GetReference(distances);
        int j = 0;

        // SAFETY: a load at row d reads columns [d·stride + j, d·stride + j + Lanes·k) with j + Lanes·k <= count, and
        // CheckColumns ensured (rows − 1)·stride + count <= columns.Length; stores end at or before count.
        // Four accumulators (64 columns) hide the multiply-add latency.
        for (; j <= count - (4 * Lanes); j += 4 * Lanes)
        {
            Vector512<float> acc0 = Vector512<float>.Zero;
            Vector512<float> acc1 = Vector512<float>.Zero;
            Vector512<float> acc2 = Vector512<float>.Zero;
            Vector512<float> acc3 = Vector512<float>.Zero;
            nuint at = (nuint)j;
            for (int d = 0; d < rows; d++, at += (nuint)stride)
            {
                Vector512<float> xd = Vector512.Create(Unsafe.Add(ref rx, d) * scale);
                acc0 = TOp.Accumulate(acc0, Vector512.LoadUnsafe(ref rc, at), xd);
                acc1 = TOp.Accumulate(acc1, Vector512.LoadUnsafe(ref rc, at + Lanes), xd);
                acc2 = TOp.Accumulate(acc2, Vector512.LoadUnsafe(ref rc, at + (2 * Lanes)), xd);
                acc3 = TOp.Accumulate(acc3, Vector512.LoadUnsafe(ref rc, at + (3 * Lanes)), xd);
            }

            acc0.StoreUnsafe(ref rd, (nuint)j);
            acc1.StoreUnsafe(ref rd, (nuint)(j + Lanes));
            acc2.StoreUnsafe(ref rd, (nuint)(j + (2 * Lanes)));
            acc3.StoreUnsafe(ref rd, (nuint)(j + (3 * Lanes)));
        }

        for (; j <= count - Lanes; j += Lanes)
        {
            Vector512<float> acc = Vector512<float>.Zero;
            nuint at = (nuint)j;
            for (int d = 0; d < rows; d++, at += (nuint)stride)
            {
                acc = TOp.Accumulate(acc, Vector512.LoadUnsafe(ref rc, at), Vector512.Create(Unsafe.Add(ref rx, d) * scale));
            }

            acc.StoreUnsafe(ref rd, (nuint)j);
        }

        if (j < count)
        {
            ColumnTail<TOp>(x, scale, columns, stride, distances, j, SimdWidth.V256);
        }
    }

    private static void ColumnDistancesV256<TOp>(
        ReadOnlySpan<float> x, float scale, ReadOnlySpan<float> columns, int stride, Span<float> distances)
        where TOp : struct, IPairAccumulator
    {
        const int Lanes = 8;
        int rows = x.Length;
        int count = distances.Length;
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rc = ref MemoryMarshal.GetReference(columns);
        ref float rd = ref MemoryMarshal.GetReference(distances);
        int j = 0;

        // SAFETY: as in ColumnDistancesV512; every load and store ends at or before column count of its row.
        for (; j <= count - (4 * Lanes); j += 4 * Lanes)
        {
            Vector256<float> acc0 = Vector256<float>.Zero;
            Vector256<float> acc1 = Vector256<float>.Zero;
            Vector256<float> acc2 = Vector256<float>.Zero;
            Vector256<float> acc3 = Vector256<float>.Zero;
            nuint at = (nuint)j;
            for (int d = 0; d < rows; d++, at += (nuint)stride)
            {
                Vector256<float> xd = Vector256.Create(Unsafe.Add(ref rx, d) * scale);
                acc0 = TOp.Accumulate(acc0, Vector256.LoadUnsafe(ref rc, at), xd);
                acc1 = TOp.Accumulate(acc1, Vector256.LoadUnsafe(ref rc, at + Lanes), xd);
                acc2 = TOp.Accumulate(acc2, Vector256.LoadUnsafe(ref rc, at + (2 * Lanes)), xd);
                acc3 = TOp.Accumulate(acc3, Vector256.LoadUnsafe(ref rc, at + (3 * Lanes)), xd);
            }

            acc0.StoreUnsafe(ref rd, (nuint)j);
            acc1.StoreUnsafe(ref rd, (nuint)(j + Lanes));
            acc2.StoreUnsafe(ref rd, (nuint)(j + (2 * Lanes)));
            acc3.StoreUnsafe(ref rd, (nuint)(j + (3 * Lanes)));
        }

        for (; j <= count - Lanes; j += Lanes)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            nuint at = (nuint)j;
            for (int d = 0; d < rows; d++, at += (nuint)stride)
            {
                acc = TOp.Accumulate(acc, Vector256.LoadUnsafe(ref rc, at), Vector256.Create(Unsafe.Add(ref rx, d) * scale));
            }

            acc.StoreUnsafe(ref rd, (nuint)j);
        }

        if (j < count)
        {
            ColumnTail<TOp>(x, scale, columns, stride, distances, j, SimdWidth.V128);
        }
    }

    private static void ColumnDistancesV128<TOp>(
        ReadOnlySpan<float> x, float scale, ReadOnlySpan<float> columns, int stride, Span<float> distances)
        where TOp : struct, IPairAccumulator
    {
        const int Lanes = 4;
        int rows = x.Length;
        int count = distances.Length;
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rc = ref MemoryMarshal.GetReference(columns);
        ref float rd = ref MemoryMarshal.GetReference(distances);
        int j = 0;

        // SAFETY: as in ColumnDistancesV512; every load and store ends at or before column count of its row.
        for (; j <= count - (4 * Lanes); j += 4 * Lanes)
        {
            Vector128<float> acc0 = Vector128<float>.Zero;
            Vector128<float> acc1 = Vector128<float>.Zero;
            Vector128<float> acc2 = Vector128<float>.Zero;
            Vector128<float> acc3 = Vector128<float>.Zero;
            nuint at = (nuint)j;
            for (int d = 0; d < rows; d++, at += (nuint)stride)
            {
                Vector128<float> xd = Vector128.Create(Unsafe.Add(ref rx, d) * scale);
                acc0 = TOp.Accumulate(acc0, Vector128.LoadUnsafe(ref rc, at), xd);
                acc1 = TOp.Accumulate(acc1, Vector128.LoadUnsafe(ref rc, at + Lanes), xd);
                acc2 = TOp.Accumulate(acc2, Vector128.LoadUnsafe(ref rc, at + (2 * Lanes)), xd);
                acc3 = TOp.Accumulate(acc3, Vector128.LoadUnsafe(ref rc, at + (3 * Lanes)), xd);
            }

            acc0.StoreUnsafe(ref rd, (nuint)j);
            acc1.StoreUnsafe(ref rd, (nuint)(j + Lanes));
            acc2.StoreUnsafe(ref rd, (nuint)(j + (2 * Lanes)));
            acc3.StoreUnsafe(ref rd, (nuint)(j + (3 * Lanes)));
        }

        for (; j <= count - Lanes; j += Lanes)
        {
            Vector128<float> acc = Vector128<float>.Zero;
            nuint at = (nuint)j;
            for (int d = 0; d < rows; d++, at += (nuint)stride)
            {
                acc = TOp.Accumulate(acc, Vector128.LoadUnsafe(ref rc, at), Vector128.Create(Unsafe.Add(ref rx, d) * scale));
            }

            acc.StoreUnsafe(ref rd, (nuint)j);
        }

        if (j < count)
        {
            ColumnDistancesScalar<TOp>(x, scale, columns[j..], stride, distances[j..]);
        }
    }

    private static void ColumnDistancesScalar<TOp>(
        ReadOnlySpan<float> x, float scale, ReadOnlySpan<float> columns, int stride, Span<float> distances)
        where TOp : struct, IPairAccumulator
    {
        for (int j = 0; j < distances.Length; j++)
        {
            float acc = 0f;
            for (int d = 0; d < x.Length; d++)
            {
                acc = TOp.Accumulate(acc, columns[(d * stride) + j], x[d] * scale);
            }

            distances[j] = acc;
        }
    }

    /// <summary>Columns [from, count) on the next narrower path that is accelerated and not wider than what is left.</summary>
    private static void ColumnTail<TOp>(
        ReadOnlySpan<float> x, float scale, ReadOnlySpan<float> columns, int stride, Span<float> distances, int from, SimdWidth widest)
        where TOp : struct, IPairAccumulator
    {
        ReadOnlySpan<float> rest = columns[from..];
        Span<float> output = distances[from..];
        if (widest >= SimdWidth.V256 && Vector256.IsHardwareAccelerated && output.Length >= Vector256<float>.Count)
        {
            ColumnDistancesV256<TOp>(x, scale, rest, stride, output);
        }
        else if (Vector128.IsHardwareAccelerated && output.Length >= Vector128<float>.Count)
        {
            ColumnDistancesV128<TOp>(x, scale, rest, stride, output);
        }
        else
        {
            ColumnDistancesScalar<TOp>(x, scale, rest, stride, output);
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AnnSql.Index.Distance;

namespace AnnSql.Index.Quantization;

public sealed partial class ProductQuantizer
{
    /// <summary>
    /// The approximate distance of one code (Chunks bytes) through a table from <see cref="ComputeDistanceTable"/>: the sum
    /// of table[c·256 + code[c]], chunk after chunk from a 0 start (the scalar reference the batched form is tested against).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="table"/> is shorter than code.Length × 256 floats.</exception>
    public static float Distance(ReadOnlySpan<float> table, ReadOnlySpan<byte> code)
    {
        if (table.Length < (long)code.Length * CentroidsPerChunk)
        {
            ThrowHelper.ThrowArgument($"table has {table.Length} floats for {code.Length} chunks", nameof(table));
        }

        float sum = 0f;
        for (int c = 0; c < code.Length; c++)
        {
            sum += table[(c * CentroidsPerChunk) + code[c]];
        }

        return sum;
    }

    /// <summary>
    /// Approximate distances of the codes of points <paramref name="ids"/> (codes stored row-major in <paramref name="codes"/>,
    /// <paramref name="chunks"/> bytes each) through <paramref name="table"/>, into <paramref name="distances"/>[i]; SIMD
    /// (gathers of eight table entries at a time) where the hardware has it, the same sums as <see cref="Distance"/>.
    /// </summary>
    /// <remarks>
    /// With AVX2, eight ids go together: a 32-bit load from each of the eight codes fetches four chunks' bytes, and four
    /// gathers (<see cref="Avx2.GatherVector256(float*, Vector256{int}, byte)"/>) of table entries add those chunks to eight
    /// lane sums; each lane adds its chunks in order from 0, exactly as <see cref="Distance"/> does, so both give the same
    /// floats. Leftover ids (fewer than eight) and machines without AVX2 use <see cref="Distance"/>. Allocation-free.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// <paramref name="chunks"/> is not positive, <paramref name="table"/> is shorter than chunks × 256 floats,
    /// <paramref name="distances"/> is shorter than <paramref name="ids"/>, or an id has no code in <paramref name="codes"/>
    /// (id ≥ codes.Length / chunks).
    /// </exception>
    public static void Distances(
        ReadOnlySpan<float> table, ReadOnlySpan<byte> codes, int chunks, ReadOnlySpan<uint> ids, Span<float> distances)
    {
        if (chunks <= 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(chunks), chunks, "chunks must be positive");
        }

        if (table.Length < (long)chunks * CentroidsPerChunk)
        {
            ThrowHelper.ThrowArgument($"table has {table.Length} floats for {chunks} chunks", nameof(table));
        }

        if (distances.Length < ids.Length)
        {
            ThrowHelper.ThrowArgument($"distances has {distances.Length} slots for {ids.Length} ids", nameof(distances));
        }

        uint codeCount = (uint)(codes.Length / chunks);
        foreach (uint id in ids)
        {
            if (id >= codeCount)
            {
                ThrowHelper.ThrowArgument($"id {id} has no code: {codeCount} codes of {chunks} bytes", nameof(ids));
            }
        }

        int done = 0;
        if (Avx2.IsSupported && ids.Length >= Vector256<int>.Count)
        {
            done = DistancesAvx2(table, codes, chunks, ids, distances);
        }

        for (int i = done; i < ids.Length; i++)
        {
            distances[i] = Distance(table, codes.Slice((int)ids[i] * chunks, chunks));
        }
    }

    /// <summary>The scalar form of <see cref="Distances"/>: <see cref="Distance"/> per id (a benchmark baseline).</summary>
    internal static void DistancesScalar(
        ReadOnlySpan<float> table, ReadOnlySpan<byte> codes, int chunks, ReadOnlySpan<uint> ids, Span<float> distances)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            distances[i] = Distance(table, codes.Slice((int)ids[i] * chunks, chunks));
        }
    }

    /// <summary>
    /// The AVX2 body of <see cref="Distances"/> over the first ⌊ids.Length / 8⌋ × 8 ids; returns how many it did. The caller
    /// checked the table length, the distances length and that every id is below codes.Length / chunks.
    /// </summary>
    /// <remarks>
    /// The code words come from eight plain 32-bit loads rather than a gather: on AMD Zen 4 that was about 15% faster per
    /// code than gathering them too (the table gathers are what the hardware cannot do with plain loads).
    /// </remarks>
    private static unsafe int DistancesAvx2(
        ReadOnlySpan<float> table, ReadOnlySpan<byte> codes, int chunks, ReadOnlySpan<uint> ids, Span<float> distances)
    {
        const int Lanes = 8;
        int count = ids.Length - (ids.Length % Lanes);
        Vector256<int> low = Vector256.Create(0xFF);
        nuint stride = (nuint)chunks;
        fixed (float* t = table)
        fixed (byte* c = codes)
        fixed (uint* pid = ids)
        fixed (float* output = distances)
        {
            // SAFETY: every id is below codes.Length / chunks, so each code row [id·chunks, id·chunks + chunks) lies in codes.
            // Word loads read row bytes [k, k + 4) with k + 4 <= chunks and byte loads row byte k < chunks, inside the row.
            // Indices are code bytes (0..255), so table gathers read t[k·256 + b] with k < chunks, inside the table (at
            // least chunks × 256 floats). Id loads and distance stores touch [i, i + 8) with i + 8 <= count <= ids.Length.
            for (int i = 0; i < count; i += Lanes)
            {
                byte* r0 = c + (pid[i] * stride);
                byte* r1 = c + (pid[i + 1] * stride);
                byte* r2 = c + (pid[i + 2] * stride);
                byte* r3 = c + (pid[i + 3] * stride);
                byte* r4 = c + (pid[i + 4] * stride);
                byte* r5 = c + (pid[i + 5] * stride);
                byte* r6 = c + (pid[i + 6] * stride);
                byte* r7 = c + (pid[i + 7] * stride);
                Vector256<float> sum = Vector256<float>.Zero;
                float* entries = t;
                int k = 0;
                for (; k <= chunks - 4; k += 4, entries += 4 * CentroidsPerChunk)
                {
                    Vector256<int> word = Vector256.Create(
                        Unaligned(r0 + k), Unaligned(r1 + k), Unaligned(r2 + k), Unaligned(r3 + k),
                        Unaligned(r4 + k), Unaligned(r5 + k), Unaligned(r6 + k), Unaligned(r7 + k));
                    sum += Avx2.GatherVector256(entries, word & low, 4);
                    sum += Avx2.GatherVector256(entries + CentroidsPerChunk, Avx2.ShiftRightLogical(word, 8) & low, 4);
                    sum += Avx2.GatherVector256(entries + (2 * CentroidsPerChunk), Avx2.ShiftRightLogical(word, 16) & low, 4);
                    sum += Avx2.GatherVector256(entries + (3 * CentroidsPerChunk), Avx2.ShiftRightLogical(word, 24), 4);
                }

                for (; k < chunks; k++, entries += CentroidsPerChunk)
                {
                    Vector256<int> index = Vector256.Create(r0[k], r1[k], r2[k], r3[k], r4[k], r5[k], r6[k], (int)r7[k]);
                    sum += Avx2.GatherVector256(entries, index, 4);
                }

                Avx.Store(output + i, sum);
            }
        }

        return count;
    }

    /// <summary>The 32-bit word at <paramref name="address"/>: four code bytes, the first in the low byte (x86 is little-endian).</summary>
    private static unsafe int Unaligned(byte* address) => Unsafe.ReadUnaligned<int>(address);
}

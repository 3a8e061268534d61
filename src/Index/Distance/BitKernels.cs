using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AnnSql.Index.Distance;

/// <summary>
/// Popcount kernels for pgvector's <c>bit</c> type, 8 bytes per step with hardware popcount, then a byte tail
/// (pgvector src/bitvec.c does the same). .NET 10 exposes no x86 vector popcount, and scalar POPCNT on 64-bit words
/// already runs at load throughput. Callers guarantee <c>a.Length == b.Length</c>.
/// </summary>
[SkipLocalsInit]
internal static class BitKernels
{
    public static int Hamming(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        ReadOnlySpan<ulong> wa = MemoryMarshal.Cast<byte, ulong>(a);
        ReadOnlySpan<ulong> wb = MemoryMarshal.Cast<byte, ulong>(b)[..wa.Length];
        int c0 = 0, c1 = 0;
        int i = 0;
        for (; i + 1 < wa.Length; i += 2)
        {
            c0 += BitOperations.PopCount(wa[i] ^ wb[i]);
            c1 += BitOperations.PopCount(wa[i + 1] ^ wb[i + 1]);
        }

        if (i < wa.Length)
        {
            c0 += BitOperations.PopCount(wa[i] ^ wb[i]);
        }

        for (int j = wa.Length * sizeof(ulong); j < a.Length; j++)
        {
            c1 += BitOperations.PopCount((uint)(a[j] ^ b[j]));
        }

        return c0 + c1;
    }

    public static void JaccardCounts(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, out int intersection, out int union)
    {
        ReadOnlySpan<ulong> wa = MemoryMarshal.Cast<byte, ulong>(a);
        ReadOnlySpan<ulong> wb = MemoryMarshal.Cast<byte, ulong>(b)[..wa.Length];
        int and = 0, or = 0;
        for (int i = 0; i < wa.Length; i++)
        {
            ulong x = wa[i];
            ulong y = wb[i];
            and += BitOperations.PopCount(x & y);
            or += BitOperations.PopCount(x | y);
        }

        for (int j = wa.Length * sizeof(ulong); j < a.Length; j++)
        {
            and += BitOperations.PopCount((uint)(a[j] & b[j]));
            or += BitOperations.PopCount((uint)(a[j] | b[j]));
        }

        intersection = and;
        union = or;
    }
}

namespace AnnSql.Index.Distance;

/// <summary>Bit-string distances for pgvector's <c>bit(n)</c>; inputs are the packed bytes, padding bits zero.</summary>
public static partial class VectorDistances
{
    /// <summary>Hamming distance: number of differing bits, popcount(a xor b).</summary>
    public static int Hamming(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        return BitKernels.Hamming(a, b);
    }

    /// <summary>popcount(a and b) and popcount(a or b), the two counts Jaccard distance is built from.</summary>
    public static void JaccardCounts(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, out int intersection, out int union)
    {
        ThrowHelper.CheckSameLength(a.Length, b.Length);
        BitKernels.JaccardCounts(a, b, out intersection, out union);
    }

    /// <summary>
    /// Jaccard distance 1 - |a and b| / |a or b|; 1 when the intersection is empty, including two all-zero
    /// strings (pgvector src/bitvec.c <c>jaccard_distance</c>).
    /// </summary>
    public static double JaccardDistance(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        JaccardCounts(a, b, out int intersection, out int union);
        return intersection == 0 ? 1.0 : 1.0 - (intersection / (double)union);
    }
}

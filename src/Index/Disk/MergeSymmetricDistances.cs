using System.Diagnostics.CodeAnalysis;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AnnSql.Index.Distance;
using AnnSql.Index.Quantization;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// Distances between two PQ codes by symmetric distance computation (SDC, Jégou, Douze and Schmid, TPAMI 2011, §3.1):
/// per chunk, the distance between the two codes' centroids, read from a 256 × 256 table of centroid pairs, summed over the
/// chunks. It is the distance between the codes' decoded vectors (squared L2, or the negative dot product for
/// InnerProduct and Cosine, whose decoded vectors approximate unit vectors: the cosine distance minus 1, as the ADC tables
/// give it) at the cost of one table lookup per chunk.
/// </summary>
/// <remarks>
/// StreamingMerge prunes with it (FreshDiskANN, arXiv 2105.09613, §5: the candidates' full-precision vectors are on the
/// SSD, so RobustPrune's distances between candidates come from their codes). The tables take Chunks × 256 KiB (25 MiB
/// for 784 dimensions in 98 chunks).
/// </remarks>
internal sealed class MergeSymmetricDistances
{
    private const int K = ProductQuantizer.CentroidsPerChunk;

    /// <summary>Chunks summed together by a gather.</summary>
    private const int Lanes = 8;

    /// <summary>Chunk c's distance between centroids a and b at <c>(c · 256 + a) · 256 + b</c>.</summary>
    private readonly float[] _table;

    private MergeSymmetricDistances(float[] table, int chunks)
    {
        _table = table;
        Chunks = chunks;
    }

    /// <summary>Bytes of a code.</summary>
    public int Chunks { get; }

    /// <summary>Bytes of the tables.</summary>
    public long MemoryBytes => (long)_table.Length * sizeof(float);

    /// <summary>Builds the tables of <paramref name="quantizer"/>'s codebooks on up to <paramref name="threads"/> threads.</summary>
    /// <exception cref="NotSupportedException">More chunks than one array of tables can hold (32,767).</exception>
    public static MergeSymmetricDistances From(ProductQuantizer quantizer, int threads, CancellationToken cancellationToken)
    {
        int chunks = quantizer.Chunks;
        if ((long)chunks * K * K > Array.MaxLength)
        {
            throw new NotSupportedException($"symmetric distance tables for {chunks} chunks exceed one array");
        }

        int dimensions = quantizer.Dimensions;

        // Centroid j of every chunk is the decoded vector of the code whose bytes are all j: row j of this matrix.
        float[] centroids = new float[K * dimensions];
        byte[] code = new byte[chunks];
        for (int j = 0; j < K; j++)
        {
            code.AsSpan().Fill((byte)j);
            quantizer.Decode(code, centroids.AsSpan(j * dimensions, dimensions));
        }

        bool squaredL2 = quantizer.Metric == Metric.L2;
        float[] table = new float[(long)chunks * K * K];
        CallerParallel.For(chunks, 1, threads, (start, end) =>
        {
            for (int c = start; c < end; c++)
            {
                int first = quantizer.ChunkStart(c);
                int width = quantizer.ChunkStart(c + 1) - first;
                Span<float> block = table.AsSpan(c * K * K, K * K);
                for (int a = 0; a < K; a++)
                {
                    ReadOnlySpan<float> x = centroids.AsSpan((a * dimensions) + first, width);
                    for (int b = a; b < K; b++)
                    {
                        ReadOnlySpan<float> y = centroids.AsSpan((b * dimensions) + first, width);
                        float distance = squaredL2 ? L2Kernel.Distance(x, y) : InnerProductKernel.Distance(x, y);
                        block[(a * K) + b] = distance;
                        block[(b * K) + a] = distance;
                    }
                }
            }
        }, cancellationToken);
        return new MergeSymmetricDistances(table, chunks);
    }

    /// <summary>
    /// The SDC distance between codes <paramref name="a"/> and <paramref name="b"/> (Chunks bytes each): eight running sums
    /// over chunks c ≡ 0..7 (mod 8) up to the last whole group of eight, added in lane order, then the remaining chunks in
    /// order. With AVX2 the eight sums are the lanes of gathers of eight table entries at a time; otherwise
    /// <see cref="BetweenScalar"/>, which gives the same floats.
    /// </summary>
    public float Between(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length < Chunks || b.Length < Chunks)
        {
            ThrowShortCode(a.Length, b.Length);
        }

        return Avx2.IsSupported && Chunks >= Lanes ? BetweenAvx2(a, b) : BetweenScalar(a, b);
    }

    /// <summary>The scalar reference of <see cref="Between"/>: the same sums in the same order.</summary>
    internal float BetweenScalar(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        ReadOnlySpan<float> table = _table;
        int whole = Chunks - (Chunks % Lanes);
        Span<float> lanes = stackalloc float[Lanes];
        lanes.Clear();
        for (int c = 0; c < whole; c++)
        {
            lanes[c % Lanes] += table[(((c * K) + a[c]) * K) + b[c]];
        }

        float sum = 0f;
        foreach (float lane in lanes)
        {
            sum += lane;
        }

        for (int c = whole; c < Chunks; c++)
        {
            sum += table[(((c * K) + a[c]) * K) + b[c]];
        }

        return sum;
    }

    private unsafe float BetweenAvx2(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int whole = Chunks - (Chunks % Lanes);
        Vector256<int> blocks = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * (K * K);
        Vector256<int> step = Vector256.Create(Lanes * K * K);
        Vector256<float> sums = Vector256<float>.Zero;
        fixed (float* table = _table)
        fixed (byte* pa = a)
        fixed (byte* pb = b)
        {
            // SAFETY: a and b hold at least Chunks bytes (checked by Between), and 8-byte loads start at c ≤ whole − 8, so
            // they stay inside both. Lane l of group c reads entry ((c + l) · 256 + a[c + l]) · 256 + b[c + l] with
            // c + l < Chunks and code bytes below 256: inside the Chunks × 256 × 256 table.
            for (int c = 0; c < whole; c += Lanes)
            {
                Vector256<int> rows = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(*(ulong*)(pa + c)).AsByte());
                Vector256<int> columns = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(*(ulong*)(pb + c)).AsByte());
                Vector256<int> index = blocks + Avx2.ShiftLeftLogical(rows, 8) + columns;
                sums += Avx2.GatherVector256(table, index, sizeof(float));
                blocks += step;
            }

            float sum = 0f;
            for (int l = 0; l < Lanes; l++)
            {
                sum += sums.GetElement(l);
            }

            for (int c = whole; c < Chunks; c++)
            {
                sum += table[(((c * K) + pa[c]) * K) + pb[c]];
            }

            return sum;
        }
    }

    [DoesNotReturn]
    private void ThrowShortCode(int a, int b) =>
        throw new ArgumentException($"codes of {a} and {b} bytes, {Chunks} needed");
}

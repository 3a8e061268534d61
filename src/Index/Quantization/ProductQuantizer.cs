using AnnSql.Index.Distance;

namespace AnnSql.Index.Quantization;

/// <summary>
/// Product quantization (Jégou, Douze and Schmid, "Product Quantization for Nearest Neighbor Search", TPAMI 2011) as
/// DiskANN keeps it in RAM (Subramanya et al., NeurIPS 2019, §3.2): the dimensions are split into <see cref="Chunks"/>
/// contiguous sub-spaces, each with a codebook of <see cref="CentroidsPerChunk"/> centroids trained by k-means (k-means++
/// seeding, then Lloyd iterations) on a sample; a vector's code is one byte per chunk, the index of its nearest centroid.
/// A query is compared with codes through a distance table (asymmetric distance computation, ADC): table[c·256 + j] is the
/// query's partial distance to centroid j of chunk c, and a code's distance is the sum of its chunks' entries.
/// </summary>
/// <remarks>
/// <para>
/// Tables rank codes; their sums need not equal the metric's distance. L2 gives the approximate squared Euclidean
/// distance; InnerProduct the approximate negative dot product; Cosine normalizes vectors before training and encoding and
/// the query before its table is built, and gives the approximate negative dot product of the unit vectors, that is the
/// approximate cosine distance minus 1. Smaller is closer for all three.
/// </para>
/// <para>
/// Chunk c covers dimensions [<see cref="ChunkStart"/>(c), <see cref="ChunkStart"/>(c + 1)): the first
/// Dimensions mod Chunks chunks are one dimension wider than the rest, so Chunks need not divide Dimensions.
/// The codebooks are stored dimension-major: the 256 centroids' coordinates in dimension d are the 256 consecutive floats
/// at d·256, so one pass over a chunk's rows computes a vector's partial distances to all 256 centroids with SIMD lanes
/// running across centroids (used by training, encoding and tables alike).
/// </para>
/// <para>Immutable once trained; every method is safe to call from several threads.</para>
/// </remarks>
public sealed partial class ProductQuantizer
{
    /// <summary>Centroids per chunk (codes are one byte).</summary>
    public const int CentroidsPerChunk = 256;

    /// <summary>The widest vector a quantizer accepts (pgvector's limit is 16,000; loads reject larger headers).</summary>
    private const int MaxDimensions = 1 << 16;

    /// <summary>First dimension of each chunk, Chunks + 1 entries, the last = Dimensions.</summary>
    private readonly int[] _chunkStarts;

    /// <summary>Dimensions × 256 floats: _codebook[d·256 + j] is coordinate d of centroid j of the chunk holding d.</summary>
    private readonly float[] _codebook;

    private ProductQuantizer(Metric metric, int dimensions, int[] chunkStarts, float[] codebook)
    {
        Metric = metric;
        Dimensions = dimensions;
        _chunkStarts = chunkStarts;
        _codebook = codebook;
    }

    /// <summary>The metric the distance tables approximate: L2, InnerProduct or Cosine.</summary>
    public Metric Metric { get; }

    /// <summary>Vector dimensions.</summary>
    public int Dimensions { get; }

    /// <summary>Sub-spaces M, the bytes of one code.</summary>
    public int Chunks => _chunkStarts.Length - 1;

    /// <summary>Floats in a distance table: Chunks × 256.</summary>
    public int TableLength => Chunks * CentroidsPerChunk;

    /// <summary>Bytes of the codebooks (Dimensions × 256 float32 plus chunk bounds).</summary>
    public long MemoryBytes => ((long)_codebook.Length * sizeof(float)) + ((long)_chunkStarts.Length * sizeof(int));

    /// <summary>First dimension of chunk <paramref name="chunk"/> (0..Chunks; ChunkStart(Chunks) = Dimensions).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunk"/> is outside 0..Chunks.</exception>
    public int ChunkStart(int chunk)
    {
        if ((uint)chunk >= (uint)_chunkStarts.Length)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(chunk), chunk, $"chunk must be in 0..{Chunks}");
        }

        return _chunkStarts[chunk];
    }

    /// <summary>
    /// The automatic number of chunks (pq_chunks = 0): codes of about 1/32 of the float32 vector's bytes, that is one
    /// chunk per 8 dimensions: max(1, dimensions / 8), never more than <paramref name="dimensions"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimensions"/> is not positive.</exception>
    public static int DefaultChunks(int dimensions)
    {
        if (dimensions <= 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(dimensions), dimensions, "dimensions must be positive");
        }

        return Math.Min(dimensions, Math.Max(1, dimensions / 8));
    }

    /// <summary>
    /// Writes the code of <paramref name="vector"/> (Dimensions floats) into <paramref name="code"/> (Chunks bytes): per
    /// chunk, the centroid nearest by squared L2 (the lowest index on ties); Cosine normalizes the vector first (a zero
    /// vector stays zero). Allocation-free.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="vector"/> is not Dimensions long, or <paramref name="code"/> is shorter than Chunks.
    /// </exception>
    public void Encode(ReadOnlySpan<float> vector, Span<byte> code)
    {
        ThrowHelper.CheckSameLength(vector.Length, Dimensions);
        if (code.Length < Chunks)
        {
            ThrowHelper.ThrowArgument($"code has {code.Length} bytes for {Chunks} chunks", nameof(code));
        }

        float scale = Metric == Metric.Cosine ? InverseNorm(vector) : 1f;
        Span<float> distances = stackalloc float[CentroidsPerChunk];
        for (int c = 0; c < Chunks; c++)
        {
            int start = _chunkStarts[c];
            int end = _chunkStarts[c + 1];
            ColumnDistances<SquaredDifference>(
                vector[start..end], scale, _codebook.AsSpan(start * CentroidsPerChunk, (end - start) * CentroidsPerChunk),
                CentroidsPerChunk, distances);
            code[c] = (byte)ArgMin(distances);
        }
    }

    /// <summary>
    /// Writes the vector a code stands for (its centroids, chunk after chunk) into <paramref name="vector"/> (Dimensions
    /// floats). For Cosine this approximates the normalized vector.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="code"/> is not Chunks long, or <paramref name="vector"/> is not Dimensions long.
    /// </exception>
    public void Decode(ReadOnlySpan<byte> code, Span<float> vector)
    {
        ThrowHelper.CheckSameLength(code.Length, Chunks);
        ThrowHelper.CheckSameLength(vector.Length, Dimensions);
        for (int c = 0; c < Chunks; c++)
        {
            int centroid = code[c];
            for (int d = _chunkStarts[c]; d < _chunkStarts[c + 1]; d++)
            {
                vector[d] = _codebook[(d * CentroidsPerChunk) + centroid];
            }
        }
    }

    /// <summary>
    /// Fills <paramref name="table"/> (at least <see cref="TableLength"/> floats) with the query's per-chunk partial
    /// distances: L2 the squared distance to each centroid, InnerProduct −dot, Cosine −dot of the normalized query (a zero
    /// query gives zeros). Allocation-free.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="query"/> is not Dimensions long, or <paramref name="table"/> is shorter than TableLength.
    /// </exception>
    public void ComputeDistanceTable(ReadOnlySpan<float> query, Span<float> table)
    {
        ThrowHelper.CheckSameLength(query.Length, Dimensions);
        if (table.Length < TableLength)
        {
            ThrowHelper.ThrowArgument($"table has {table.Length} floats, {TableLength} needed", nameof(table));
        }

        // Product with a negative scale gives −dot directly: Σ c·(−s·q) = −s·Σ c·q, the negation being exact.
        float scale = Metric switch
        {
            Metric.L2 => 1f,
            Metric.InnerProduct => -1f,
            _ => -InverseNorm(query),
        };
        for (int c = 0; c < Chunks; c++)
        {
            int start = _chunkStarts[c];
            int end = _chunkStarts[c + 1];
            ReadOnlySpan<float> centroids = _codebook.AsSpan(start * CentroidsPerChunk, (end - start) * CentroidsPerChunk);
            Span<float> row = table.Slice(c * CentroidsPerChunk, CentroidsPerChunk);
            if (Metric == Metric.L2)
            {
                ColumnDistances<SquaredDifference>(query[start..end], scale, centroids, CentroidsPerChunk, row);
            }
            else
            {
                ColumnDistances<Product>(query[start..end], scale, centroids, CentroidsPerChunk, row);
            }
        }
    }

    /// <summary>The chunk bounds for <paramref name="chunks"/> chunks over <paramref name="dimensions"/> (wider chunks first).</summary>
    private static int[] ComputeChunkStarts(int dimensions, int chunks)
    {
        int[] starts = new int[chunks + 1];
        int width = dimensions / chunks;
        int wider = dimensions % chunks;
        for (int c = 0; c < chunks; c++)
        {
            starts[c + 1] = starts[c] + width + (c < wider ? 1 : 0);
        }

        return starts;
    }

    /// <summary>1 / |v| (the factor that normalizes <paramref name="vector"/>), 0 for a zero vector.</summary>
    private static float InverseNorm(ReadOnlySpan<float> vector) => InverseNorm(VectorDistances.NormSquared(vector));

    /// <summary>1 / sqrt(<paramref name="normSquared"/>) rounded once to float, 0 when the norm is zero.</summary>
    private static float InverseNorm(float normSquared) => normSquared > 0f ? (float)(1.0 / Math.Sqrt(normSquared)) : 0f;
}

using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Quantization;

public sealed partial class ProductQuantizer
{
    /// <summary>Version of the saved image this code writes and reads.</summary>
    private const int FormatVersion = 1;

    /// <summary>Bytes of the header: magic, version, metric, dimensions, chunks.</summary>
    private const int HeaderBytes = 8 + (4 * sizeof(int));

    /// <summary>Start of every message of <see cref="InvalidDataException"/> thrown by <see cref="Load"/>.</summary>
    private const string CorruptPrefix = "invalid product quantizer image: ";

    /// <summary>First bytes of a saved quantizer.</summary>
    private static ReadOnlySpan<byte> Magic => "ANNSQLPQ"u8;

    /// <summary>Bytes <see cref="Save"/> writes: header, chunk bounds, codebooks and the CRC-32C trailer.</summary>
    public long SavedBytes =>
        HeaderBytes + ((long)_chunkStarts.Length * sizeof(int)) + ((long)_codebook.Length * sizeof(float)) + sizeof(uint);

    /// <summary>
    /// Writes the quantizer (metric, dimensions, chunk bounds, codebooks) with a CRC-32C trailer, from the stream's current
    /// position (<see cref="SavedBytes"/> bytes; the stream is flushed, not closed, and may go on with other data).
    /// </summary>
    /// <remarks>
    /// Format version 1, little-endian: magic <c>ANNSQLPQ</c>; int32 version; int32 metric (<see cref="Distance.Metric"/>
    /// value); int32 dimensions; int32 chunks M; M + 1 int32 chunk starts (the last = dimensions); dimensions × 256 float32
    /// codebook values, dimension-major (value j of dimension d is coordinate d of centroid j of the chunk holding d);
    /// uint32 CRC-32C (<see cref="Storage.Crc32C"/>) of every byte before it.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not writable.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public void Save(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanWrite)
        {
            throw new ArgumentException("the destination stream is not writable", nameof(destination));
        }

        VamanaFileWriter writer = new(destination);
        writer.WriteBytes(Magic);
        writer.WriteInt32(FormatVersion);
        writer.WriteInt32((int)Metric);
        writer.WriteInt32(Dimensions);
        writer.WriteInt32(Chunks);
        writer.WriteInt32s(_chunkStarts);
        writer.WriteSingles(_codebook);
        writer.Flush();
        writer.WriteUInt32(writer.Checksum);
        writer.Flush();
        destination.Flush();
    }

    /// <summary>
    /// Reads a quantizer written by <see cref="Save"/> from the stream's current position, consuming exactly the bytes
    /// Save wrote (the stream is left just after the trailer, so the quantizer can be embedded in a larger file).
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// Damaged or not a quantizer: bad magic, unsupported version, a header value out of range, chunk bounds that are not
    /// <see cref="ChunkStart"/>'s, a CRC-32C mismatch, or a stream that ends early.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is not readable.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public static ProductQuantizer Load(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.CanRead)
        {
            throw new ArgumentException("the source stream is not readable", nameof(source));
        }

        try
        {
            return LoadImage(new VamanaFileReader(source));
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(CorruptPrefix, StringComparison.Ordinal))
        {
            // The reader's own error: the stream ended before the sections the header declared.
            throw Corrupt("truncated", e);
        }
    }

    private static ProductQuantizer LoadImage(VamanaFileReader reader)
    {
        reader.Declare(HeaderBytes);
        if (!reader.Take(Magic.Length).SequenceEqual(Magic))
        {
            throw Corrupt("bad magic: not a product quantizer image");
        }

        int version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw Corrupt($"unsupported format version {version}, expected {FormatVersion}");
        }

        Metric metric = (Metric)reader.ReadInt32();
        int dimensions = reader.ReadInt32();
        int chunks = reader.ReadInt32();
        if (metric is not (Metric.L2 or Metric.InnerProduct or Metric.Cosine))
        {
            throw Corrupt($"bad header: metric {(int)metric} is not L2, InnerProduct or Cosine");
        }

        if (dimensions <= 0 || dimensions > MaxDimensions || chunks <= 0 || chunks > dimensions)
        {
            throw Corrupt($"bad header: {dimensions} dimensions in {chunks} chunks");
        }

        int[] expected = ComputeChunkStarts(dimensions, chunks);
        int[] chunkStarts = new int[chunks + 1];
        reader.Declare((long)chunkStarts.Length * sizeof(int));
        reader.ReadInt32s(chunkStarts);
        if (!chunkStarts.AsSpan().SequenceEqual(expected))
        {
            throw Corrupt($"chunk bounds do not split {dimensions} dimensions into {chunks} chunks, wider chunks first");
        }

        float[] codebook = new float[dimensions * CentroidsPerChunk];
        reader.Declare((long)codebook.Length * sizeof(float));
        reader.ReadSingles(codebook);

        uint checksum = reader.Checksum;
        reader.Declare(sizeof(uint));
        uint stored = reader.ReadUInt32();
        if (stored != checksum)
        {
            throw Corrupt($"checksum mismatch: stored 0x{stored:x8}, computed 0x{checksum:x8}");
        }

        return new ProductQuantizer(metric, dimensions, chunkStarts, codebook);
    }

    private static InvalidDataException Corrupt(string message, Exception? inner = null) => new(CorruptPrefix + message, inner);
}

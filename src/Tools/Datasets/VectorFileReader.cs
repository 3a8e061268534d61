using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace AnnSql.Tools.Datasets;

/// <summary>Element type of a vector file.</summary>
public enum VectorElementType
{
    /// <summary>float32 (<c>.fbin</c>, <c>.fvecs</c>).</summary>
    Float32,

    /// <summary>uint8 (<c>.u8bin</c>, <c>.bvecs</c>).</summary>
    UInt8,

    /// <summary>int32 (<c>.ibin</c>, <c>.ivecs</c>): ground-truth ids.</summary>
    Int32,
}

/// <summary>
/// Streams the rows of a dense vector file, all little-endian, optionally gzip-compressed (<c>.gz</c>):
/// DiskANN's <c>.fbin</c>/<c>.u8bin</c>/<c>.ibin</c> (int32 n, int32 d, then n*d values) and the TEXMEX
/// <c>.fvecs</c>/<c>.bvecs</c>/<c>.ivecs</c> (per row: int32 d, then d values). An uncompressed file's size is checked
/// against its header when it is opened; a compressed file's length, and every <c>*vecs</c> row's dimension, as it is read.
/// Every error is an <see cref="InvalidDataException"/> naming the file and what is wrong.
/// </summary>
public sealed class VectorFileReader : IMatrixReader
{
    private static readonly string[] Extensions = [".fbin", ".u8bin", ".ibin", ".fvecs", ".bvecs", ".ivecs"];

    private readonly Stream _stream;
    private readonly int _rowBytes;
    private byte[] _buffer = [];
    private bool _firstRowPending;

    private VectorFileReader(string path, Stream stream, VectorElementType type, bool vecs, int dimensions, long? count, bool firstRowPending)
    {
        Path = path;
        _stream = stream;
        ElementType = type;
        IsVecs = vecs;
        Dimensions = dimensions;
        Count = count;
        _firstRowPending = firstRowPending;
        _rowBytes = (vecs ? sizeof(int) : 0) + (dimensions * ElementSize(type));
    }

    /// <summary>The file being read.</summary>
    public string Path { get; }

    /// <summary>The element type, from the file name's extension.</summary>
    public VectorElementType ElementType { get; }

    /// <summary>True for the TEXMEX <c>*vecs</c> layout (a dimension before every row).</summary>
    public bool IsVecs { get; }

    /// <summary>Values per row.</summary>
    public int Dimensions { get; }

    /// <summary>Rows in the file; null for a compressed <c>*vecs</c> file, whose length is unknown until its end.</summary>
    public long? Count { get; }

    /// <inheritdoc/>
    public string Name => Path;

    /// <inheritdoc/>
    public bool IsInteger => ElementType == VectorElementType.Int32;

    /// <summary>Rows read so far.</summary>
    public long RowsRead { get; private set; }

    /// <summary>True when <paramref name="path"/> names a format this reader understands (by extension, <c>.gz</c> allowed).</summary>
    public static bool IsVectorFile(string path) => TryGetFormat(path, out _, out _);

    /// <summary>The element type and layout named by <paramref name="path"/>'s extension.</summary>
    public static bool TryGetFormat(string path, out VectorElementType type, out bool vecs)
    {
        string name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        string extension = System.IO.Path.GetExtension(name).ToLowerInvariant();
        (type, vecs) = extension switch
        {
            ".fbin" => (VectorElementType.Float32, false),
            ".u8bin" => (VectorElementType.UInt8, false),
            ".ibin" => (VectorElementType.Int32, false),
            ".fvecs" => (VectorElementType.Float32, true),
            ".bvecs" => (VectorElementType.UInt8, true),
            ".ivecs" => (VectorElementType.Int32, true),
            _ => (VectorElementType.Float32, false),
        };
        return Array.IndexOf(Extensions, extension) >= 0;
    }

    /// <summary>
    /// The first existing file named <paramref name="stem"/> plus one of <paramref name="extensions"/> (each also tried with
    /// <c>.gz</c>) in <paramref name="directory"/>, or null.
    /// </summary>
    public static string? Find(string directory, string stem, params string[] extensions)
    {
        foreach (string extension in extensions)
        {
            string path = System.IO.Path.Combine(directory, stem + extension);
            if (File.Exists(path))
            {
                return path;
            }

            if (File.Exists(path + ".gz"))
            {
                return path + ".gz";
            }
        }

        return null;
    }

    /// <summary>Opens <paramref name="path"/> and reads its header.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Unknown extension, or a header that does not fit the file.</exception>
    public static VectorFileReader Open(string path)
    {
        if (!TryGetFormat(path, out VectorElementType type, out bool vecs))
        {
            throw new InvalidDataException($"{path}: unknown vector file extension; expected one of {string.Join(", ", Extensions)} (optionally .gz)");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        bool compressed = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        FileStream file = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Stream stream = compressed ? new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 16) : file;
        try
        {
            return OpenStream(path, stream, compressed ? null : file.Length, type, vecs);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static VectorFileReader OpenStream(string path, Stream stream, long? length, VectorElementType type, bool vecs)
    {
        int size = ElementSize(type);
        Span<byte> header = stackalloc byte[8];
        int headerBytes = vecs ? 4 : 8;
        int got = stream.ReadAtLeast(header[..headerBytes], headerBytes, throwOnEndOfStream: false);
        if (got == 0)
        {
            throw new InvalidDataException($"{path}: the file is empty");
        }

        if (got < headerBytes)
        {
            throw new InvalidDataException($"{path}: {got} bytes is too short for a {headerBytes}-byte header");
        }

        if (vecs)
        {
            int dim = BinaryPrimitives.ReadInt32LittleEndian(header);
            CheckDimensions(path, dim, "the first row's dimension");
            long rowBytes = 4 + ((long)dim * size);
            long? count = null;
            if (length is long total)
            {
                if (total % rowBytes != 0)
                {
                    throw new InvalidDataException(
                        $"{path}: {total} bytes is not a whole number of rows of {rowBytes} bytes (dimension {dim} from the first row); the file is truncated or not in this format");
                }

                count = total / rowBytes;
            }

            return new VectorFileReader(path, stream, type, vecs, dim, count, firstRowPending: true);
        }

        int rows = BinaryPrimitives.ReadInt32LittleEndian(header);
        int d = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        if (rows < 0)
        {
            throw new InvalidDataException($"{path}: the header's row count {rows} is negative");
        }

        CheckDimensions(path, d, "the header's dimension");
        long expected = 8 + ((long)rows * d * size);
        if (length is long actual && actual != expected)
        {
            throw new InvalidDataException(
                $"{path}: the header says {rows} x {d} values of {size} bytes, so {expected} bytes; the file has {actual}");
        }

        return new VectorFileReader(path, stream, type, vecs, d, rows, firstRowPending: false);
    }

    /// <summary>Reads the whole file into one row-major array of floats (uint8 values are widened).</summary>
    public static (float[] Values, int Rows, int Dimensions) ReadAllFloats(string path) =>
        ReadAll<float>(path, static (reader, chunk) => reader.Read(chunk));

    /// <summary>Reads the whole int32 file (<c>.ibin</c>, <c>.ivecs</c>) into one row-major array.</summary>
    public static (int[] Values, int Rows, int Dimensions) ReadAllInts(string path) =>
        ReadAll<int>(path, static (reader, chunk) => reader.Read(chunk));

    private delegate int ChunkReader<T>(VectorFileReader reader, Span<T> chunk);

    /// <summary>Reads <paramref name="path"/> in chunks of about 1 Mi values with <paramref name="read"/> and joins them.</summary>
    private static (T[] Values, int Rows, int Dimensions) ReadAll<T>(string path, ChunkReader<T> read)
    {
        using VectorFileReader reader = Open(path);
        List<T[]> chunks = [];
        int rows = 0;
        int chunkRows = Math.Max(1, (1 << 20) / reader.Dimensions);
        while (true)
        {
            T[] chunk = new T[chunkRows * reader.Dimensions];
            int n = read(reader, chunk);
            if (n == 0)
            {
                break;
            }

            chunks.Add(n == chunkRows ? chunk : chunk[..(n * reader.Dimensions)]);
            rows += n;
        }

        return (Concat(chunks, (long)rows * reader.Dimensions, path), rows, reader.Dimensions);
    }

    /// <summary>
    /// Reads up to <c>destination.Length / Dimensions</c> rows as floats (uint8 widened exactly) and returns how many;
    /// 0 at the end of the file.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is an int32 file, ends inside a row or before its header's count, or a <c>*vecs</c> row has another dimension.</exception>
    public int Read(Span<float> destination)
    {
        if (ElementType == VectorElementType.Int32)
        {
            throw new InvalidDataException($"{Path}: holds int32 ids, not vectors");
        }

        int rows = ReadRaw(destination.Length / Dimensions, out ReadOnlySpan<byte> raw);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<byte> row = raw.Slice((r * _rowBytes) + (IsVecs ? 4 : 0), _rowBytes - (IsVecs ? 4 : 0));
            Span<float> target = destination.Slice(r * Dimensions, Dimensions);
            if (ElementType == VectorElementType.UInt8)
            {
                for (int i = 0; i < row.Length; i++)
                {
                    target[i] = row[i];
                }
            }
            else if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.Cast<byte, float>(row).CopyTo(target);
            }
            else
            {
                for (int i = 0; i < target.Length; i++)
                {
                    target[i] = BinaryPrimitives.ReadSingleLittleEndian(row[(4 * i)..]);
                }
            }
        }

        return rows;
    }

    /// <summary>Reads up to <c>destination.Length / Dimensions</c> rows of an int32 file and returns how many; 0 at the end.</summary>
    /// <exception cref="InvalidDataException">The file does not hold int32 values, or is malformed as for <see cref="Read(Span{float})"/>.</exception>
    public int Read(Span<int> destination)
    {
        if (ElementType != VectorElementType.Int32)
        {
            throw new InvalidDataException($"{Path}: holds vectors, not int32 ids");
        }

        int rows = ReadRaw(destination.Length / Dimensions, out ReadOnlySpan<byte> raw);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<byte> row = raw.Slice((r * _rowBytes) + (IsVecs ? 4 : 0), _rowBytes - (IsVecs ? 4 : 0));
            Span<int> target = destination.Slice(r * Dimensions, Dimensions);
            for (int i = 0; i < target.Length; i++)
            {
                target[i] = BinaryPrimitives.ReadInt32LittleEndian(row[(4 * i)..]);
            }
        }

        return rows;
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();

    private int ReadRaw(int maxRows, out ReadOnlySpan<byte> raw)
    {
        if (maxRows <= 0)
        {
            throw new ArgumentException($"the destination holds less than one row of {Dimensions} values");
        }

        if (Count is long count)
        {
            maxRows = (int)Math.Min(maxRows, count - RowsRead);
        }

        long bytes = (long)maxRows * _rowBytes;
        if (bytes > Array.MaxLength)
        {
            maxRows = Array.MaxLength / _rowBytes;
            bytes = (long)maxRows * _rowBytes;
        }

        if (_buffer.Length < bytes)
        {
            _buffer = new byte[bytes];
        }

        Span<byte> span = _buffer.AsSpan(0, (int)bytes);
        int offset = 0;
        if (_firstRowPending && maxRows > 0)
        {
            // The first row's dimension was consumed by the header check.
            BinaryPrimitives.WriteInt32LittleEndian(span, Dimensions);
            offset = 4;
            _firstRowPending = false;
        }

        int got = offset + _stream.ReadAtLeast(span[offset..], span.Length - offset, throwOnEndOfStream: false);
        if (got % _rowBytes != 0)
        {
            throw new InvalidDataException($"{Path}: the file ends inside row {RowsRead + (got / _rowBytes)}");
        }

        int rows = got / _rowBytes;
        if (rows < maxRows && Count is long expected)
        {
            throw new InvalidDataException($"{Path}: the file ends after {RowsRead + rows} rows; its header says {expected}");
        }

        if (rows == 0 && Count is not null && _stream.ReadByte() >= 0)
        {
            throw new InvalidDataException($"{Path}: data after the {Count} rows its header announces");
        }

        if (IsVecs)
        {
            for (int r = 0; r < rows; r++)
            {
                int dim = BinaryPrimitives.ReadInt32LittleEndian(span[(r * _rowBytes)..]);
                if (dim != Dimensions)
                {
                    throw new InvalidDataException($"{Path}: row {RowsRead + r} has dimension {dim}; the first row has {Dimensions}");
                }
            }
        }

        RowsRead += rows;
        raw = span[..(rows * _rowBytes)];
        return rows;
    }

    private static void CheckDimensions(string path, int dim, string what)
    {
        // pgvector's vector type holds at most 16,000 dimensions; a larger value means the file is not in this format.
        if (dim is <= 0 or > 1 << 16)
        {
            throw new InvalidDataException($"{path}: {what} is {dim}; expected 1 to {1 << 16} (is the file in this format?)");
        }
    }

    private static int ElementSize(VectorElementType type) => type == VectorElementType.UInt8 ? 1 : 4;

    private static T[] Concat<T>(List<T[]> chunks, long total, string path)
    {
        if (total > Array.MaxLength)
        {
            throw new InvalidDataException($"{path}: {total} values do not fit in one array");
        }

        T[] all = new T[total];
        int at = 0;
        foreach (T[] chunk in chunks)
        {
            chunk.CopyTo(all, at);
            at += chunk.Length;
        }

        return all;
    }
}

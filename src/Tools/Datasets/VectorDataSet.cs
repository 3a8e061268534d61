using System.Buffers.Binary;
using System.IO.Compression;

namespace AnnSql.Tools.Datasets;

/// <summary>
/// A benchmark data set in DiskANN's binary layout: <c>base.fbin</c> (n x d float32), <c>query.fbin</c> (q x d float32)
/// and <c>gt.ibin</c> (q x k int32 ids of the exact nearest base rows by L2, nearest first). Each file may also be
/// gzip-compressed (<c>.gz</c>), stored as uint8 (<c>.u8bin</c>, e.g. the full 60k MNIST) or, for the vendored MNIST
/// copy, as uint16 thousandths (<c>.u16.gz</c>, see tests/data/README.md).
/// </summary>
public sealed class VectorDataSet
{
    private VectorDataSet(string directory, float[] baseRows, int count, int dim, float[] queries, int queryCount, int[] groundTruth, int groundTruthK)
    {
        Directory = directory;
        BaseRows = baseRows;
        Count = count;
        Dimensions = dim;
        Queries = queries;
        QueryCount = queryCount;
        GroundTruth = groundTruth;
        GroundTruthK = groundTruthK;
    }

    /// <summary>The folder the files were read from.</summary>
    public string Directory { get; }

    /// <summary>Base vectors, row-major, <see cref="Count"/> x <see cref="Dimensions"/>.</summary>
    public float[] BaseRows { get; }

    /// <summary>Number of base rows; row i is stored with id i.</summary>
    public int Count { get; }

    /// <summary>Vector dimensions.</summary>
    public int Dimensions { get; }

    /// <summary>Query vectors, row-major, <see cref="QueryCount"/> x <see cref="Dimensions"/>.</summary>
    public float[] Queries { get; }

    /// <summary>Number of queries.</summary>
    public int QueryCount { get; }

    /// <summary>Exact L2 neighbour ids, row-major, <see cref="QueryCount"/> x <see cref="GroundTruthK"/>.</summary>
    public int[] GroundTruth { get; }

    /// <summary>Neighbours per ground-truth row.</summary>
    public int GroundTruthK { get; }

    /// <summary>Each base row's first label (<c>base_labels.txt</c>, e.g. the MNIST digit); null when the file is absent.</summary>
    public int[]? BaseLabels { get; private init; }

    /// <summary>Each query's first label (<c>query_labels.txt</c>); null when the file is absent.</summary>
    public int[]? QueryLabels { get; private init; }

    /// <summary>
    /// Exact L2 neighbour ids among the base rows carrying the query's label (<c>gt_filtered.ibin</c>), row-major with
    /// <see cref="GroundTruthK"/> per query; null when the file is absent.
    /// </summary>
    public int[]? FilteredGroundTruth { get; private init; }

    /// <summary>Base row <paramref name="id"/>.</summary>
    public ReadOnlyMemory<float> Base(int id) => BaseRows.AsMemory(id * Dimensions, Dimensions);

    /// <summary>Query <paramref name="index"/>.</summary>
    public ReadOnlyMemory<float> Query(int index) => Queries.AsMemory(index * Dimensions, Dimensions);

    /// <summary>The first <paramref name="k"/> ground-truth ids of query <paramref name="index"/>.</summary>
    public ReadOnlySpan<int> Neighbours(int index, int k) => GroundTruth.AsSpan(index * GroundTruthK, Math.Min(k, GroundTruthK));

    /// <summary>Reads the data set in <paramref name="directory"/>.</summary>
    /// <exception cref="FileNotFoundException">A file is missing in every accepted form.</exception>
    /// <exception cref="InvalidDataException">A header does not match the file size, or the files disagree on shapes.</exception>
    public static VectorDataSet Load(string directory)
    {
        (float[] baseRows, int count, int dim) = ReadFloats(directory, "base");
        (float[] queries, int queryCount, int queryDim) = ReadFloats(directory, "query");
        (int[] gt, int gtCount, int gtK) = ReadInts(directory, "gt");
        if (queryDim != dim || gtCount != queryCount)
        {
            throw new InvalidDataException(
                $"{directory}: base is {count} x {dim}, query {queryCount} x {queryDim}, ground truth {gtCount} x {gtK}");
        }

        int[]? filtered = null;
        if (File.Exists(Path.Combine(directory, "gt_filtered.ibin")) || File.Exists(Path.Combine(directory, "gt_filtered.ibin.gz")))
        {
            (filtered, int filteredCount, int filteredK) = ReadInts(directory, "gt_filtered");
            if (filteredCount != queryCount || filteredK != gtK)
            {
                throw new InvalidDataException($"{directory}: gt_filtered is {filteredCount} x {filteredK}, gt {gtCount} x {gtK}");
            }
        }

        return new VectorDataSet(directory, baseRows, count, dim, queries, queryCount, gt, gtK)
        {
            BaseLabels = ReadLabels(directory, "base_labels.txt", count),
            QueryLabels = ReadLabels(directory, "query_labels.txt", queryCount),
            FilteredGroundTruth = filtered,
        };
    }

    /// <summary>The first label on each line of a DiskANN label file (comma-separated integers per vector), or null when absent.</summary>
    private static int[]? ReadLabels(string directory, string fileName, int expected)
    {
        string? path = VectorFileReader.Find(directory, fileName, "");
        return path is null ? null : [.. LabelFile.Read(path, expected).Select(l => l.Length > 0 ? l[0] : 0)];
    }

    /// <summary>
    /// The first folder among <paramref name="candidates"/> that holds a data set (a <c>base.*</c> file), or an error
    /// naming the folders tried.
    /// </summary>
    public static string Locate(IEnumerable<string> candidates)
    {
        List<string> tried = [];
        foreach (string candidate in candidates)
        {
            string full = Path.GetFullPath(candidate);
            tried.Add(full);
            if (System.IO.Directory.Exists(full) && System.IO.Directory.EnumerateFiles(full, "base.*").Any())
            {
                return full;
            }
        }

        throw new DirectoryNotFoundException($"no data set found; looked in: {string.Join(", ", tried)}");
    }

    private static (float[] Values, int Rows, int Dim) ReadFloats(string directory, string stem)
    {
        string packed = Path.Combine(directory, stem + ".u16.gz");
        if (File.Exists(packed))
        {
            byte[] raw = ReadGzip(packed);
            (int rows, int dim) = ReadHeader(raw, packed, sizeof(ushort));
            float[] values = new float[rows * dim];
            ReadOnlySpan<byte> body = raw.AsSpan(8);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)(BinaryPrimitives.ReadUInt16LittleEndian(body[(2 * i)..]) / 1000.0);
            }

            return (values, rows, dim);
        }

        // DiskANN's uint8 layout (e.g. full MNIST pixels 0..255) is widened to float32 exactly.
        string path = VectorFileReader.Find(directory, stem, ".fbin", ".u8bin")
            ?? throw new FileNotFoundException($"none of {stem}.fbin, {stem}.u8bin (or .gz) exists in {directory}", Path.Combine(directory, stem + ".fbin"));
        return VectorFileReader.ReadAllFloats(path);
    }

    private static (int[] Values, int Rows, int Dim) ReadInts(string directory, string stem)
    {
        string path = VectorFileReader.Find(directory, stem, ".ibin")
            ?? throw new FileNotFoundException($"neither {stem}.ibin nor {stem}.ibin.gz exists in {directory}", Path.Combine(directory, stem + ".ibin"));
        return VectorFileReader.ReadAllInts(path);
    }

    private static (int Rows, int Dim) ReadHeader(byte[] bytes, string path, int elementSize)
    {
        if (bytes.Length < 8)
        {
            throw new InvalidDataException($"{path}: {bytes.Length} bytes is too short for a header");
        }

        int rows = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        int dim = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        long expected = 8 + ((long)rows * dim * elementSize);
        if (rows < 0 || dim <= 0 || bytes.Length != expected)
        {
            throw new InvalidDataException($"{path}: header says {rows} x {dim}, so {expected} bytes; the file has {bytes.Length}");
        }

        return (rows, dim);
    }

    private static byte[] ReadGzip(string path)
    {
        using FileStream file = File.OpenRead(path);
        using GZipStream unzip = new(file, CompressionMode.Decompress);
        using MemoryStream buffer = new();
        unzip.CopyTo(buffer);
        return buffer.ToArray();
    }
}

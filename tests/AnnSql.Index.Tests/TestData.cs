using System.Buffers.Binary;
using System.IO.Compression;

namespace AnnSql.Index.Tests;

/// <summary>
/// Locates the shared test data sets and reads the DiskANN binary formats. A data set is looked up first in the repository
/// (<c>tests/data/&lt;name&gt;</c>), then in <c>../shared/data/&lt;name&gt;</c> beside the repository root. A missing data set
/// fails the test with the paths tried; it is never skipped.
/// </summary>
internal static class TestData
{
    public const string Mnist784 = "mnist-784-euclidean";

    /// <summary>The directory holding data set <paramref name="name"/>.</summary>
    public static string DataSetDirectory(string name)
    {
        string root = RepositoryRoot();
        string[] candidates =
        [
            Path.Combine(root, "tests", "data", name),
            Path.GetFullPath(Path.Combine(root, "..", "shared", "data", name)),
        ];
        foreach (string candidate in candidates)
        {
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"test data set '{name}' not found; looked in: {string.Join(", ", candidates)}. "
            + "Vendor it under tests/data or provide the shared data directory.");
    }

    /// <summary>The nearest ancestor of the test binaries that holds AnnSql.sln.</summary>
    public static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AnnSql.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no AnnSql.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Reads a <c>.fbin</c> file: int32 n, int32 d, then n*d float32, all little-endian.</summary>
    public static (float[] Data, int Count, int Dim) ReadFbin(string directory, string fileName)
    {
        // The vendored copy stores MNIST as uint16 thousandths (tests/data/README.md): value = (float)(k / 1000.0).
        string packed = Path.Combine(directory, Path.ChangeExtension(fileName, ".u16.gz"));
        if (File.Exists(packed))
        {
            using var gz = new System.IO.Compression.GZipStream(File.OpenRead(packed), System.IO.Compression.CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            byte[] raw = ms.ToArray();
            int n = BinaryPrimitives.ReadInt32LittleEndian(raw);
            int d = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(4));
            float[] values = new float[checked(n * d)];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)(BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(8 + (2 * i))) / 1000.0);
            }

            return (values, n, d);
        }

        byte[] bytes = ReadAllBytes(directory, fileName);
        (int count, int dim) = ReadHeader(bytes, fileName);
        float[] data = new float[checked(count * dim)];
        ReadOnlySpan<byte> body = bytes.AsSpan(8, data.Length * sizeof(float));
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = BinaryPrimitives.ReadSingleLittleEndian(body.Slice(i * sizeof(float)));
        }

        return (data, count, dim);
    }

    /// <summary>Reads an <c>.ibin</c> file: int32 n, int32 d, then n*d int32, all little-endian.</summary>
    public static (int[] Data, int Count, int Dim) ReadIbin(string directory, string fileName)
    {
        byte[] bytes = ReadAllBytes(directory, fileName);
        (int count, int dim) = ReadHeader(bytes, fileName);
        int[] data = new int[checked(count * dim)];
        ReadOnlySpan<byte> body = bytes.AsSpan(8, data.Length * sizeof(int));
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = BinaryPrimitives.ReadInt32LittleEndian(body.Slice(i * sizeof(int)));
        }

        return (data, count, dim);
    }

    /// <summary>
    /// Reads a label file (<c>base_labels.txt</c>, <c>query_labels.txt</c>), or its gzip twin: one line per vector, its labels
    /// as comma-separated integers (an empty line for none).
    /// </summary>
    public static int[][] ReadLabels(string directory, string fileName)
    {
        string text = System.Text.Encoding.UTF8.GetString(ReadAllBytes(directory, fileName));
        string[] lines = text.Split('\n');
        int count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        int[][] labels = new int[count][];
        for (int i = 0; i < count; i++)
        {
            string line = lines[i].TrimEnd('\r');
            labels[i] = line.Length == 0
                ? []
                : Array.ConvertAll(line.Split(','), field => int.Parse(field, System.Globalization.CultureInfo.InvariantCulture));
        }

        return labels;
    }

    private static (int Count, int Dim) ReadHeader(byte[] bytes, string fileName)
    {
        if (bytes.Length < 8)
        {
            throw new InvalidDataException($"{fileName}: {bytes.Length} bytes is too short for a header");
        }

        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        int dim = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        long expected = 8 + ((long)count * dim * 4);
        if (count < 0 || dim <= 0 || bytes.Length != expected)
        {
            throw new InvalidDataException($"{fileName}: header says {count} x {dim}, so {expected} bytes, file has {bytes.Length}");
        }

        return (count, dim);
    }

    /// <summary>Reads <paramref name="fileName"/>, or its gzip-compressed twin <c>fileName.gz</c> when only that exists.</summary>
    private static byte[] ReadAllBytes(string directory, string fileName)
    {
        string path = Path.Combine(directory, fileName);
        if (File.Exists(path))
        {
            return File.ReadAllBytes(path);
        }

        string gz = path + ".gz";
        if (File.Exists(gz))
        {
            using FileStream file = File.OpenRead(gz);
            using GZipStream unzip = new(file, CompressionMode.Decompress);
            using MemoryStream buffer = new();
            unzip.CopyTo(buffer);
            return buffer.ToArray();
        }

        throw new FileNotFoundException($"neither {path} nor {gz} exists", path);
    }

    /// <summary>Row <paramref name="row"/> of a row-major matrix.</summary>
    public static ReadOnlySpan<T> Row<T>(T[] data, int dim, int row) => data.AsSpan(row * dim, dim);
}

using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;

namespace AnnSql.IntegrationTests.Infrastructure;

/// <summary>
/// The vendored mnist-784-euclidean dataset (tests/data/mnist-784-euclidean, see tests/data/README.md):
/// 9000 base vectors, 1000 queries, 784 dimensions, digit labels, exact squared-L2 ground truth (k = 100).
/// Loaded once per process; every file is checked against the sha256 of the original on first load.
/// </summary>
public sealed class MnistDataset
{
    public const string RelativeDirectory = "tests/data/mnist-784-euclidean";

    private static readonly Lazy<MnistDataset> Instance = new(LoadUncached, LazyThreadSafetyMode.ExecutionAndPublication);

    // sha256 of the original files (base/query: the reconstructed .fbin bytes).
    private static readonly Dictionary<string, string> ExpectedSha256 = new(StringComparer.Ordinal)
    {
        ["base.fbin"] = "010b27da9dd93cdaae9d3a7dfe88f2c6627b2febcfde9ba0b0ab38f4b34c42bb",
        ["query.fbin"] = "75d9d0f562356a7b17a1f1d1297a9676df8d215e885c68f45c4fb4ed57f0355b",
        ["gt.ibin"] = "e562ca5778c9aa774a7c149d5f893b1f2209bf345ce8739f30525c570564b0ae",
        ["gt.fbin"] = "7a0bb4b90a347b95f8fff03273f1c4386e1309eacbdea83f1da0c5b2098f1cbe",
        ["gt_filtered.ibin"] = "40006390e23c7d1f505a4a8613927dad217998d3d090cf2a6e545f43022b5df0",
        ["gt_filtered.fbin"] = "2c048f3ca50df31b96eb967dda47731fefcf540fcde1a04773d7422976d74e9d",
        ["base_labels.txt"] = "dc4139601d2c37940e9853417ce97164e5020c4ac8434ffcf2cf99d92ab49b5b",
        ["query_labels.txt"] = "2ed17fa480ec1854f0c4e7841a7dcd27dec01be2034d4616b74395e048d96711",
    };

    private MnistDataset(
        string directory,
        float[][] baseVectors,
        float[][] queries,
        int[] baseLabels,
        int[] queryLabels,
        int[][] groundTruth,
        float[][] groundTruthSquaredDistances,
        int[][] filteredGroundTruth,
        float[][] filteredGroundTruthSquaredDistances)
    {
        DataDirectory = directory;
        Dimensions = baseVectors[0].Length;
        Base = baseVectors;
        Queries = queries;
        BaseLabels = baseLabels;
        QueryLabels = queryLabels;
        GroundTruth = groundTruth;
        GroundTruthSquaredDistances = groundTruthSquaredDistances;
        FilteredGroundTruth = filteredGroundTruth;
        FilteredGroundTruthSquaredDistances = filteredGroundTruthSquaredDistances;
    }

    /// <summary>The folder the data was read from.</summary>
    public string DataDirectory { get; }

    /// <summary>784.</summary>
    public int Dimensions { get; }

    /// <summary>9000 base vectors; row i has id i in the ground truth.</summary>
    public float[][] Base { get; }

    /// <summary>1000 query vectors (not in the base set).</summary>
    public float[][] Queries { get; }

    /// <summary>Digit (0..9) of each base row.</summary>
    public int[] BaseLabels { get; }

    /// <summary>Digit (0..9) of each query.</summary>
    public int[] QueryLabels { get; }

    /// <summary>Number of neighbours in each ground-truth list (100).</summary>
    public int GroundTruthK => GroundTruth[0].Length;

    /// <summary>Per query, the 0-based base row ids of the exact 100 nearest neighbours, nearest first (ties: lower id first).</summary>
    public int[][] GroundTruth { get; }

    /// <summary>Squared L2 distances matching <see cref="GroundTruth"/>.</summary>
    public float[][] GroundTruthSquaredDistances { get; }

    /// <summary>As <see cref="GroundTruth"/>, among base rows whose label equals the query's label.</summary>
    public int[][] FilteredGroundTruth { get; }

    /// <summary>Squared L2 distances matching <see cref="FilteredGroundTruth"/>.</summary>
    public float[][] FilteredGroundTruthSquaredDistances { get; }

    /// <summary>Loads (once per process) and verifies the vendored dataset.</summary>
    public static MnistDataset Load() => Instance.Value;

    /// <summary>Exact squared L2 distance the way the ground truth was computed: float64 accumulation, rounded to float32.</summary>
    public static float SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"dimension mismatch: {a.Length} vs {b.Length}", nameof(b));
        }

        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = (double)a[i] - b[i];
            sum += d * d;
        }

        return (float)sum;
    }

    /// <summary>
    /// Recall@k of one query against the (optionally label-filtered) ground truth:
    /// |first k distinct returned ids ∩ true top-k| / k, where a returned id outside the true top-k still counts
    /// when its squared distance equals the k-th true distance (ties).
    /// </summary>
    /// <param name="returnedIds">Base row ids in the order returned; only the first k distinct ids are looked at.</param>
    /// <param name="queryIndex">Index into <see cref="Queries"/>.</param>
    /// <param name="k">1..<see cref="GroundTruthK"/>.</param>
    /// <param name="squaredDistanceOfReturned">
    /// Squared distance of a returned id to the query; when null it is computed exactly from <see cref="Base"/>
    /// with <see cref="SquaredDistance"/>.
    /// </param>
    /// <param name="filtered">Use the label-filtered ground truth.</param>
    public static double RecallAtK(
        IReadOnlyList<long> returnedIds,
        int queryIndex,
        int k,
        Func<long, float>? squaredDistanceOfReturned = null,
        bool filtered = false)
    {
        var data = Load();
        ArgumentOutOfRangeException.ThrowIfNegative(queryIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(queryIndex, data.Queries.Length);
        var trueIds = filtered ? data.FilteredGroundTruth[queryIndex] : data.GroundTruth[queryIndex];
        var trueDistances = filtered ? data.FilteredGroundTruthSquaredDistances[queryIndex] : data.GroundTruthSquaredDistances[queryIndex];
        squaredDistanceOfReturned ??= id =>
        {
            if (id < 0 || id >= data.Base.Length)
            {
                return float.PositiveInfinity;
            }

            return SquaredDistance(data.Base[id], data.Queries[queryIndex]);
        };
        return RecallAtK(returnedIds, trueIds, trueDistances, k, squaredDistanceOfReturned);
    }

    /// <summary>Recall@k against an explicit ground-truth list (ids nearest first, with their squared distances).</summary>
    public static double RecallAtK(
        IReadOnlyList<long> returnedIds,
        IReadOnlyList<int> trueIds,
        IReadOnlyList<float> trueSquaredDistances,
        int k,
        Func<long, float>? squaredDistanceOfReturned)
    {
        ArgumentNullException.ThrowIfNull(returnedIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, trueIds.Count);
        if (trueSquaredDistances.Count != trueIds.Count)
        {
            throw new ArgumentException("ids and distances differ in length", nameof(trueSquaredDistances));
        }

        var topK = new HashSet<long>();
        for (var i = 0; i < k; i++)
        {
            topK.Add(trueIds[i]);
        }

        var kthDistance = trueSquaredDistances[k - 1];
        var seen = new HashSet<long>();
        var correct = 0;
        foreach (var id in returnedIds)
        {
            if (seen.Count == k)
            {
                break;
            }

            if (!seen.Add(id))
            {
                continue;
            }

            if (topK.Contains(id))
            {
                correct++;
            }
            else if (squaredDistanceOfReturned is not null && squaredDistanceOfReturned(id) == kthDistance)
            {
                correct++;
            }
        }

        return (double)correct / k;
    }

    /// <summary>Walks up from the test binaries to the folder holding AnnSql.sln.</summary>
    public static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AnnSql.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException(
            $"No AnnSql.sln found in {AppContext.BaseDirectory} or any parent folder; cannot locate {RelativeDirectory}.");
    }

    private static MnistDataset LoadUncached()
    {
        var directory = Path.Combine(FindRepositoryRoot(), RelativeDirectory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Vendored dataset folder {directory} is missing.");
        }

        var baseVectors = ReadThousandths(directory, "base");
        var queries = ReadThousandths(directory, "query");
        var (gtIds, gtDistances) = ReadGroundTruth(directory, "gt");
        var (fIds, fDistances) = ReadGroundTruth(directory, "gt_filtered");
        var baseLabels = ReadLabels(directory, "base_labels.txt", baseVectors.Length);
        var queryLabels = ReadLabels(directory, "query_labels.txt", queries.Length);
        if (gtIds.Length != queries.Length || fIds.Length != queries.Length || baseVectors[0].Length != queries[0].Length)
        {
            throw new InvalidDataException($"{directory}: ground truth / query / base shapes do not agree.");
        }

        return new MnistDataset(directory, baseVectors, queries, baseLabels, queryLabels, gtIds, gtDistances, fIds, fDistances);
    }

    private static byte[] ReadGzip(string directory, string fileName)
    {
        var path = Path.Combine(directory, fileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Vendored dataset file {path} is missing.", path);
        }

        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static void Verify(string directory, string originalName, ReadOnlySpan<byte> bytes)
    {
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var expected = ExpectedSha256[originalName];
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            throw new InvalidDataException(
                $"{directory}: reconstructed {originalName} has sha256 {actual}, expected {expected} " +
                "(see tests/data/README.md). The vendored files are corrupt or were changed.");
        }
    }

    private static (int N, int D) ReadHeader(string what, ReadOnlySpan<byte> bytes, int elementSize)
    {
        if (bytes.Length < 8)
        {
            throw new InvalidDataException($"{what}: too short for a header");
        }

        var n = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var d = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        if (n <= 0 || d <= 0 || 8L + ((long)n * d * elementSize) != bytes.Length)
        {
            throw new InvalidDataException($"{what}: header {n}x{d} does not match {bytes.Length} bytes");
        }

        return (n, d);
    }

    private static float[][] ReadThousandths(string directory, string name)
    {
        var bytes = ReadGzip(directory, name + ".u16.gz");
        var (n, d) = ReadHeader(name + ".u16.gz", bytes, sizeof(ushort));
        var rows = new float[n][];
        var original = new byte[8 + ((long)n * d * sizeof(float))];
        bytes.AsSpan(0, 8).CopyTo(original);
        var offset = 8;
        for (var i = 0; i < n; i++)
        {
            var row = new float[d];
            for (var j = 0; j < d; j++)
            {
                var k = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8 + (2 * ((i * d) + j))));
                if (k > 1000)
                {
                    throw new InvalidDataException($"{name}.u16.gz: value {k} out of range 0..1000 at row {i}, column {j}");
                }

                row[j] = (float)(k / 1000.0);
                BinaryPrimitives.WriteSingleLittleEndian(original.AsSpan(offset), row[j]);
                offset += sizeof(float);
            }

            rows[i] = row;
        }

        Verify(directory, name + ".fbin", original);
        return rows;
    }

    private static (int[][] Ids, float[][] Distances) ReadGroundTruth(string directory, string name)
    {
        var idBytes = ReadGzip(directory, name + ".ibin.gz");
        Verify(directory, name + ".ibin", idBytes);
        var distanceBytes = ReadGzip(directory, name + ".fbin.gz");
        Verify(directory, name + ".fbin", distanceBytes);
        var (n, k) = ReadHeader(name + ".ibin", idBytes, sizeof(int));
        if (ReadHeader(name + ".fbin", distanceBytes, sizeof(float)) != (n, k))
        {
            throw new InvalidDataException($"{name}.ibin and {name}.fbin have different shapes");
        }

        var ids = new int[n][];
        var distances = new float[n][];
        for (var q = 0; q < n; q++)
        {
            ids[q] = new int[k];
            distances[q] = new float[k];
            for (var j = 0; j < k; j++)
            {
                var at = 8 + (4 * ((q * k) + j));
                ids[q][j] = BinaryPrimitives.ReadInt32LittleEndian(idBytes.AsSpan(at));
                distances[q][j] = BinaryPrimitives.ReadSingleLittleEndian(distanceBytes.AsSpan(at));
            }
        }

        return (ids, distances);
    }

    private static int[] ReadLabels(string directory, string fileName, int expectedRows)
    {
        var bytes = ReadGzip(directory, fileName + ".gz");
        Verify(directory, fileName, bytes);
        var lines = System.Text.Encoding.ASCII.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length != expectedRows)
        {
            throw new InvalidDataException($"{fileName}: {lines.Length} rows, expected {expectedRows}");
        }

        var labels = new int[lines.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            labels[i] = int.Parse(lines[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
        }

        return labels;
    }
}

using AnnSql.Sql.Storage;

namespace AnnSql.Sql.Tests.Storage;

/// <summary>Helpers shared by the WAL tests.</summary>
internal static class WalTestData
{
    public static readonly WalOptions SmallSegments = new() { SegmentSize = 4096 };

    /// <summary>Payloads of random sizes (0 to <paramref name="maxSize"/>) and contents, from a fixed seed.</summary>
    public static List<byte[]> RandomPayloads(int seed, int count, int maxSize)
    {
        var random = new Random(seed);
        var payloads = new List<byte[]>(count);
        for (int i = 0; i < count; i++)
        {
            byte[] payload = new byte[random.Next(0, maxSize + 1)];
            random.NextBytes(payload);
            payloads.Add(payload);
        }

        return payloads;
    }

    public static async Task<List<ulong>> AppendAllAsync(WriteAheadLog wal, IEnumerable<byte[]> payloads)
    {
        var ends = new List<ulong>();
        foreach (byte[] payload in payloads)
        {
            ends.Add(wal.Append(payload));
        }

        await wal.FlushAsync(wal.EndLsn, CancellationToken.None);
        return ends;
    }

    public static List<WalRecord> ReadAll(WriteAheadLog wal) => wal.ReadFrom(wal.StartLsn).ToList();

    public static void AssertPayloads(IReadOnlyList<byte[]> expected, IReadOnlyList<WalRecord> actual, string context)
    {
        Assert.True(expected.Count == actual.Count, $"{context}: expected {expected.Count} records, read {actual.Count}");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].AsSpan().SequenceEqual(actual[i].Payload.Span), $"{context}: record {i} differs");
            if (i > 0)
            {
                Assert.Equal(actual[i - 1].EndLsn, actual[i].Lsn);
            }
        }
    }

    public static string[] SegmentFiles(string directory)
    {
        string[] files = Directory.GetFiles(directory, "*" + WriteAheadLog.SegmentExtension);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    public static ulong SegmentStart(string path)
        => ulong.Parse(Path.GetFileNameWithoutExtension(path), System.Globalization.NumberStyles.AllowHexSpecifier,
            System.Globalization.CultureInfo.InvariantCulture);

    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}

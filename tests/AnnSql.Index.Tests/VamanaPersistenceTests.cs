using System.Buffers.Binary;
using System.Diagnostics;
using AnnSql.Index.Distance;
using AnnSql.Index.Storage;
using AnnSql.Index.Vamana;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>
/// <see cref="VamanaIndex.Save"/> and <see cref="VamanaIndex.Load"/> on the digit-labelled MNIST index (9,000 × 784) with
/// reused ids, a free list and pending tombstones: round trips, and truncated or corrupted images.
/// </summary>
[Collection(DeletableMnistCollection.Name)]
public sealed class VamanaPersistenceTests(DeletableMnistFixture fixture, ITestOutputHelper output)
{
    private const int K = DeletableMnistFixture.K;
    private const int ListSize = DeletableMnistFixture.ListSize;
    private const int Seed = 1905;
    private const int Queries = 100;

    /// <summary>Offset of the first neighbour id: header, vectors, out-degrees.</summary>
    private long FirstNeighborOffset(int count) =>
        68 + ((long)count * fixture.Mnist.Dimensions * sizeof(float)) + (count * sizeof(int));

    [Fact]
    public void Save_and_load_round_trip_an_index_with_labels_reused_ids_a_free_list_and_tombstones()
    {
        VamanaIndex original = MutatedIndex();
        output.WriteLine(
            $"saving: count {original.Count}, deleted {original.DeletedCount}, free {original.FreeCount}, "
            + $"{original.MemoryBytes} bytes in memory");

        using MemoryStream memory = new();
        Stopwatch clock = Stopwatch.StartNew();
        original.Save(memory);
        double saveSeconds = clock.Elapsed.TotalSeconds;
        memory.Position = 0;
        clock.Restart();
        VamanaIndex loaded = VamanaIndex.Load(memory);
        double loadSeconds = clock.Elapsed.TotalSeconds;
        Assert.Equal(memory.Length, memory.Position);

        string path = Path.Combine(Path.GetTempPath(), $"annsql-vamana-{Guid.NewGuid():N}.bin");
        try
        {
            clock.Restart();
            using (FileStream file = File.Create(path))
            {
                original.Save(file);
            }

            double fileSaveSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            VamanaIndex fromFile;
            using (FileStream file = File.OpenRead(path))
            {
                fromFile = VamanaIndex.Load(file);
            }

            double fileLoadSeconds = clock.Elapsed.TotalSeconds;
            output.WriteLine(
                $"image {memory.Length} bytes ({memory.Length / 1048576.0:F1} MiB); memory stream: save {saveSeconds * 1000:F0} ms, "
                + $"load {loadSeconds * 1000:F0} ms; file: save {fileSaveSeconds * 1000:F0} ms, load {fileLoadSeconds * 1000:F0} ms");
            Assert.Equal(memory.ToArray(), File.ReadAllBytes(path));
            AssertSameIndex(original, fromFile);
        }
        finally
        {
            File.Delete(path);
        }

        AssertSameIndex(original, loaded);

        // Consolidating and then inserting behave the same on both: the graph, start points and free list are the same.
        VamanaConsolidation a = original.Consolidate(Environment.ProcessorCount);
        VamanaConsolidation b = loaded.Consolidate(1);
        Assert.Equal(a, b);
        for (int i = 0; i < 20; i++)
        {
            ReadOnlySpan<float> vector = fixture.Mnist.Query(i);
            int[] labels = fixture.Labeled.QueryLabels[i];
            Assert.Equal(original.Insert(vector, labels), loaded.Insert(vector, labels));
        }

        AssertSameIndex(original, loaded);
    }

    [Fact]
    public void An_empty_index_round_trips_with_its_metric_and_options()
    {
        VamanaOptions options = new() { MaxDegree = 7, BuildListSize = 11, Alpha = 1.35f, Seed = -4 };
        VamanaIndex empty = new(Metric.Cosine, 5, options);
        using MemoryStream memory = new();
        empty.Save(memory);
        memory.Position = 0;
        VamanaIndex loaded = VamanaIndex.Load(memory);
        Assert.Equal(
            (Metric.Cosine, 5, options, 0, 0, 0),
            (loaded.Metric, loaded.Dimensions, loaded.Options, loaded.Count, loaded.DeletedCount, loaded.FreeCount));
        Assert.Equal(uint.MaxValue, loaded.StartPoint);
        Assert.Equal(0, loaded.Search([1f, 2f, 3f, 4f, 5f], 10, new uint[3], new float[3], out _));
        Assert.Equal(0u, loaded.Insert([1f, 2f, 3f, 4f, 5f], [8]));
        Assert.Equal(0u, loaded.StartPointOf(8));
    }

    [Fact]
    public void Images_load_one_after_another_from_one_unseekable_stream()
    {
        VamanaIndex first = new(Metric.L2, 3, new VamanaOptions());
        first.Insert([1f, 2f, 3f], [1]);
        first.Insert([2f, 2f, 3f]);
        VamanaIndex second = new(Metric.InnerProduct, 2, new VamanaOptions());
        second.Insert([1f, 0f]);

        using MemoryStream memory = new();
        first.Save(memory);
        second.Save(memory);
        memory.WriteByte(0x5A);
        memory.Position = 0;
        using UnseekableStream stream = new(memory);
        VamanaIndex a = VamanaIndex.Load(stream);
        VamanaIndex b = VamanaIndex.Load(stream);
        Assert.Equal((Metric.L2, 2), (a.Metric, a.Count));
        Assert.Equal([0u], a.GetPostings(1).ToArray());
        Assert.Equal((Metric.InnerProduct, 1), (b.Metric, b.Count));
        Assert.Equal(0x5A, stream.ReadByte());
    }

    [Fact]
    public void Truncated_corrupted_and_inconsistent_images_throw_InvalidDataException()
    {
        VamanaIndex index = MutatedIndex();
        using MemoryStream memory = new();
        index.Save(memory);
        byte[] image = memory.ToArray();
        int count = index.Count;

        long[] cuts =
            [0, 5, 8, 40, 67, 68, 69, 4096, FirstNeighborOffset(count) + 2, image.Length / 2, image.Length - 20, image.Length - 1];
        foreach (long cut in cuts)
        {
            byte[] truncated = image.AsSpan(0, (int)cut).ToArray();
            InvalidDataException seekable = Assert.Throws<InvalidDataException>(() => VamanaIndex.Load(new MemoryStream(truncated)));
            InvalidDataException streamed = Assert.Throws<InvalidDataException>(
                () => VamanaIndex.Load(new UnseekableStream(new MemoryStream(truncated))));
            output.WriteLine($"cut at {cut}: {seekable.Message} / {streamed.Message}");
        }

        AssertInvalid(image, bytes => bytes[0] ^= 0x01, "bad magic");
        AssertInvalid(image, bytes => BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 2), "version");
        AssertInvalid(image, bytes => bytes[^1] ^= 0x20, "trailer");
        AssertInvalid(image, bytes => bytes[68 + 1001] ^= 0x10, "checksum");

        // Values that would make the index unsafe are rejected even under a valid checksum.
        int firstNeighbor = (int)FirstNeighborOffset(count);
        AssertInvalid(
            image,
            bytes => BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(firstNeighbor), (uint)count),
            "neighbour",
            fixChecksum: true);
        AssertInvalid(image, bytes => BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), 0), "header", fixChecksum: true);
        AssertInvalid(image, bytes => BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(28), 0.5f), "header", fixChecksum: true);
        AssertInvalid(image, bytes => BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), 99), "metric", fixChecksum: true);
        AssertInvalid(image, bytes => BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(40), (uint)count), "header", fixChecksum: true);
    }

    /// <summary>
    /// A copy of the digit index after: 2,000 random deletes, consolidated; 500 of the rows reinserted (reusing ids, so
    /// postings are no longer ascending); 300 more deletes left pending. Free ids and tombstones are both present.
    /// </summary>
    private VamanaIndex MutatedIndex()
    {
        VamanaIndex index = fixture.Clone();
        Random random = new(Seed);
        uint[] all = [.. Enumerable.Range(0, index.Count).Select(i => (uint)i)];
        random.Shuffle(all);
        foreach (uint id in all.AsSpan(0, 2000))
        {
            index.Delete(id);
        }

        index.Consolidate(Environment.ProcessorCount);
        foreach (uint row in all.AsSpan(0, 500))
        {
            index.Insert(TestData.Row(fixture.Mnist.BaseRows, fixture.Mnist.Dimensions, (int)row), fixture.Labeled.BaseLabels[row]);
        }

        foreach (uint id in all.AsSpan(2000, 300))
        {
            index.Delete(id);
        }

        Assert.Equal(1500, index.FreeCount);
        Assert.Equal(300, index.DeletedCount);
        return index;
    }

    private void AssertSameIndex(VamanaIndex expected, VamanaIndex actual)
    {
        Assert.Equal(
            (expected.Metric, expected.Dimensions, expected.Options, expected.Count),
            (actual.Metric, actual.Dimensions, actual.Options, actual.Count));
        Assert.Equal(
            (expected.DeletedCount, expected.FreeCount, expected.LiveCount),
            (actual.DeletedCount, actual.FreeCount, actual.LiveCount));
        Assert.Equal(expected.StartPoint, actual.StartPoint);
        Assert.Equal(expected.LabelCount, actual.LabelCount);
        for (uint id = 0; id < expected.Count; id++)
        {
            Assert.Equal(expected.IsDeleted(id), actual.IsDeleted(id));
            Assert.Equal(expected.IsFree(id), actual.IsFree(id));
            Assert.True(expected.GetVector(id).SequenceEqual(actual.GetVector(id)), $"vector {id} differs");
            Assert.True(expected.GetNeighbors(id).SequenceEqual(actual.GetNeighbors(id)), $"neighbours of {id} differ");
            Assert.True(expected.GetLabels(id).SequenceEqual(actual.GetLabels(id)), $"labels of {id} differ");
        }

        for (int label = -1; label <= 10; label++)
        {
            Assert.Equal(expected.StartPointOf(label), actual.StartPointOf(label));
            Assert.Equal(expected.GetPostings(label).ToArray().Order(), actual.GetPostings(label).ToArray().Order());
        }

        uint[] ids = new uint[K];
        float[] distances = new float[K];
        uint[] loadedIds = new uint[K];
        float[] loadedDistances = new float[K];
        for (int q = 0; q < Queries; q++)
        {
            ReadOnlySpan<float> query = fixture.Mnist.Query(q);
            int found = expected.Search(query, ListSize, ids, distances, out VamanaSearchStats stats);
            Assert.Equal(found, actual.Search(query, ListSize, loadedIds, loadedDistances, out VamanaSearchStats loadedStats));
            Assert.Equal(stats, loadedStats);
            Assert.Equal(ids, loadedIds);
            Assert.Equal(distances, loadedDistances);

            int[] filter = fixture.Labeled.QueryLabels[q];
            found = expected.Search(query, ListSize, filter, ids, distances, out stats);
            Assert.Equal(found, actual.Search(query, ListSize, filter, loadedIds, loadedDistances, out loadedStats));
            Assert.Equal(stats, loadedStats);
            Assert.Equal(ids, loadedIds);
            Assert.Equal(distances, loadedDistances);
        }
    }

    /// <summary>Asserts that loading <paramref name="image"/> changed by <paramref name="corrupt"/> throws InvalidDataException.</summary>
    private void AssertInvalid(byte[] image, Action<byte[]> corrupt, string what, bool fixChecksum = false)
    {
        byte[] bytes = (byte[])image.Clone();
        corrupt(bytes);
        if (fixChecksum)
        {
            int body = bytes.Length - 20;
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(body + 8), Crc32C.Compute(bytes.AsSpan(0, body)));
        }

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => VamanaIndex.Load(new MemoryStream(bytes)));
        output.WriteLine($"{what}: {e.Message}");
    }

    /// <summary>A read-only view of a stream that cannot seek, as a network or pipe stream.</summary>
    private sealed class UnseekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 1000));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using AnnSql.Index.Disk;
using AnnSql.Index.Distance;
using AnnSql.Index.Quantization;
using AnnSql.Index.Vamana;
using Microsoft.Win32.SafeHandles;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>
/// <see cref="DiskIndexWriter"/> and <see cref="DiskIndex"/>: the file layout for one record per sector (MNIST, 784
/// dimensions), several records per sector (16 dimensions) and records spanning sectors (1,536 dimensions); beam search
/// recall, exact re-ranked distances, tombstones, free slots, the hot-node cache, concurrent searches, damaged files,
/// reference-counted disposal and O_DIRECT.
/// </summary>
public sealed class DiskIndexTests(DiskMnistFixture fixture, ITestOutputHelper output) : IClassFixture<DiskMnistFixture>
{
    private const int K = DiskMnistFixture.K;
    private const double MinRecall = 0.95;

    private MnistVamanaFixture Mnist => fixture.Mnist;

    [Fact]
    public void Header_fields_and_layout_of_784_dimensions_with_R_64_put_one_3396_byte_record_in_each_sector()
    {
        DiskIndex index = fixture.Index;
        output.WriteLine(
            $"quantizer training {fixture.TrainSeconds:F2} s, write {fixture.WriteSeconds:F2} s, file {index.FileBytes} bytes, "
            + $"{index.MemoryBytes} bytes in memory, O_DIRECT {index.DirectIo}");
        Assert.Equal(fixture.FilePath, index.Path);
        Assert.Equal(Metric.L2, index.Metric);
        Assert.Equal(784, index.Dimensions);
        Assert.Equal(DiskMnistFixture.FileMaxDegree, index.MaxDegree);
        Assert.Equal(Mnist.Count, index.Count);
        Assert.Equal(Mnist.L2Index.StartPoint, index.Medoid);
        Assert.Equal(3396, index.RecordBytes);
        Assert.Equal(1, index.NodesPerSector);
        Assert.Equal(1, index.SectorsPerNode);
        Assert.Equal(0, index.FreeCount);
        Assert.Equal(0, index.DeletedCount);
        Assert.Equal(Mnist.Count, index.LiveCount);
        Assert.Equal(0, index.CachedNodes);
        Assert.Equal(new FileInfo(fixture.FilePath).Length, index.FileBytes);
        Assert.Equal(0, index.FileBytes % DiskIndex.SectorBytes);

        // Header sector, one sector per node, then the tail: the quantizer, the codes and the free list.
        Assert.Equal((1 + Mnist.Count + TailSectors(index)) * DiskIndex.SectorBytes, index.FileBytes);

        Assert.Equal(DiskMnistFixture.Chunks, index.Quantizer.Chunks);
        Assert.True(index.Codes.SequenceEqual(fixture.Codes));
        Assert.True(index.Code(1234).SequenceEqual(fixture.Codes.AsSpan(1234 * DiskMnistFixture.Chunks, DiskMnistFixture.Chunks)));
        Assert.True(index.MemoryBytes >= index.Quantizer.MemoryBytes + fixture.Codes.Length);
        Assert.True(index.MemoryBytes < index.Quantizer.MemoryBytes + fixture.Codes.Length + 4096);
    }

    [Fact]
    public void ReadNode_returns_every_record_as_written()
    {
        DiskIndex index = fixture.Index;
        float[] vector = new float[index.Dimensions];
        uint[] neighbors = new uint[index.MaxDegree];
        uint[] expected = new uint[Mnist.L2Index.Options.MaxDegree];
        for (uint id = 0; id < index.Count; id++)
        {
            int degree = index.ReadNode(id, vector, neighbors);
            int expectedDegree = Mnist.L2Index.CopyNeighbors(id, expected);
            Assert.Equal(expectedDegree, degree);
            Assert.True(neighbors.AsSpan(0, degree).SequenceEqual(expected.AsSpan(0, degree)), $"neighbours of node {id}");
            Assert.True(
                MemoryMarshal.AsBytes(vector.AsSpan())
                    .SequenceEqual(MemoryMarshal.AsBytes(TestData.Row(Mnist.BaseRows, Mnist.Dimensions, (int)id))),
                $"vector of node {id}");
        }
    }

    [Fact]
    public void Beam_search_has_recall_at_10_of_at_least_0_95_at_L_100()
    {
        DiskIndex index = fixture.Index;
        // All queries on 4 threads (the searches wait on reads far more than they compute).
        Stopwatch clock = Stopwatch.StartNew();
        (double recall, DiskSearchStats totals) = Recall(index, 100, 4, Mnist.QueryCount, threads: 4);
        output.WriteLine(
            $"L=100 W=4 over {Mnist.QueryCount} queries on 4 threads: recall@10 {recall:F4}, {Describe(totals, Mnist.QueryCount)}, "
            + $"{Mnist.QueryCount / clock.Elapsed.TotalSeconds:F0} queries/s, O_DIRECT {index.DirectIo}");
        Assert.True(recall >= MinRecall, $"recall@10 {recall:F4} < {MinRecall}");

        // A sweep over a tenth of the queries, one at a time: recall, what a query reads, and its latency.
        const int Queries = 100;
        foreach ((int l, int w) in new[] { (20, 4), (50, 4), (100, 1), (100, 2), (100, 8), (200, 4) })
        {
            clock.Restart();
            (double r, DiskSearchStats t) = Recall(index, l, w, Queries);
            output.WriteLine(
                $"L={l} W={w}: recall@10 {r:F4}, {Describe(t, Queries)}, {clock.Elapsed.TotalMilliseconds * 1000 / Queries:F0} µs/query");
            Assert.Equal(t.FullDistances, t.SectorReads);
        }

        // Through the page cache (the file was just read, so mostly memory reads): the same answers, and the compute cost.
        using DiskIndex buffered = DiskIndex.Open(fixture.FilePath, directIo: false);
        clock.Restart();
        (double bufferedRecall, DiskSearchStats bufferedTotals) = Recall(buffered, 100, 4, Queries);
        output.WriteLine(
            $"buffered L=100 W=4: recall@10 {bufferedRecall:F4}, {Describe(bufferedTotals, Queries)}, "
            + $"{clock.Elapsed.TotalMilliseconds * 1000 / Queries:F0} µs/query");
        Assert.Equal(Recall(index, 100, 4, Queries), (bufferedRecall, bufferedTotals));
    }

    [Fact]
    public void Results_are_sorted_by_the_exact_full_precision_distances_the_in_memory_index_returns()
    {
        DiskIndex index = fixture.Index;
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        uint[] memoryIds = new uint[K];
        float[] memoryDistances = new float[K];
        for (int q = 0; q < 100; q++)
        {
            ReadOnlySpan<float> query = Mnist.Query(q);
            int found = index.Search(query, 100, 4, ids, distances, out DiskSearchStats stats);
            Assert.Equal(K, found);
            Assert.True(stats.Hops > 0 && stats.Hops <= stats.FullDistances, $"query {q}: {stats}");
            Assert.True(stats.PqDistances >= stats.FullDistances, $"query {q}: {stats}");
            for (int i = 0; i < found; i++)
            {
                ReadOnlySpan<float> row = TestData.Row(Mnist.BaseRows, Mnist.Dimensions, (int)ids[i]);
                Assert.Equal(L2Kernel.Distance(query, row), distances[i]);
                float reference = ReferenceDistances.L2Squared(query, row);
                Assert.True(
                    Math.Abs(reference - distances[i]) <= 1e-4f * Math.Max(reference, 1f), $"query {q}: {distances[i]} vs {reference}");
                if (i > 0)
                {
                    Assert.True(
                        distances[i - 1] < distances[i] || (distances[i - 1] == distances[i] && ids[i - 1] < ids[i]),
                        $"query {q}: result {i} out of order");
                }
            }

            // Where the in-memory index returns the same point, it returns the same distance.
            int memoryFound = Mnist.L2Index.Search(query, 100, memoryIds, memoryDistances, out _);
            for (int i = 0; i < memoryFound; i++)
            {
                int at = Array.IndexOf(ids, memoryIds[i], 0, found);
                if (at >= 0)
                {
                    Assert.Equal(memoryDistances[i], distances[at]);
                }
            }
        }
    }

    [Fact]
    public void Searches_allocate_nothing_once_the_pooled_scratch_has_grown()
    {
        DiskIndex index = fixture.Index;
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        for (int q = 0; q < 20; q++)
        {
            index.Search(Mnist.Query(q), 100, 4, ids, distances, out _);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int q = 0; q < 20; q++)
        {
            index.Search(Mnist.Query(q), 100, 4, ids, distances, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Tombstoned_nodes_are_never_returned_but_still_searched_through()
    {
        using DiskIndex index = fixture.OpenCopy();
        const int Queries = 200;
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        HashSet<uint> deleted = [index.Medoid];
        index.Delete(index.Medoid);
        for (int q = 0; q < Queries; q++)
        {
            int found = index.Search(Mnist.Query(q), 100, 4, ids, distances, out _);
            for (int i = 0; i < Math.Min(3, found); i++)
            {
                index.Delete(ids[i]);
                deleted.Add(ids[i]);
            }
        }

        index.Delete(index.Medoid);
        Assert.Equal(deleted.Count, index.DeletedCount);
        Assert.Equal(index.Count - deleted.Count, index.LiveCount);
        Assert.True(index.IsDeleted(index.Medoid));
        Assert.False(fixture.Index.IsDeleted(index.Medoid));

        int hits = 0;
        for (int q = 0; q < Queries; q++)
        {
            int found = index.Search(Mnist.Query(q), 100, 4, ids, distances, out _);
            Assert.Equal(K, found);
            for (int i = 0; i < found; i++)
            {
                Assert.False(deleted.Contains(ids[i]), $"query {q} returned tombstoned node {ids[i]}");
                Assert.False(index.IsDeleted(ids[i]));
            }

            hits += LiveTruthHits(ids, found, q, deleted);
        }

        double recall = hits / (double)(Queries * K);
        output.WriteLine($"{deleted.Count} tombstones: recall@10 among live points {recall:F4} (L=100, W=4)");
        Assert.True(recall >= 0.9, $"recall@10 among live points {recall:F4}");
    }

    [Fact]
    public void Free_slots_are_never_returned_and_read_as_empty_records()
    {
        string path = fixture.TempPath("free.diskann");
        uint medoid = Mnist.L2Index.StartPoint;
        bool IsFree(uint id) => id != medoid && id % 10 == 3;
        DiskMnistFixture.WriteIndex(
            path, Mnist.L2Index, Mnist.BaseRows, fixture.Quantizer, fixture.Codes, DiskMnistFixture.FileMaxDegree, IsFree);
        try
        {
            using DiskIndex index = DiskIndex.Open(path);
            int freeCount = Enumerable.Range(0, index.Count).Count(i => IsFree((uint)i));
            Assert.Equal(freeCount, index.FreeCount);
            Assert.Equal(index.Count - freeCount, index.LiveCount);
            Assert.True(index.IsFree(3));
            Assert.False(index.IsFree(4));
            index.Delete(3);
            Assert.Equal(0, index.DeletedCount);
            Assert.False(index.IsDeleted(3));

            float[] vector = new float[index.Dimensions];
            uint[] neighbors = new uint[index.MaxDegree];
            Assert.Equal(0, index.ReadNode(13, vector, neighbors));
            Assert.All(vector, value => Assert.Equal(0f, value));
            Assert.True(index.Code(13).IndexOfAnyExcept((byte)0) < 0);

            uint[] ids = new uint[K];
            float[] distances = new float[K];
            for (int q = 0; q < 200; q++)
            {
                int found = index.Search(Mnist.Query(q), 100, 4, ids, distances, out _);
                Assert.True(found > 0);
                for (int i = 0; i < found; i++)
                {
                    Assert.False(IsFree(ids[i]), $"query {q} returned free slot {ids[i]}");
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadCache_serves_the_nodes_near_the_medoid_from_memory_with_identical_results()
    {
        using DiskIndex index = fixture.OpenCopy();
        const int Queries = 200;
        const int CachedNodes = 1000;
        uint[] ids = new uint[Queries * K];
        float[] distances = new float[Queries * K];
        DiskSearchStats before = default;
        for (int q = 0; q < Queries; q++)
        {
            index.Search(Mnist.Query(q), 100, 4, ids.AsSpan(q * K, K), distances.AsSpan(q * K, K), out DiskSearchStats stats);
            Assert.Equal(0, stats.CacheHits);
            before = Add(before, stats);
        }

        long memory = index.MemoryBytes;
        index.LoadCache((long)CachedNodes * index.RecordBytes, CancellationToken.None);
        Assert.Equal(CachedNodes, index.CachedNodes);
        Assert.True(index.MemoryBytes - memory >= (long)CachedNodes * index.RecordBytes);

        uint[] cachedIds = new uint[K];
        float[] cachedDistances = new float[K];
        DiskSearchStats after = default;
        for (int q = 0; q < Queries; q++)
        {
            int found = index.Search(Mnist.Query(q), 100, 4, cachedIds, cachedDistances, out DiskSearchStats stats);
            Assert.Equal(K, found);
            Assert.True(cachedIds.AsSpan().SequenceEqual(ids.AsSpan(q * K, K)), $"query {q}: other ids with the cache");
            Assert.True(cachedDistances.AsSpan().SequenceEqual(distances.AsSpan(q * K, K)), $"query {q}: other distances with the cache");
            Assert.Equal(stats.FullDistances, stats.SectorReads + stats.CacheHits);
            after = Add(after, stats);
        }

        output.WriteLine($"without cache: {Describe(before, Queries)}");
        output.WriteLine($"{CachedNodes} nodes cached ({index.MemoryBytes - memory} bytes): {Describe(after, Queries)}");
        Assert.True(after.SectorReads < before.SectorReads);
        Assert.True(after.CacheHits > 0);
        Assert.Equal(before.FullDistances, after.FullDistances);

        index.LoadCache(index.RecordBytes - 1, CancellationToken.None);
        Assert.Equal(0, index.CachedNodes);
        Assert.Equal(memory, index.MemoryBytes);
        using CancellationTokenSource cancelled = new();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => index.LoadCache(1 << 20, cancelled.Token));
    }

    [Fact]
    public void Concurrent_searches_return_what_sequential_searches_return()
    {
        DiskIndex index = fixture.Index;
        const int Queries = 200;
        const int Threads = 4;
        uint[] expectedIds = new uint[Queries * K];
        float[] expectedDistances = new float[Queries * K];
        for (int q = 0; q < Queries; q++)
        {
            index.Search(Mnist.Query(q), 64, 4, expectedIds.AsSpan(q * K, K), expectedDistances.AsSpan(q * K, K), out _);
        }

        int mismatches = 0;
        Thread[] threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int offset = t * 37;
            threads[t] = new Thread(() =>
            {
                uint[] ids = new uint[K];
                float[] distances = new float[K];
                for (int i = 0; i < Queries; i++)
                {
                    int q = (i + offset) % Queries;
                    index.Search(Mnist.Query(q), 64, 4, ids, distances, out _);
                    if (!ids.AsSpan().SequenceEqual(expectedIds.AsSpan(q * K, K))
                        || !distances.AsSpan().SequenceEqual(expectedDistances.AsSpan(q * K, K)))
                    {
                        Interlocked.Increment(ref mismatches);
                    }
                }
            });
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void Several_records_share_a_sector_at_16_dimensions_and_cosine_search_with_L_count_is_exact()
    {
        // 16 × 4 + 4 + 16 × 4 = 132 bytes: 31 records per sector, none straddling a boundary.
        const int Count = 2000;
        const int Dimensions = 16;
        const int MaxDegree = 16;
        (VamanaIndex graph, float[] rows, ProductQuantizer quantizer, byte[] codes) =
            RandomIndex(Metric.Cosine, Count, Dimensions, MaxDegree, 4, 16);
        string path = fixture.TempPath("small.diskann");
        DiskMnistFixture.WriteIndex(path, graph, rows, quantizer, codes, MaxDegree, isFree: null);
        using DiskIndex index = DiskIndex.Open(path);
        Assert.Equal(132, index.RecordBytes);
        Assert.Equal(31, index.NodesPerSector);
        Assert.Equal(1, index.SectorsPerNode);
        Assert.Equal((1 + ((Count + 30) / 31) + TailSectors(index)) * DiskIndex.SectorBytes, index.FileBytes);
        AssertRecordsRoundTrip(index, graph, rows);
        AssertExactAtFullListSize(index, graph, rows, 1);
        File.Delete(path);
    }

    [Fact]
    public void Records_of_1536_dimensions_span_two_sectors_and_inner_product_search_with_L_count_is_exact()
    {
        // 1536 × 4 + 4 + 16 × 4 = 6212 bytes: each record on two sectors of its own.
        const int Count = 400;
        const int Dimensions = 1536;
        const int MaxDegree = 16;
        (VamanaIndex graph, float[] rows, ProductQuantizer quantizer, byte[] codes) =
            RandomIndex(Metric.InnerProduct, Count, Dimensions, MaxDegree, 48, 1536);
        string path = fixture.TempPath("wide.diskann");
        DiskMnistFixture.WriteIndex(path, graph, rows, quantizer, codes, MaxDegree, isFree: null);
        using DiskIndex index = DiskIndex.Open(path);
        Assert.Equal(6212, index.RecordBytes);
        Assert.Equal(0, index.NodesPerSector);
        Assert.Equal(2, index.SectorsPerNode);
        Assert.Equal((1 + (2L * Count) + TailSectors(index)) * DiskIndex.SectorBytes, index.FileBytes);
        AssertRecordsRoundTrip(index, graph, rows);
        AssertExactAtFullListSize(index, graph, rows, 2);
        File.Delete(path);
    }

    [Fact]
    public void A_damaged_header_or_tail_a_truncated_file_or_an_incomplete_write_does_not_open()
    {
        const int Count = 500;
        (VamanaIndex graph, float[] rows, ProductQuantizer quantizer, byte[] codes) = RandomIndex(Metric.L2, Count, 16, 16, 4, 500);
        string path = fixture.TempPath("damaged.diskann");
        DiskMnistFixture.WriteIndex(path, graph, rows, quantizer, codes, 16, id => id == 7);
        byte[] image = File.ReadAllBytes(path);
        long tailOffset;
        using (DiskIndex index = DiskIndex.Open(path))
        {
            Assert.Equal(1, index.FreeCount);
            tailOffset = (1 + ((Count + index.NodesPerSector - 1) / index.NodesPerSector)) * (long)DiskIndex.SectorBytes;
        }

        // Header: magic, version, a field under the CRC, the CRC; tail: the quantizer, a code, the free list, the CRC.
        int tailLength = (int)(image.Length - tailOffset);
        int quantizerBytes = BinaryPrimitives.ReadInt32LittleEndian(image.AsSpan((int)tailOffset));
        long codesAt = tailOffset + 4 + quantizerBytes;
        long[] offsets = [0, 8, 20, 64, tailOffset + 2, tailOffset + 4 + (quantizerBytes / 2), codesAt + 100, codesAt + (Count * 4) + 4];
        foreach (long offset in offsets)
        {
            byte[] damaged = (byte[])image.Clone();
            damaged[offset] ^= 0x40;
            File.WriteAllBytes(path, damaged);
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => DiskIndex.Open(path));
            output.WriteLine($"byte {offset} flipped: {e.Message}");
        }

        File.WriteAllBytes(path, image.AsSpan(0, image.Length - DiskIndex.SectorBytes).ToArray());
        output.WriteLine($"truncated: {Assert.Throws<InvalidDataException>(() => DiskIndex.Open(path)).Message}");
        File.WriteAllBytes(path, image.AsSpan(0, 100).ToArray());
        output.WriteLine($"100 bytes: {Assert.Throws<InvalidDataException>(() => DiskIndex.Open(path)).Message}");
        Assert.True(tailLength > 0);

        using (DiskIndexWriter writer = new(path, Metric.L2, 16, 16, Count, 0, quantizer))
        {
            writer.Append(TestData.Row(rows, 16, 0), [1, 2], codes.AsSpan(0, 4));
        }

        output.WriteLine($"incomplete: {Assert.Throws<InvalidDataException>(() => DiskIndex.Open(path)).Message}");
        File.Delete(path);
    }

    [Fact]
    public void Dispose_while_a_reference_is_held_keeps_the_file_open_until_the_last_release()
    {
        DiskIndex index = fixture.OpenCopy();
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        float[] vector = new float[index.Dimensions];
        uint[] neighbors = new uint[index.MaxDegree];
        Assert.True(index.TryAcquire());
        index.Dispose();
        Assert.False(index.TryAcquire());
        Assert.Equal(K, index.Search(Mnist.Query(0), 50, 4, ids, distances, out _));
        Assert.True(index.ReadNode(5, vector, neighbors) > 0);
        index.LoadCache(1 << 20, CancellationToken.None);
        Assert.True(index.CachedNodes > 0);

        index.Release();
        Assert.Throws<ObjectDisposedException>(() => index.Search(Mnist.Query(0), 50, 4, ids, distances, out _));
        Assert.Throws<ObjectDisposedException>(() => index.ReadNode(5, vector, neighbors));
        Assert.Throws<ObjectDisposedException>(() => index.LoadCache(1 << 20, CancellationToken.None));
        Assert.Throws<InvalidOperationException>(index.Release);
        Assert.False(index.TryAcquire());
        index.Dispose();
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        DiskIndex index = fixture.Index;
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        float[] shortQuery = new float[index.Dimensions - 1];
        Assert.Throws<ArgumentException>(() => index.Search(shortQuery, 50, 4, ids, distances, out _));
        Assert.Throws<ArgumentException>(() => index.Search(Mnist.Query(0), 0, 4, ids, distances, out _));
        Assert.Throws<ArgumentException>(() => index.Search(Mnist.Query(0), 50, 0, ids, distances, out _));
        Assert.Throws<ArgumentException>(() => index.Search(Mnist.Query(0), 50, 4, ids, new float[K - 1], out _));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => index.ReadNode((uint)index.Count, new float[index.Dimensions], new uint[index.MaxDegree]));
        Assert.Throws<ArgumentException>(() => index.ReadNode(0, new float[index.Dimensions - 1], new uint[index.MaxDegree]));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Delete((uint)index.Count));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Code((uint)index.Count));

        // A beam wider than L, and L above the node count, are clamped.
        Assert.Equal(K, index.Search(Mnist.Query(0), 20, 64, ids, distances, out _));
        Assert.Equal(0, index.Search(Mnist.Query(0), 20, 4, [], [], out _));

        string path = fixture.TempPath("arguments.diskann");
        ProductQuantizer quantizer = fixture.Quantizer;
        Assert.Throws<ArgumentException>(() => new DiskIndexWriter(path, Metric.L1, 784, 64, 10, 0, quantizer));
        Assert.Throws<ArgumentException>(() => new DiskIndexWriter(path, Metric.Cosine, 784, 64, 10, 0, quantizer));
        Assert.Throws<ArgumentException>(() => new DiskIndexWriter(path, Metric.L2, 783, 64, 10, 0, quantizer));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiskIndexWriter(path, Metric.L2, 784, 64, 10, 10, quantizer));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiskIndexWriter(path, Metric.L2, 784, 0, 10, 0, quantizer));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DiskIndexWriter(path, Metric.L2, 784, 64, 0, 0, quantizer));
        using (DiskIndexWriter writer = new(path, Metric.L2, 784, 4, 2, 0, quantizer))
        {
            ReadOnlySpan<float> row = TestData.Row(Mnist.BaseRows, 784, 0);
            byte[] code = fixture.Codes.AsSpan(0, DiskMnistFixture.Chunks).ToArray();
            Assert.Throws<ArgumentException>(() => writer.Append(new float[783], [1], code));
            Assert.Throws<ArgumentException>(() => writer.Append(TestData.Row(Mnist.BaseRows, 784, 0), [1, 1, 1, 1, 1], code));
            Assert.Throws<ArgumentException>(() => writer.Append(TestData.Row(Mnist.BaseRows, 784, 0), [2], code));
            Assert.Throws<ArgumentException>(() => writer.Append(TestData.Row(Mnist.BaseRows, 784, 0), [1], new byte[97]));
            Assert.Throws<InvalidOperationException>(writer.Complete);
            writer.Append(row, [1], code);
            writer.AppendFree();
            Assert.Throws<InvalidOperationException>(writer.AppendFree);
            writer.Complete();
            Assert.Throws<InvalidOperationException>(writer.Complete);
        }

        using (DiskIndex two = DiskIndex.Open(path))
        {
            Assert.Equal(1, two.LiveCount);
            Assert.Equal(1, two.Search(Mnist.Query(0), 10, 4, ids, distances, out DiskSearchStats stats));
            Assert.Equal(0u, ids[0]);
            Assert.Equal(2, stats.FullDistances);
        }

        File.Delete(path);
    }

    [Fact]
    public void Searches_through_O_direct_batched_reads_and_through_the_page_cache_return_the_same_results()
    {
        using DiskIndex direct = fixture.OpenCopy();
        using DiskIndex buffered = DiskIndex.Open(fixture.FilePath, directIo: false);
        output.WriteLine($"O_DIRECT {direct.DirectIo}, Linux AIO {LinuxAio.TryCreate(1) is { } aio && Dispose(aio)}");
        uint[] directIds = new uint[K], bufferedIds = new uint[K];
        float[] directDistances = new float[K], bufferedDistances = new float[K];
        foreach (int width in new[] { 1, 4, 16 })
        {
            for (int q = 0; q < 200; q++)
            {
                int found = direct.Search(Mnist.Query(q), 60, width, directIds, directDistances, out DiskSearchStats directStats);
                Assert.Equal(found, buffered.Search(Mnist.Query(q), 60, width, bufferedIds, bufferedDistances, out DiskSearchStats bufferedStats));
                Assert.Equal(bufferedStats, directStats);
                Assert.True(directIds.AsSpan(0, found).SequenceEqual(bufferedIds.AsSpan(0, found)), $"query {q}, W {width}");
                Assert.True(directDistances.AsSpan(0, found).SequenceEqual(bufferedDistances.AsSpan(0, found)), $"query {q}, W {width}");
            }
        }

        static bool Dispose(LinuxAio aio)
        {
            aio.Dispose();
            return true;
        }
    }

    [Fact]
    public void O_direct_is_in_effect_where_the_file_system_accepts_it_and_then_refuses_unaligned_reads()
    {
        (VamanaIndex graph, float[] rows, ProductQuantizer quantizer, byte[] codes) = RandomIndex(Metric.L2, 300, 16, 16, 4, 300);
        string repositoryDirectory = Path.Combine(AppContext.BaseDirectory, "disk-index-odirect");
        Directory.CreateDirectory(repositoryDirectory);
        (string Where, string Directory)[] places = [("temporary directory", fixture.Directory), ("repository", repositoryDirectory)];
        foreach ((string where, string directory) in places)
        {
            string path = Path.Combine(directory, "odirect.diskann");
            DiskMnistFixture.WriteIndex(path, graph, rows, quantizer, codes, 16, isFree: null);
            bool direct;
            using (DiskIndex index = DiskIndex.Open(path))
            {
                direct = index.DirectIo;
                uint[] ids = new uint[K];
                Assert.Equal(K, index.Search(TestData.Row(rows, 16, 0), 50, 4, ids, new float[K], out _));
                Assert.Equal(0u, ids[0]);
            }

            using (DiskIndex buffered = DiskIndex.Open(path, directIo: false))
            {
                Assert.False(buffered.DirectIo);
            }

            byte[] unaligned = new byte[DiskIndex.SectorBytes];
            using (SafeFileHandle handle = DiskIndex.OpenHandle(path, directIo: true, out bool handleDirect))
            {
                Assert.Equal(direct, handleDirect);
                if (handleDirect)
                {
                    // With O_DIRECT the kernel refuses a read at an offset that is not block aligned (EINVAL).
                    Assert.ThrowsAny<IOException>(() => RandomAccess.Read(handle, unaligned, 1));
                }
            }

            using (SafeFileHandle handle = DiskIndex.OpenHandle(path, directIo: false, out bool handleDirect))
            {
                Assert.False(handleDirect);
                Assert.Equal(unaligned.Length, RandomAccess.Read(handle, unaligned, 1));
            }

            output.WriteLine($"{where} ({directory}): O_DIRECT {(direct ? "in effect" : "refused, buffered reads")}");
            File.Delete(path);
        }

        Directory.Delete(repositoryDirectory);
    }

    [Fact]
    public void The_visited_set_agrees_with_a_hash_set_across_growth_and_resets()
    {
        IdHashSet visited = new();
        HashSet<uint> reference = [];
        Random random = new(7);
        foreach (int size in new[] { 10, 3000, 200, 70_000, 5 })
        {
            visited.Reset();
            reference.Clear();
            for (int i = 0; i < size * 2; i++)
            {
                // Ids from a range about the size of the round, so about half the adds are repeats.
                uint id = (uint)random.Next(size);
                Assert.Equal(reference.Add(id), visited.Add(id));
            }

            Assert.Equal(reference.Count, visited.Count);
        }
    }

    /// <summary>Sum of the stats of several searches.</summary>
    private static DiskSearchStats Add(DiskSearchStats a, DiskSearchStats b) =>
        new(
            a.Hops + b.Hops,
            a.SectorReads + b.SectorReads,
            a.CacheHits + b.CacheHits,
            a.PqDistances + b.PqDistances,
            a.FullDistances + b.FullDistances);

    private static string Describe(DiskSearchStats totals, int queries) =>
        $"per query {totals.Hops / (double)queries:F1} hops, {totals.SectorReads / (double)queries:F1} sector reads, "
        + $"{totals.CacheHits / (double)queries:F1} cache hits, {totals.PqDistances / (double)queries:F0} PQ and "
        + $"{totals.FullDistances / (double)queries:F1} full distances";

    /// <summary>
    /// Sectors of the tail: quantizer length, the quantizer as <see cref="ProductQuantizer.Save"/> writes it, the codes, the
    /// free-slot count and ids, the CRC.
    /// </summary>
    private static long TailSectors(DiskIndex index)
    {
        using MemoryStream quantizer = new();
        index.Quantizer.Save(quantizer);
        long bytes = sizeof(int) + quantizer.Length + index.Codes.Length + sizeof(int) + (index.FreeCount * sizeof(uint)) + sizeof(uint);
        return (bytes + DiskIndex.SectorBytes - 1) / DiskIndex.SectorBytes;
    }

    /// <summary>
    /// recall@10 of <paramref name="queries"/> MNIST queries against the shipped ground truth (a returned id counts when it
    /// is a true neighbour or ties the 10th true distance), and the summed search stats.
    /// </summary>
    private (double Recall, DiskSearchStats Totals) Recall(DiskIndex index, int listSize, int beamWidth, int queries, int threads = 1)
    {
        int[] hits = new int[queries];
        DiskSearchStats[] stats = new DiskSearchStats[queries];
        Parallel.For(
            0,
            queries,
            new ParallelOptions { MaxDegreeOfParallelism = threads },
            () => (Ids: new uint[K], Distances: new float[K]),
            (q, _, local) =>
            {
                int found = index.Search(Mnist.Query(q), listSize, beamWidth, local.Ids, local.Distances, out stats[q]);
                ReadOnlySpan<int> truth = Mnist.GroundTruth.AsSpan(q * Mnist.GroundTruthK, K);
                float kth = Mnist.GroundTruthDistances[(q * Mnist.GroundTruthK) + K - 1];
                for (int i = 0; i < found; i++)
                {
                    if (truth.Contains((int)local.Ids[i]) || local.Distances[i] <= kth + (1e-5f * Math.Max(Math.Abs(kth), 1f)))
                    {
                        hits[q]++;
                    }
                }

                return local;
            },
            _ => { });
        DiskSearchStats totals = default;
        foreach (DiskSearchStats s in stats)
        {
            totals = Add(totals, s);
        }

        return (hits.Sum() / (double)(queries * K), totals);
    }

    /// <summary>How many of <paramref name="ids"/> are among the 10 nearest points not in <paramref name="deleted"/>.</summary>
    private int LiveTruthHits(uint[] ids, int found, int q, HashSet<uint> deleted)
    {
        ReadOnlySpan<int> truth = Mnist.GroundTruth.AsSpan(q * Mnist.GroundTruthK, Mnist.GroundTruthK);
        HashSet<uint> live = [];
        foreach (int id in truth)
        {
            if (!deleted.Contains((uint)id) && live.Count < K)
            {
                live.Add((uint)id);
            }
        }

        int hits = 0;
        for (int i = 0; i < found; i++)
        {
            hits += live.Contains(ids[i]) ? 1 : 0;
        }

        return hits;
    }

    /// <summary>A seeded random data set, its Vamana graph, a quantizer trained on all of it and its codes.</summary>
    private static (VamanaIndex Graph, float[] Rows, ProductQuantizer Quantizer, byte[] Codes) RandomIndex(
        Metric metric, int count, int dimensions, int maxDegree, int chunks, int seed)
    {
        Random random = new(seed);
        float[] rows = new float[count * dimensions];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = (float)((random.NextDouble() * 2) - 1);
        }

        VamanaIndex graph = new(metric, dimensions, new VamanaOptions { MaxDegree = maxDegree, BuildListSize = 32, Seed = seed });
        graph.Build(rows, count, 1);
        ProductQuantizer quantizer = ProductQuantizer.Train(metric, dimensions, chunks, rows, count, 10, seed, 1, CancellationToken.None);
        return (graph, rows, quantizer, DiskMnistFixture.EncodeAll(quantizer, rows, count));
    }

    private static void AssertRecordsRoundTrip(DiskIndex index, VamanaIndex graph, float[] rows)
    {
        float[] vector = new float[index.Dimensions];
        uint[] neighbors = new uint[index.MaxDegree];
        uint[] expected = new uint[graph.Options.MaxDegree];
        for (uint id = 0; id < index.Count; id++)
        {
            int degree = index.ReadNode(id, vector, neighbors);
            Assert.Equal(graph.CopyNeighbors(id, expected), degree);
            Assert.True(neighbors.AsSpan(0, degree).SequenceEqual(expected.AsSpan(0, degree)), $"neighbours of node {id}");
            Assert.True(vector.AsSpan().SequenceEqual(TestData.Row(rows, index.Dimensions, (int)id)), $"vector of node {id}");
        }
    }

    /// <summary>
    /// With L = Count nothing leaves the candidate list, so a search expands every node the medoid reaches: its top 10 is
    /// the exact top 10 by the index's kernel, and the in-memory index with the same L returns the same.
    /// </summary>
    private static void AssertExactAtFullListSize(DiskIndex index, VamanaIndex graph, float[] rows, int sectorsPerRead)
    {
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        uint[] memoryIds = new uint[K];
        float[] memoryDistances = new float[K];
        Neighbor[] all = new Neighbor[index.Count];
        for (int q = 0; q < 20; q++)
        {
            ReadOnlySpan<float> query = TestData.Row(rows, index.Dimensions, q * 7);
            int found = index.Search(query, index.Count, 4, ids, distances, out DiskSearchStats stats);
            Assert.Equal(K, found);
            Assert.Equal(index.Count, stats.FullDistances);
            Assert.Equal(sectorsPerRead * stats.FullDistances, stats.SectorReads);
            for (int i = 0; i < index.Count; i++)
            {
                all[i] = new Neighbor((uint)i, KernelDistance(index.Metric, query, TestData.Row(rows, index.Dimensions, i)));
            }

            all.AsSpan().Sort(default(NeighborComparer));
            for (int i = 0; i < K; i++)
            {
                Assert.Equal(all[i].Id, ids[i]);
                Assert.Equal(all[i].Distance, distances[i]);
            }

            Assert.Equal(K, graph.Search(query, index.Count, memoryIds, memoryDistances, out _));
            Assert.Equal(memoryIds, ids);
            Assert.Equal(memoryDistances, distances);
        }
    }

    private static float KernelDistance(Metric metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b) => metric switch
    {
        Metric.L2 => L2Kernel.Distance(a, b),
        Metric.InnerProduct => InnerProductKernel.Distance(a, b),
        _ => CosineKernel.Distance(a, b),
    };
}

using System.Diagnostics;
using AnnSql.Index.Disk;
using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>
/// FreshDiskANN's StreamingMerge (arXiv 2105.09613, §5) on the MNIST subset (9,000 × 784) written as a disk index
/// (<see cref="DiskMnistFixture"/>): deletes folded into free slots, inserts reusing them or growing the index, the graph
/// invariants of the merged file, recall@10 against the shipped ground truth through an id map, searches on the old index
/// during a merge, and cancellation.
/// </summary>
public sealed class StreamingMergeTests(DiskMnistFixture fixture, ITestOutputHelper output) : IClassFixture<DiskMnistFixture>
{
    private const int K = DiskMnistFixture.K;

    /// <summary>L of the recall searches.</summary>
    private const int ListSize = 100;

    private const int BeamWidth = 4;

    private const int Seed = 21050961;

    private const int Threads = 2;

    private static readonly VamanaOptions Options = new();

    private MnistVamanaFixture Mnist => fixture.Mnist;

    [Fact]
    public void Churn_of_30_percent_reinserted_reuses_every_slot_and_keeps_recall_at_10_of_at_least_0_95()
    {
        // Buffered reads (the same answers as O_DIRECT) keep the three recall sweeps short.
        using DiskIndex old = DiskIndex.Open(fixture.FilePath, directIo: false);
        int count = old.Count;
        int[] identity = [.. Enumerable.Range(0, count)];
        double fresh = Recall(old, identity);

        // The medoid is among the deleted: the merge must move the start point to a surviving node.
        int[] deleted = RandomRows(count, count * 3 / 10, Seed);
        if (!deleted.Contains((int)old.Medoid))
        {
            deleted[0] = (int)old.Medoid;
        }

        foreach (int row in deleted)
        {
            old.Delete((uint)row);
        }

        double tombstoned = Recall(old, identity);
        string path = fixture.TempPath("churn.diskann");
        MergeSummary summary = StreamingMerge.Run(
            old, new RowSource(Mnist.BaseRows, Mnist.Dimensions, deleted), path, Options, Threads, default);

        Assert.Equal(deleted.Length, summary.DeletesDropped);
        Assert.Equal(count, summary.Count);
        int[] sortedDeleted = [.. deleted.Order()];
        Assert.Equal(sortedDeleted.Select(row => (uint)row), summary.InsertedIds);
        Assert.False(File.Exists(path + StreamingMerge.IntermediateSuffix));

        using DiskIndex merged = DiskIndex.Open(path, directIo: false);
        Assert.Equal(count, merged.Count);
        Assert.Equal(0, merged.FreeCount);
        Assert.Equal(0, merged.DeletedCount);
        Assert.DoesNotContain(merged.Medoid, summary.InsertedIds);
        AssertGraph(merged, Options.MaxDegree);

        int[] rowOf = new int[count];
        identity.CopyTo(rowOf, 0);
        for (int i = 0; i < deleted.Length; i++)
        {
            rowOf[summary.InsertedIds[i]] = deleted[i];
        }

        double after = Recall(merged, rowOf);
        output.WriteLine(
            $"recall@{K} at L = {ListSize}: {fresh:F4} before churn, {tombstoned:F4} with {deleted.Length} tombstones, {after:F4} after "
            + $"the merge ({summary.Elapsed.TotalSeconds:F2} s on {Threads} threads, {merged.FileBytes / 1e6:F1} MB)");
        Assert.True(tombstoned < fresh, $"tombstoning 30% should lose recall: {tombstoned} vs {fresh}");
        Assert.True(after >= 0.95, $"recall@{K} after the merge {after:F4} < 0.95");
    }

    [Fact]
    public void Delete_only_merge_leaves_free_slots_that_searches_never_return_and_inserts_reuse_lowest_first()
    {
        using DiskIndex old = fixture.OpenCopy();
        int count = old.Count;
        int[] deleted = RandomRows(count, count / 10, Seed + 1);
        foreach (int row in deleted)
        {
            old.Delete((uint)row);
        }

        string path = fixture.TempPath("delete-only.diskann");
        MergeSummary summary = StreamingMerge.Run(
            old, new RowSource(Mnist.BaseRows, Mnist.Dimensions, []), path, Options, Threads, default);
        Assert.Empty(summary.InsertedIds);
        Assert.Equal(deleted.Length, summary.DeletesDropped);
        Assert.Equal(count, summary.Count);

        HashSet<uint> freed = [.. deleted.Select(row => (uint)row)];
        int[] identity = [.. Enumerable.Range(0, count)];
        double recall;
        using (DiskIndex merged = DiskIndex.Open(path, directIo: false))
        {
            Assert.Equal(count, merged.Count);
            Assert.Equal(deleted.Length, merged.FreeCount);
            Assert.Equal(0, merged.DeletedCount);
            Assert.All(freed, id => Assert.True(merged.IsFree(id)));
            Assert.DoesNotContain(merged.Medoid, freed);
            AssertGraph(merged, Options.MaxDegree);
            recall = Recall(merged, identity, returned: id => Assert.DoesNotContain(id, freed));
        }

        // The exact top 10 over the surviving rows: deleted rows cannot be found and must not count as misses.
        double liveRecall = LiveRecall(path, freed);
        output.WriteLine(
            $"delete-only merge of {deleted.Length} tombstones: {summary.Elapsed.TotalSeconds:F2} s; recall@{K} at L = {ListSize} "
            + $"{recall:F4} against all rows, {liveRecall:F4} against the surviving rows");
        Assert.True(liveRecall >= 0.95, $"recall@{K} over the surviving rows {liveRecall:F4} < 0.95");

        // Inserting into the merged index fills its free slots lowest first, then appends.
        using DiskIndex withFree = DiskIndex.Open(path);
        int[] queries = [.. Enumerable.Range(0, deleted.Length + 50)];
        string grown = fixture.TempPath("delete-then-insert.diskann");
        MergeSummary inserted = StreamingMerge.Run(
            withFree, new RowSource(Mnist.Queries, Mnist.Dimensions, queries), grown, Options, Threads, default);
        uint[] expected = [.. freed.Order(), .. Enumerable.Range(count, 50).Select(id => (uint)id)];
        Assert.Equal(expected, inserted.InsertedIds);
        Assert.Equal(0, inserted.DeletesDropped);
        using DiskIndex full = DiskIndex.Open(grown);
        Assert.Equal(count + 50, full.Count);
        Assert.Equal(0, full.FreeCount);
        AssertGraph(full, Options.MaxDegree);
    }

    [Fact]
    public void Insert_only_merge_grows_the_index_and_finds_the_inserted_vectors()
    {
        const int Inserts = 500;
        string path = fixture.TempPath("insert-only.diskann");
        int[] queries = [.. Enumerable.Range(0, Inserts)];
        MergeSummary summary = StreamingMerge.Run(
            fixture.Index, new RowSource(Mnist.Queries, Mnist.Dimensions, queries), path, Options, Threads, default);
        int count = fixture.Index.Count;
        Assert.Equal(count + Inserts, summary.Count);
        Assert.Equal(Enumerable.Range(count, Inserts).Select(id => (uint)id), summary.InsertedIds);
        Assert.Equal(0, summary.DeletesDropped);

        using DiskIndex merged = DiskIndex.Open(path);
        Assert.Equal(count + Inserts, merged.Count);
        Assert.Equal(0, merged.FreeCount);
        AssertGraph(merged, Options.MaxDegree);

        // Each inserted query is its own nearest neighbour (distance 0) and must come back first.
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        int selfFound = 0;
        for (int q = 0; q < Inserts; q++)
        {
            int found = merged.Search(Mnist.Query(q), ListSize, BeamWidth, ids, distances, out _);
            selfFound += found > 0 && ids[0] == summary.InsertedIds[q] ? 1 : 0;
        }

        // The other queries still find their base neighbours (inserted queries are not base rows: never a hit).
        int[] rowOf = [.. Enumerable.Range(0, count + Inserts).Select(id => id < count ? id : -1)];
        double recall = Recall(merged, rowOf, firstQuery: Inserts);
        output.WriteLine(
            $"insert-only merge of {Inserts}: {summary.Elapsed.TotalSeconds:F2} s; {selfFound}/{Inserts} inserts found first; "
            + $"recall@{K} of the other queries {recall:F4}");
        Assert.True(selfFound >= Inserts * 99 / 100, $"only {selfFound} of {Inserts} inserted vectors came back first");
        Assert.True(recall >= 0.95, $"recall@{K} {recall:F4} < 0.95");
    }

    [Fact]
    public async Task Searches_on_the_old_index_run_without_errors_during_a_merge()
    {
        using DiskIndex old = fixture.OpenCopy();
        int[] deleted = RandomRows(old.Count, old.Count / 10, Seed + 2);
        foreach (int row in deleted)
        {
            old.Delete((uint)row);
        }

        HashSet<uint> tombstoned = [.. deleted.Select(row => (uint)row)];
        string path = fixture.TempPath("concurrent.diskann");
        Task<MergeSummary> merge = Task.Run(
            () => StreamingMerge.Run(
                old, new RowSource(Mnist.Queries, Mnist.Dimensions, [.. Enumerable.Range(0, 300)]), path, Options, 1, default));
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        int searches = 0;
        int q = 0;
        do
        {
            int found = old.Search(Mnist.Query(q), ListSize, BeamWidth, ids, distances, out _);
            Assert.Equal(K, found);
            Assert.All(ids, id => Assert.DoesNotContain(id, tombstoned));
            searches++;
            q = (q + 1) % Mnist.QueryCount;
        }
        while (!merge.IsCompleted);

        MergeSummary summary = await merge;
        output.WriteLine($"{searches} searches on the old index during a {summary.Elapsed.TotalSeconds:F2} s merge");
        Assert.Equal(deleted.Length, summary.DeletesDropped);
        using DiskIndex merged = DiskIndex.Open(path);
        Assert.Equal(old.Count, merged.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Cancelling_a_merge_deletes_its_partial_files(int phase)
    {
        using DiskIndex old = fixture.OpenCopy();
        foreach (int row in RandomRows(old.Count, 500, Seed + 3))
        {
            old.Delete((uint)row);
        }

        string path = fixture.TempPath($"cancelled-{phase}.diskann");
        const int Inserts = 100;
        using CancellationTokenSource cancel = new();

        // Phase 0: once the delete phase has begun its intermediate file; 1: at the first insert read (the insert phase);
        // 2: at the first read of the patch phase, with the output file begun.
        int cancelAtRead = phase switch
        {
            1 => 1,
            2 => Inserts + 1,
            _ => int.MaxValue,
        };
        RowSource source = new(Mnist.Queries, Mnist.Dimensions, [.. Enumerable.Range(0, Inserts)])
        {
            OnRead = reads =>
            {
                if (reads == cancelAtRead)
                {
                    cancel.Cancel();
                }
            },
        };
        using CancellationTokenSource returned = new();
        Task watcher = phase == 0
            ? Task.Run(() =>
            {
                SpinWait spin = default;
                while (!returned.IsCancellationRequested && !File.Exists(path + StreamingMerge.IntermediateSuffix))
                {
                    spin.SpinOnce();
                }

                cancel.Cancel();
            })
            : Task.CompletedTask;

        try
        {
            Assert.ThrowsAny<OperationCanceledException>(() => StreamingMerge.Run(old, source, path, Options, 1, cancel.Token));
        }
        finally
        {
            await returned.CancelAsync();
            await watcher;
        }

        Assert.False(File.Exists(path), "the partial output was left behind");
        Assert.False(File.Exists(path + StreamingMerge.IntermediateSuffix), "the intermediate file was left behind");
        Assert.Equal(500, old.DeletedCount);
    }

    [Fact]
    public void Rejects_inserts_of_other_dimensions_and_writing_over_its_own_file()
    {
        string path = fixture.TempPath("rejected.diskann");
        Assert.Throws<ArgumentException>(
            () => StreamingMerge.Run(fixture.Index, new RowSource(new float[10], 10, [0]), path, Options, 1, default));
        Assert.Throws<ArgumentException>(
            () => StreamingMerge.Run(
                fixture.Index, new RowSource(Mnist.BaseRows, Mnist.Dimensions, []), fixture.FilePath, Options, 1, default));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Merged_files_do_not_depend_on_the_thread_count()
    {
        using DiskIndex old = fixture.OpenCopy();
        foreach (int row in RandomRows(old.Count, 600, Seed + 4))
        {
            old.Delete((uint)row);
        }

        RowSource inserts = new(Mnist.Queries, Mnist.Dimensions, [.. Enumerable.Range(0, 700)]);
        string one = fixture.TempPath("one-thread.diskann");
        string two = fixture.TempPath("two-threads.diskann");
        MergeSummary first = StreamingMerge.Run(old, inserts, one, Options, 1, default);
        MergeSummary second = StreamingMerge.Run(old, inserts, two, Options, 2, default);
        Assert.Equal(first.InsertedIds, second.InsertedIds);
        Assert.Equal(old.Count + 100, first.Count);

        using DiskIndex a = DiskIndex.Open(one);
        using DiskIndex b = DiskIndex.Open(two);
        Assert.Equal(a.Count, b.Count);
        Assert.Equal(a.Medoid, b.Medoid);
        Assert.True(a.Codes.SequenceEqual(b.Codes));
        float[] vectorA = new float[a.Dimensions];
        float[] vectorB = new float[b.Dimensions];
        uint[] neighborsA = new uint[a.MaxDegree];
        uint[] neighborsB = new uint[b.MaxDegree];
        for (uint id = 0; id < (uint)a.Count; id++)
        {
            Assert.Equal(a.IsFree(id), b.IsFree(id));
            if (a.IsFree(id))
            {
                continue;
            }

            int degreeA = a.ReadNode(id, vectorA, neighborsA);
            int degreeB = b.ReadNode(id, vectorB, neighborsB);
            Assert.Equal(vectorA, vectorB);
            Assert.True(neighborsA.AsSpan(0, degreeA).SequenceEqual(neighborsB.AsSpan(0, degreeB)), $"node {id} differs");
        }
    }

    [Fact]
    public void Churn_on_a_cosine_index_keeps_recall_at_10_of_at_least_0_95()
    {
        const int Rows = 3000;
        const int Queries = 200;
        string path = fixture.TempPath("cosine.diskann");
        float[] rows = Mnist.BaseRows.AsSpan(0, Rows * Mnist.Dimensions).ToArray();
        DiskIndexBuilder.Build(
            path, new RowSource(rows, Mnist.Dimensions, [.. Enumerable.Range(0, Rows)]), Metric.Cosine, Options, pqChunks: 0,
            memoryBudgetBytes: 1L << 30, Threads, progress: null, default);
        using DiskIndex old = DiskIndex.Open(path);
        int[] deleted = RandomRows(Rows, Rows * 3 / 10, Seed + 5);
        foreach (int row in deleted)
        {
            old.Delete((uint)row);
        }

        string merged = fixture.TempPath("cosine-merged.diskann");
        MergeSummary summary = StreamingMerge.Run(old, new RowSource(rows, Mnist.Dimensions, deleted), merged, Options, Threads, default);
        using DiskIndex index = DiskIndex.Open(merged);
        Assert.Equal(Rows, index.Count);
        Assert.Equal(0, index.FreeCount);
        AssertGraph(index, Options.MaxDegree);
        int[] rowOf = [.. Enumerable.Range(0, Rows)];
        for (int i = 0; i < deleted.Length; i++)
        {
            rowOf[summary.InsertedIds[i]] = deleted[i];
        }

        uint[] ids = new uint[K];
        float[] distances = new float[K];
        int hits = 0;
        for (int q = 0; q < Queries; q++)
        {
            float[] query = Mnist.Query(q).ToArray();
            int[] exact = [.. Enumerable.Range(0, Rows)
                .OrderBy(row => CosineKernel.Distance(query, TestData.Row(rows, Mnist.Dimensions, row)))
                .Take(K)];
            int found = index.Search(query, ListSize, BeamWidth, ids, distances, out _);
            for (int i = 0; i < found; i++)
            {
                hits += exact.Contains(rowOf[ids[i]]) ? 1 : 0;
            }
        }

        double recall = hits / (double)(Queries * K);
        output.WriteLine($"cosine churn of {deleted.Length} of {Rows}: merge {summary.Elapsed.TotalSeconds:F2} s, recall@{K} {recall:F4}");
        Assert.True(recall >= 0.95, $"recall@{K} {recall:F4} < 0.95");
    }

    [Fact]
    public void Inserts_into_an_index_whose_every_node_was_deleted_are_linked_among_themselves()
    {
        const int Rows = 1000;
        const int Inserts = 400;
        string path = fixture.TempPath("emptied.diskann");
        DiskIndexBuilder.Build(
            path, new RowSource(Mnist.BaseRows, Mnist.Dimensions, [.. Enumerable.Range(0, Rows)]), Metric.L2, Options, pqChunks: 0,
            memoryBudgetBytes: 1L << 30, Threads, progress: null, default);
        using DiskIndex old = DiskIndex.Open(path, directIo: false);
        for (uint id = 0; id < Rows; id++)
        {
            old.Delete(id);
        }

        string merged = fixture.TempPath("refilled.diskann");
        int[] rows = [.. Enumerable.Range(Rows, Inserts)];
        MergeSummary summary = StreamingMerge.Run(
            old, new RowSource(Mnist.BaseRows, Mnist.Dimensions, rows), merged, Options, Threads, default);
        Assert.Equal(Enumerable.Range(0, Inserts).Select(id => (uint)id), summary.InsertedIds);
        using DiskIndex index = DiskIndex.Open(merged, directIo: false);
        Assert.Equal(Rows, index.Count);
        Assert.Equal(Rows - Inserts, index.FreeCount);
        Assert.InRange(index.Medoid, 0u, Inserts - 1u);
        AssertGraph(index, Options.MaxDegree);
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        int selfFound = 0;
        for (int i = 0; i < Inserts; i++)
        {
            int found = index.Search(TestData.Row(Mnist.BaseRows, Mnist.Dimensions, rows[i]), ListSize, BeamWidth, ids, distances, out _);
            selfFound += found > 0 && ids[0] == summary.InsertedIds[i] ? 1 : 0;
        }

        Assert.True(selfFound >= Inserts * 99 / 100, $"only {selfFound} of {Inserts} inserted vectors came back first");
    }

    [Fact]
    public void Symmetric_distances_match_the_scalar_reference_and_the_decoded_vectors()
    {
        MergeSymmetricDistances symmetric = MergeSymmetricDistances.From(fixture.Quantizer, Threads, default);
        int chunks = fixture.Quantizer.Chunks;
        Assert.Equal(chunks * 256L * 256 * sizeof(float), symmetric.MemoryBytes);
        float[] x = new float[Mnist.Dimensions];
        float[] y = new float[Mnist.Dimensions];
        Random random = new(Seed);
        for (int pair = 0; pair < 2000; pair++)
        {
            ReadOnlySpan<byte> a = fixture.Codes.AsSpan(random.Next(Mnist.Count) * chunks, chunks);
            ReadOnlySpan<byte> b = fixture.Codes.AsSpan(random.Next(Mnist.Count) * chunks, chunks);
            float distance = symmetric.Between(a, b);
            Assert.Equal(symmetric.BetweenScalar(a, b), distance);
            fixture.Quantizer.Decode(a, x);
            fixture.Quantizer.Decode(b, y);
            float decoded = ReferenceDistances.L2Squared(x, y);
            Assert.True(Math.Abs(distance - decoded) <= 1e-4f * Math.Max(1f, decoded), $"SDC {distance} vs decoded {decoded}");
        }
    }

    [Fact]
    public void Node_reader_reads_the_records_that_ReadNode_reads()
    {
        DiskIndex index = fixture.Index;
        using MergeNodeReader reader = new(index);
        float[] expectedVector = new float[index.Dimensions];
        float[] vector = new float[index.Dimensions];
        uint[] expectedNeighbors = new uint[index.MaxDegree];
        uint[] neighbors = new uint[index.MaxDegree];
        for (int first = 0; first < index.Count; first += 1000)
        {
            int count = Math.Min(1000, index.Count - first);
            reader.Load(first, count);
            for (uint id = (uint)first; id < (uint)(first + count); id++)
            {
                int degree = reader.Read(id, vector, neighbors);
                Assert.Equal(index.ReadNode(id, expectedVector, expectedNeighbors), degree);
                Assert.Equal(expectedVector, vector);
                Assert.True(expectedNeighbors.AsSpan(0, degree).SequenceEqual(neighbors.AsSpan(0, degree)));
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => reader.Read(0, vector, neighbors));
    }

    /// <summary>
    /// recall@K at L = <see cref="ListSize"/> of queries <paramref name="firstQuery"/>.. against the shipped ground truth,
    /// node ids mapped to base rows by <paramref name="rowOf"/>: a result counts when its row is among the true top K or its
    /// distance ties the K-th true one.
    /// </summary>
    private double Recall(DiskIndex index, int[] rowOf, Action<uint>? returned = null, int firstQuery = 0)
    {
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        int hits = 0;
        for (int q = firstQuery; q < Mnist.QueryCount; q++)
        {
            int found = index.Search(Mnist.Query(q), ListSize, BeamWidth, ids, distances, out _);
            ReadOnlySpan<int> truth = Mnist.GroundTruth.AsSpan(q * Mnist.GroundTruthK, K);
            float kth = Mnist.GroundTruthDistances[(q * Mnist.GroundTruthK) + K - 1];
            for (int i = 0; i < found; i++)
            {
                returned?.Invoke(ids[i]);
                int row = rowOf[ids[i]];
                if ((row >= 0 && truth.Contains(row)) || distances[i] <= kth + (1e-5f * Math.Max(Math.Abs(kth), 1f)))
                {
                    hits++;
                }
            }
        }

        return hits / (double)((Mnist.QueryCount - firstQuery) * K);
    }

    /// <summary>
    /// recall@K at L = <see cref="ListSize"/> of the first 200 queries against the exact top K over the rows not in
    /// <paramref name="deleted"/>.
    /// </summary>
    private double LiveRecall(string path, HashSet<uint> deleted)
    {
        const int Queries = 200;
        using DiskIndex index = DiskIndex.Open(path, directIo: false);
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        float[] exact = new float[Mnist.Count];
        int[] rows = new int[Mnist.Count];
        int hits = 0;
        for (int q = 0; q < Queries; q++)
        {
            ReferenceDistances.ComputeBatch(Metric.L2, Mnist.Query(q), Mnist.BaseRows, Mnist.Dimensions, exact);
            for (int row = 0; row < rows.Length; row++)
            {
                rows[row] = row;
                exact[row] = deleted.Contains((uint)row) ? float.PositiveInfinity : exact[row];
            }

            Array.Sort(exact, rows);
            float kth = exact[K - 1];
            int found = index.Search(Mnist.Query(q), ListSize, BeamWidth, ids, distances, out _);
            for (int i = 0; i < found; i++)
            {
                if (rows.AsSpan(0, K).Contains((int)ids[i]) || distances[i] <= kth + (1e-5f * Math.Max(Math.Abs(kth), 1f)))
                {
                    hits++;
                }
            }
        }

        return hits / (double)(Queries * K);
    }

    /// <summary>
    /// Out-degrees at most R, no self loop, no repeated neighbour, every neighbour a node that is neither free nor
    /// tombstoned.
    /// </summary>
    private static void AssertGraph(DiskIndex index, int maxDegree)
    {
        Assert.Equal(maxDegree, index.MaxDegree);
        float[] vector = new float[index.Dimensions];
        uint[] neighbors = new uint[index.MaxDegree];
        HashSet<uint> seen = [];
        int edges = 0;
        for (uint id = 0; id < (uint)index.Count; id++)
        {
            if (index.IsFree(id))
            {
                continue;
            }

            int degree = index.ReadNode(id, vector, neighbors);
            Assert.InRange(degree, 1, maxDegree);
            seen.Clear();
            foreach (uint j in neighbors.AsSpan(0, degree))
            {
                Assert.True(j != id, $"node {id} links to itself");
                Assert.True(j < (uint)index.Count, $"node {id} links to {j}, beyond count {index.Count}");
                Assert.True(seen.Add(j), $"node {id} lists {j} twice");
                Assert.False(index.IsFree(j), $"node {id} links to free slot {j}");
                Assert.False(index.IsDeleted(j), $"node {id} links to tombstoned node {j}");
            }

            edges += degree;
        }

        Assert.True(edges > 0);
    }

    /// <summary><paramref name="n"/> distinct rows of 0..count-1 in a seeded random order.</summary>
    private static int[] RandomRows(int count, int n, int seed)
    {
        int[] rows = [.. Enumerable.Range(0, count)];
        new Random(seed).Shuffle(rows);
        return rows[..n];
    }

    /// <summary>Rows <c>rows</c> of a row-major matrix as a vector source; <see cref="OnRead"/> sees the running read count.</summary>
    private sealed class RowSource(float[] data, int dimensions, int[] rows) : IVectorSource
    {
        private int _reads;

        public Action<int>? OnRead { get; init; }

        public int Count => rows.Length;

        public int Dimensions => dimensions;

        public void Read(int id, Span<float> destination)
        {
            OnRead?.Invoke(Interlocked.Increment(ref _reads));
            TestData.Row(data, dimensions, rows[id]).CopyTo(destination);
        }
    }
}

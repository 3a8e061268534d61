using System.Collections.Concurrent;
using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>
/// Labels on the Vamana index (Filtered-DiskANN) on small random data: label storage and postings, filtered search
/// results, labelled inserts, argument checks, allocation, concurrency and cancellation.
/// </summary>
public sealed class FilteredVamanaIndexTests(ITestOutputHelper output)
{
    private const int Seed = 20230430;
    private const int Dim = 24;

    [Fact]
    public void Build_copies_sorts_and_deduplicates_label_sets_and_fills_postings_in_id_order()
    {
        const int Points = 600;
        float[] data = RandomVectors(Points, Dim, Seed);
        int[]?[] labels = new int[]?[Points + 5];
        for (int i = 0; i < Points; i++)
        {
            labels[i] = (i % 7) switch
            {
                0 => null,
                1 => [],
                2 => [i % 5, -7, i % 5],
                3 => [int.MaxValue, int.MinValue],
                _ => [i % 5],
            };
        }

        VamanaIndex index = new(Metric.L2, Dim, new VamanaOptions());
        index.Build(data, Points, labels, 2);
        labels[2]![0] = 99;

        SortedDictionary<int, List<uint>> carriers = [];
        for (int i = 0; i < Points; i++)
        {
            int[] expected = (i % 7) switch
            {
                0 or 1 => [],
                2 => [-7, i % 5],
                3 => [int.MinValue, int.MaxValue],
                _ => [i % 5],
            };
            Assert.Equal(expected, index.GetLabels((uint)i).ToArray());
            foreach (int label in expected)
            {
                if (!carriers.TryGetValue(label, out List<uint>? ids))
                {
                    carriers[label] = ids = [];
                }

                ids.Add((uint)i);
            }
        }

        Assert.Equal(carriers.Count, index.LabelCount);
        foreach ((int label, List<uint> ids) in carriers)
        {
            Assert.Equal(ids, index.GetPostings(label).ToArray());
            Assert.Contains(index.StartPointOf(label), ids);
        }

        Assert.True(index.GetPostings(12345).IsEmpty);
        Assert.Equal(uint.MaxValue, index.StartPointOf(12345));
        MnistVamanaFixture.AssertGraphInvariants(index);
    }

    [Fact]
    public void A_build_with_only_empty_label_sets_gives_the_graph_of_a_build_without_labels()
    {
        const int Points = 800;
        float[] data = RandomVectors(Points, Dim, Seed);
        VamanaIndex plain = new(Metric.L2, Dim, new VamanaOptions());
        plain.Build(data, Points, 1);
        VamanaIndex empty = new(Metric.L2, Dim, new VamanaOptions());
        int[]?[] labels = [.. Enumerable.Range(0, Points).Select(i => i % 2 == 0 ? null : Array.Empty<int>())];
        empty.Build(data, Points, labels, 1);

        Assert.Equal(plain.StartPoint, empty.StartPoint);
        for (uint p = 0; p < Points; p++)
        {
            Assert.Equal(plain.GetNeighbors(p).ToArray(), empty.GetNeighbors(p).ToArray());
        }

        Assert.Equal(0, empty.LabelCount);
        Assert.Equal(plain.MemoryBytes, empty.MemoryBytes);
        Assert.Equal(0, empty.Search(data.AsSpan(0, Dim), 10, [0], new uint[10], new float[10], out VamanaSearchStats stats));
        Assert.Equal(default, stats);
    }

    [Theory]
    [InlineData(Metric.L2)]
    [InlineData(Metric.InnerProduct)]
    [InlineData(Metric.Cosine)]
    public void Filtered_search_returns_only_points_carrying_a_filter_label_sorted_with_kernel_distances(Metric metric)
    {
        const int Points = 2000;
        float[] data = RandomVectors(Points, Dim, Seed);
        int[][] labels = MixedLabels(Points);
        VamanaIndex index = new(metric, Dim, new VamanaOptions());
        index.Build(data, Points, labels, 2);

        float[] query = RandomVectors(1, Dim, Seed + 1);
        uint[] ids = new uint[50];
        float[] distances = new float[50];
        foreach (int[] filter in new[] { new[] { 1 }, [2], [3], [1, 2], [-4, 3], [2, 3, 1000] })
        {
            int found = index.Search(query, 50, filter, ids, distances, out VamanaSearchStats stats);
            int matching = Enumerable.Range(0, Points).Count(i => labels[i].Intersect(filter).Any());
            output.WriteLine($"{metric} [{string.Join(",", filter)}]: {found} found, {matching} match, {stats}");
            Assert.Equal(Math.Min(50, matching), found);
            Assert.InRange(stats.DistanceComputations, found, matching);
            for (int i = 0; i < found; i++)
            {
                Assert.True(index.GetLabels(ids[i]).ToArray().Intersect(filter).Any(), $"id {ids[i]} carries none of the filter");
                float exact = metric switch
                {
                    Metric.L2 => L2Kernel.Distance(query, index.GetVector(ids[i])),
                    Metric.InnerProduct => InnerProductKernel.Distance(query, index.GetVector(ids[i])),
                    _ => CosineKernel.Distance(query, index.GetVector(ids[i])),
                };
                Assert.Equal(BitConverter.SingleToInt32Bits(exact), BitConverter.SingleToInt32Bits(distances[i]));
                Assert.True(i == 0 || distances[i - 1] < distances[i] || (distances[i - 1] == distances[i] && ids[i - 1] < ids[i]));
            }

            // A label nothing carries adds nothing.
            Assert.Equal(0, index.Search(query, 50, [1000], ids, distances, out _));
        }
    }

    [Fact]
    public void Insert_with_labels_creates_start_points_postings_and_finds_the_point()
    {
        const int Points = 1000;
        float[] data = RandomVectors(Points + 3, Dim, Seed);
        VamanaIndex index = new(Metric.L2, Dim, new VamanaOptions());
        index.Build(data, Points, [.. Enumerable.Range(0, Points).Select(i => new[] { i % 3 })], 2);
        Assert.Equal(3, index.LabelCount);

        ReadOnlySpan<float> first = data.AsSpan(Points * Dim, Dim);
        uint a = index.Insert(first, [77, 5, 77, -3]);
        Assert.Equal((uint)Points, a);
        Assert.Equal([-3, 5, 77], index.GetLabels(a).ToArray());
        Assert.Equal(6, index.LabelCount);
        Assert.Equal(a, index.StartPointOf(77));
        Assert.Equal(a, index.StartPointOf(-3));
        Assert.Equal([a], index.GetPostings(77).ToArray());

        uint[] ids = new uint[10];
        float[] distances = new float[10];
        Assert.Equal(1, index.Search(first, 10, [77], ids, distances, out _));
        Assert.Equal((a, 0f), (ids[0], distances[0]));

        ReadOnlySpan<float> second = data.AsSpan((Points + 1) * Dim, Dim);
        uint b = index.Insert(second, [1, 77]);
        Assert.Equal(a, index.StartPointOf(77));
        Assert.Equal([a, b], index.GetPostings(77).ToArray());
        Assert.Equal(b, index.GetPostings(1)[^1]);
        Assert.Equal(2, index.Search(first, 10, [77], ids, distances, out _));
        Assert.Equal(a, ids[0]);
        Assert.Equal(b, ids[1]);
        Assert.True(index.Search(second, 10, [1], ids, distances, out _) > 1);
        Assert.Equal((b, 0f), (ids[0], distances[0]));
        Assert.Equal(10, index.Search(first, 10, [-3, 1, 5, 77], ids, distances, out _));
        Assert.Equal((a, 0f), (ids[0], distances[0]));

        uint c = index.Insert(data.AsSpan((Points + 2) * Dim, Dim));
        Assert.True(index.GetLabels(c).IsEmpty);
        Assert.Equal(6, index.LabelCount);
        Assert.Equal(10, index.Search(data.AsSpan((Points + 2) * Dim, Dim), 10, ids, distances, out _));
        Assert.Equal((c, 0f), (ids[0], distances[0]));
        MnistVamanaFixture.AssertGraphInvariants(index);
    }

    [Fact]
    public void Labelled_inserts_into_an_empty_index_give_filtered_recall_at_10_of_at_least_0_95()
    {
        const int Points = 3000;
        const int Queries = 100;
        const int K = 10;
        float[] data = RandomVectors(Points, Dim, Seed);
        int[][] labels = MixedLabels(Points);
        VamanaIndex index = new(Metric.L2, Dim, new VamanaOptions());
        for (int i = 0; i < Points; i++)
        {
            Assert.Equal((uint)i, index.Insert(data.AsSpan(i * Dim, Dim), labels[i]));
        }

        foreach (int label in new[] { 1, 2, 3 })
        {
            Assert.Equal(index.GetPostings(label)[0], index.StartPointOf(label));
        }

        float[] queries = RandomVectors(Queries, Dim, Seed + 2);
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        foreach (int label in new[] { 1, 2, 3 })
        {
            uint[] carriers = [.. Enumerable.Range(0, Points).Where(i => labels[i].Contains(label)).Select(i => (uint)i)];
            int hits = 0;
            for (int q = 0; q < Queries; q++)
            {
                ReadOnlySpan<float> query = queries.AsSpan(q * Dim, Dim);
                float[] exact = new float[carriers.Length];
                for (int i = 0; i < carriers.Length; i++)
                {
                    exact[i] = L2Kernel.Distance(query, index.GetVector(carriers[i]));
                }

                Array.Sort(exact);
                float kth = exact[K - 1];
                int found = index.Search(query, 64, [label], ids, distances, out _);
                hits += distances.Take(found).Count(d => d <= kth);
            }

            double recall = hits / (double)(Queries * K);
            output.WriteLine($"label {label} ({carriers.Length} points): filtered recall@10 at L=64 {recall:F4}");
            Assert.True(recall >= 0.95, $"label {label}: filtered recall@10 {recall:F4} < 0.95");
        }
    }

    [Fact]
    public void Filter_arguments_are_validated()
    {
        float[] data = RandomVectors(100, Dim, Seed);
        VamanaIndex index = new(Metric.L2, Dim, new VamanaOptions());
        uint[] ids = new uint[5];
        float[] distances = new float[5];
        ReadOnlySpan<float> query = data.AsSpan(0, Dim);
        Assert.Equal(0, index.Search(query, 10, [1], ids, distances, out _));
        Assert.Throws<ArgumentException>(() => index.Build(data, 100, new int[]?[99], 1));
        index.Build(data, 100, [.. Enumerable.Range(0, 100).Select(i => new[] { -(i % 4) })], 1);

        Assert.Throws<ArgumentException>(() => index.Search(data.AsSpan(0, Dim), 10, [2, 1], ids, distances, out _));
        Assert.Throws<ArgumentException>(() => index.Search(data.AsSpan(0, Dim), 10, [1, 1], ids, distances, out _));
        Assert.Throws<ArgumentException>(() => index.Search(data.AsSpan(0, Dim - 1), 10, [1], ids, distances, out _));
        Assert.Throws<ArgumentException>(() => index.Search(data.AsSpan(0, Dim), 10, [1], ids, new float[4], out _));
        Assert.Throws<ArgumentException>(() => index.Insert(data.AsSpan(0, Dim - 1), [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.GetLabels(100));
        Assert.Throws<InvalidOperationException>(() => index.Build(data, 100, new int[]?[100], 1));

        Assert.Equal(0, index.Search(query, 10, [], ids, distances, out VamanaSearchStats stats));
        Assert.Equal(default, stats);
        Assert.Equal(0, index.Search(query, 10, [1, 2], ids, distances, out _));
        Assert.Equal(0, index.Search(query, 10, [-3], Span<uint>.Empty, Span<float>.Empty, out _));

        // Negative labels are labels; L below 1 is taken as 1.
        Assert.Equal(5, index.Search(query, 10, [-3], ids, distances, out _));
        Assert.Equal(1, index.Search(query, 0, [-3, -1], ids, distances, out _));
        Assert.Equal([0], index.GetLabels(0).ToArray());
        Assert.Equal([-1], index.GetLabels(1).ToArray());
        Assert.Equal(4, index.LabelCount);
    }

    [Fact]
    public void Filtered_search_allocates_nothing_after_the_first_call_on_a_thread()
    {
        const int Points = 500;
        float[] data = RandomVectors(Points, Dim, Seed);
        VamanaIndex index = new(Metric.L2, Dim, new VamanaOptions());
        index.Build(data, Points, MixedLabels(Points), 1);
        float[] query = RandomVectors(1, Dim, Seed + 3);
        uint[] ids = new uint[10];
        float[] distances = new float[10];
        int[] one = [2];
        int[] two = [1, 3];
        index.Search(query, 128, one, ids, distances, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            query[i % Dim] += 0.25f;
            index.Search(query, 1 + (i % 128), i % 2 == 0 ? one : two, ids, distances, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Concurrent_labelled_inserts_and_filtered_searches_return_only_matching_published_points()
    {
        const int Built = 2000;
        const int Inserted = 1000;
        const int Searches = 1000;
        float[] data = RandomVectors(Built + Inserted, Dim, Seed);
        int[][] labels = MixedLabels(Built + Inserted);
        for (int i = Built; i < Built + Inserted; i += 50)
        {
            // New labels appear while searches run; each is first carried by an inserted point.
            labels[i] = [.. labels[i], 100 + ((i - Built) / 50)];
        }

        VamanaIndex index = new(Metric.L2, Dim, new VamanaOptions());
        index.Build(data, Built, labels, 2);
        ConcurrentDictionary<uint, int> rowOfId = new();
        int nextRow = Built;
        int searchesLeft = Searches;
        ConcurrentQueue<string> failures = new();
        using Barrier start = new(4);
        Thread[] threads =
        [
            .. Enumerable.Range(0, 2).Select(_ => new Thread(Inserter)),
            .. Enumerable.Range(0, 2).Select(t => new Thread(() => Searcher(t))),
        ];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.Empty(failures);
        Assert.Equal(Built + Inserted, index.Count);
        foreach ((uint id, int row) in rowOfId)
        {
            Assert.Equal(labels[row].Order().Distinct(), index.GetLabels(id).ToArray());
        }

        for (int label = 100; label < 100 + (Inserted / 50); label++)
        {
            uint[] postings = index.GetPostings(label).ToArray();
            Assert.Single(postings);
            Assert.Equal(postings[0], index.StartPointOf(label));
        }

        MnistVamanaFixture.AssertGraphInvariants(index);

        void Inserter()
        {
            start.SignalAndWait();
            for (int row = Interlocked.Increment(ref nextRow) - 1; row < Built + Inserted; row = Interlocked.Increment(ref nextRow) - 1)
            {
                uint id = index.Insert(data.AsSpan(row * Dim, Dim), labels[row]);
                rowOfId[id] = row;
            }
        }

        void Searcher(int thread)
        {
            Random random = new(Seed + thread);
            float[] query = new float[Dim];
            uint[] ids = new uint[20];
            float[] distances = new float[20];
            int[][] filters = [[1], [2], [3], [1, 3], [2, 100, 101, 102, 103, 104, 105]];
            start.SignalAndWait();
            while (Interlocked.Decrement(ref searchesLeft) >= 0)
            {
                for (int d = 0; d < Dim; d++)
                {
                    query[d] = (random.NextSingle() * 2) - 1;
                }

                int[] filter = filters[random.Next(filters.Length)];
                int found = index.Search(query, 20, filter, ids, distances, out _);
                int countAfter = index.Count;
                if (found == 0)
                {
                    failures.Enqueue($"a search for [{string.Join(",", filter)}] found nothing");
                }

                for (int i = 0; i < found; i++)
                {
                    if (ids[i] >= countAfter)
                    {
                        failures.Enqueue($"id {ids[i]} returned while count is {countAfter}");
                    }
                    else if (!index.GetLabels(ids[i]).ToArray().Intersect(filter).Any())
                    {
                        failures.Enqueue($"id {ids[i]} carries none of [{string.Join(",", filter)}]");
                    }
                }

                foreach (int label in filter)
                {
                    ReadOnlySpan<uint> postings = index.GetPostings(label);
                    for (int i = 1; i < postings.Length; i++)
                    {
                        if (postings[i] <= postings[i - 1])
                        {
                            failures.Enqueue($"postings of {label} out of order at {i}");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void A_cancelled_labelled_build_leaves_no_labels()
    {
        const int Points = 1000;
        float[] data = RandomVectors(Points, Dim, Seed);
        VamanaIndex index = new(Metric.L2, Dim, new VamanaOptions());
        using CancellationTokenSource cts = new();
        Assert.ThrowsAny<OperationCanceledException>(() => index.Build(
            data, Points, MixedLabels(Points), 1, new SynchronousProgress(p => { if (p.PointsDone >= 100) { cts.Cancel(); } }), cts.Token));
        Assert.Equal(0, index.Count);
        Assert.Equal(0, index.LabelCount);
        Assert.True(index.GetPostings(1).IsEmpty);
        Assert.Equal(0u, index.Insert(data.AsSpan(0, Dim), [9]));
        Assert.Equal(1, index.LabelCount);
        Assert.Equal(0u, index.StartPointOf(9));
    }

    /// <summary>
    /// Labels 1, 2 and 3 with overlaps and unlabelled points: i % 4 = 0 → {1}, 1 → {2}, 2 → {1, 2}, 3 → none; i % 10 = 0
    /// adds 3.
    /// </summary>
    private static int[][] MixedLabels(int count)
    {
        int[][] labels = new int[count][];
        for (int i = 0; i < count; i++)
        {
            List<int> set = (i % 4) switch
            {
                0 => [1],
                1 => [2],
                2 => [1, 2],
                _ => [],
            };
            if (i % 10 == 0)
            {
                set.Add(3);
            }

            labels[i] = [.. set];
        }

        return labels;
    }

    private static float[] RandomVectors(int count, int dim, int seed)
    {
        Random random = new(seed);
        float[] data = new float[count * dim];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (random.NextSingle() * 2) - 1;
        }

        return data;
    }

    /// <summary>An <see cref="IProgress{T}"/> that runs its handler on the reporting thread.</summary>
    private sealed class SynchronousProgress(Action<VamanaBuildProgress> handler) : IProgress<VamanaBuildProgress>
    {
        public void Report(VamanaBuildProgress value) => handler(value);
    }
}

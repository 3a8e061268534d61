using System.Collections.Concurrent;
using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>Vamana index behaviour on small or random data: result shape and order, NaN, concurrency, progress, errors.</summary>
public sealed class VamanaIndexTests(ITestOutputHelper output)
{
    private const int Seed = 20190101;

    [Fact]
    public void An_empty_index_finds_nothing()
    {
        VamanaIndex index = new(Metric.L2, 3, new VamanaOptions());
        uint[] ids = new uint[4];
        float[] distances = new float[4];
        Assert.Equal(0, index.Search([1f, 2f, 3f], 10, ids, distances, out VamanaSearchStats stats));
        Assert.Equal(default, stats);
        Assert.Equal(0, index.Count);
        index.Build([], 0, 1);
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void A_one_point_index_finds_that_point()
    {
        VamanaIndex index = new(Metric.L2, 3, new VamanaOptions());
        Assert.Equal(0u, index.Insert([1f, 2f, 3f]));
        uint[] ids = new uint[4];
        float[] distances = new float[4];
        Assert.Equal(1, index.Search([1f, 2f, 5f], 10, ids, distances, out VamanaSearchStats stats));
        Assert.Equal(0u, ids[0]);
        Assert.Equal(4f, distances[0]);
        Assert.Equal(new VamanaSearchStats(1, 1), stats);
        Assert.Equal([1f, 2f, 3f], index.GetVector(0).ToArray());
    }

    [Theory]
    [InlineData(Metric.L2)]
    [InlineData(Metric.InnerProduct)]
    [InlineData(Metric.Cosine)]
    public void Search_returns_min_of_L_count_and_span_length_results_sorted_by_distance(Metric metric)
    {
        // 20 inserted points with R = 32: an insert only appends back edges and no list outgrows R, so no edge is ever
        // removed, every point stays reachable from the start point, and L >= Count finds all of them.
        const int Dim = 17;
        float[] data = RandomVectors(20, Dim, Seed);
        VamanaIndex index = new(metric, Dim, new VamanaOptions());
        for (int i = 0; i < 20; i++)
        {
            index.Insert(data.AsSpan(i * Dim, Dim));
        }

        float[] query = RandomVectors(1, Dim, Seed + 1);
        uint[] ids = new uint[64];
        float[] distances = new float[64];

        Assert.Equal(20, index.Search(query, 100, ids, distances, out VamanaSearchStats all));
        Assert.Equal(20, ids.Take(20).Distinct().Count());
        Assert.Equal(20, all.DistanceComputations);
        AssertSortedWithKernelDistances(index, query, ids.AsSpan(0, 20), distances.AsSpan(0, 20));

        Assert.Equal(5, index.Search(query, 5, ids, distances, out _));
        AssertSortedWithKernelDistances(index, query, ids.AsSpan(0, 5), distances.AsSpan(0, 5));
        Assert.Equal(3, index.Search(query, 100, ids.AsSpan(0, 3), distances.AsSpan(0, 3), out _));
        Assert.Equal(20, index.Search(query, int.MaxValue, ids, distances, out _));
        Assert.Equal(1, index.Search(query, 0, ids, distances, out _));
        Assert.Equal(1, index.Search(query, -4, ids, distances, out _));
    }

    [Fact]
    public void Under_cosine_a_zero_vector_has_a_NaN_distance_and_ranks_last()
    {
        const int Dim = 8;
        VamanaIndex index = new(Metric.Cosine, Dim, new VamanaOptions());
        float[] data = RandomVectors(10, Dim, Seed);
        for (int i = 0; i < 5; i++)
        {
            index.Insert(data.AsSpan(i * Dim, Dim));
        }

        uint zero = index.Insert(new float[Dim]);
        for (int i = 5; i < 10; i++)
        {
            index.Insert(data.AsSpan(i * Dim, Dim));
        }

        uint[] ids = new uint[16];
        float[] distances = new float[16];
        float[] query = RandomVectors(1, Dim, Seed + 7);
        Assert.Equal(11, index.Search(query, 32, ids, distances, out _));
        Assert.Equal(zero, ids[10]);
        Assert.True(float.IsNaN(distances[10]));
        Assert.DoesNotContain(distances.Take(10), float.IsNaN);
        AssertSortedWithKernelDistances(index, query, ids.AsSpan(0, 11), distances.AsSpan(0, 11));

        // A zero query is NaN from every point: all rank equal, so by id.
        Assert.Equal(11, index.Search(new float[Dim], 32, ids, distances, out _));
        Assert.Equal(Enumerable.Range(0, 11).Select(i => (uint)i), ids.Take(11));
        Assert.All(distances.Take(11), d => Assert.True(float.IsNaN(d)));
    }

    [Fact]
    public void Search_allocates_nothing_after_the_first_call_on_a_thread()
    {
        const int Dim = 24;
        float[] data = RandomVectors(500, Dim, Seed);
        VamanaIndex index = new(Metric.L2, Dim, new VamanaOptions());
        index.Build(data, 500, 1);
        float[] query = RandomVectors(1, Dim, Seed + 3);
        uint[] ids = new uint[10];
        float[] distances = new float[10];
        index.Search(query, 128, ids, distances, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            query[i % Dim] += 0.25f;
            index.Search(query, 1 + (i % 128), ids, distances, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Concurrent_inserts_and_searches_return_published_points_with_exact_distances()
    {
        const int Dim = 32;
        const int Built = 2000;
        const int Inserted = 1000;
        const int Searches = 1000;
        float[] data = RandomVectors(Built + Inserted, Dim, Seed);
        VamanaIndex index = new(Metric.L2, Dim, new VamanaOptions());
        index.Build(data, Built, 2);

        ConcurrentDictionary<uint, int> rowOfId = new();
        for (int i = 0; i < Built; i++)
        {
            rowOfId[(uint)i] = i;
        }

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
        Assert.Equal(Built + Inserted, rowOfId.Count);
        foreach ((uint id, int row) in rowOfId)
        {
            Assert.True(data.AsSpan(row * Dim, Dim).SequenceEqual(index.GetVector(id)), $"id {id} does not hold row {row}");
        }

        MnistVamanaFixture.AssertGraphInvariants(index);

        void Inserter()
        {
            start.SignalAndWait();
            for (int row = Interlocked.Increment(ref nextRow) - 1; row < Built + Inserted; row = Interlocked.Increment(ref nextRow) - 1)
            {
                uint id = index.Insert(data.AsSpan(row * Dim, Dim));
                if (!rowOfId.TryAdd(id, row))
                {
                    failures.Enqueue($"id {id} assigned twice");
                }
            }
        }

        void Searcher(int thread)
        {
            Random random = new(Seed + thread);
            float[] query = new float[Dim];
            uint[] ids = new uint[20];
            float[] distances = new float[20];
            start.SignalAndWait();
            while (Interlocked.Decrement(ref searchesLeft) >= 0)
            {
                for (int d = 0; d < Dim; d++)
                {
                    query[d] = random.NextSingle();
                }

                int found = index.Search(query, 20, ids, distances, out _);
                int countAfter = index.Count;
                if (found == 0)
                {
                    failures.Enqueue("a search found nothing");
                }

                for (int i = 0; i < found; i++)
                {
                    if (ids[i] >= countAfter)
                    {
                        failures.Enqueue($"id {ids[i]} returned while count is {countAfter}");
                        continue;
                    }

                    float exact = L2Kernel.Distance(query, index.GetVector(ids[i]));
                    if (BitConverter.SingleToInt32Bits(exact) != BitConverter.SingleToInt32Bits(distances[i]))
                    {
                        failures.Enqueue($"id {ids[i]}: distance {distances[i]:R}, kernel {exact:R}");
                    }

                    if (i > 0 && (distances[i] < distances[i - 1] || (distances[i] == distances[i - 1] && ids[i] <= ids[i - 1])))
                    {
                        failures.Enqueue($"results {i - 1} and {i} out of order");
                    }
                }
            }
        }
    }

    [Fact]
    public void Build_reports_progress_for_both_passes_and_a_cancelled_build_leaves_the_index_empty()
    {
        const int Dim = 16;
        const int Points = 1000;
        float[] data = RandomVectors(Points, Dim, Seed);
        VamanaIndex index = new(Metric.L2, Dim, new VamanaOptions());
        ConcurrentBag<VamanaBuildProgress> reports = [];
        index.Build(data, Points, 2, new SynchronousProgress(reports.Add));
        Assert.Equal(Points, index.Count);
        for (int pass = 1; pass <= 2; pass++)
        {
            VamanaBuildProgress[] ofPass = [.. reports.Where(r => r.Pass == pass)];
            output.WriteLine($"pass {pass}: {ofPass.Length} reports");
            Assert.InRange(ofPass.Length, 50, 101);
            Assert.Contains(new VamanaBuildProgress(pass, Points, Points), ofPass);
            Assert.All(ofPass, r => Assert.Equal(Points, r.PointsTotal));
        }

        Assert.Throws<InvalidOperationException>(() => index.Build(data, Points, 1));

        VamanaIndex cancelled = new(Metric.L2, Dim, new VamanaOptions());
        using CancellationTokenSource cts = new();
        Assert.ThrowsAny<OperationCanceledException>(() => cancelled.Build(
            data, Points, 1, new SynchronousProgress(p => { if (p.PointsDone >= 100) { cts.Cancel(); } }), cts.Token));
        Assert.Equal(0, cancelled.Count);
        Assert.Equal(0u, cancelled.Insert(data.AsSpan(0, Dim)));
    }

    [Fact]
    public void Arguments_are_validated()
    {
        VamanaOptions ok = new();
        Assert.Throws<ArgumentOutOfRangeException>(() => new VamanaIndex(Metric.L2, 0, ok));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VamanaIndex(Metric.L2, -3, ok));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VamanaIndex(Metric.L2, 4, ok with { MaxDegree = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VamanaIndex(Metric.L2, 4, ok with { BuildListSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VamanaIndex(Metric.L2, 4, ok with { Alpha = 0.99f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VamanaIndex(Metric.L2, 4, ok with { Alpha = float.NaN }));
        Assert.Throws<ArgumentException>(() => new VamanaIndex(Metric.L1, 4, ok));
        Assert.Throws<ArgumentException>(() => new VamanaIndex(Metric.Hamming, 4, ok));
        Assert.Throws<ArgumentNullException>(() => new VamanaIndex(Metric.L2, 4, null!));

        VamanaIndex index = new(Metric.L2, 4, ok with { MaxDegree = 1, BuildListSize = 1, Alpha = 1f });
        Assert.Throws<ArgumentException>(() => index.Insert([1f, 2f, 3f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Build(new float[8], -1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Build(new float[8], 2, 0));
        Assert.Throws<ArgumentException>(() => index.Build(new float[7], 2, 1));
        Assert.Throws<ArgumentNullException>(() => index.Build(null!, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.GetVector(0));
        index.Insert([1f, 2f, 3f, 4f]);
        Assert.Throws<ArgumentException>(() => index.Search([1f, 2f, 3f], 10, new uint[2], new float[2], out _));
        Assert.Throws<ArgumentException>(() => index.Search([1f, 2f, 3f, 4f], 10, new uint[2], new float[3], out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.GetVector(1));
        Assert.Throws<InvalidOperationException>(() => index.Build(new float[8], 2, 1));
    }

    /// <summary>Asserts ascending (distance, id) order with NaN last, and that each distance is the kernel's, bit for bit.</summary>
    private static void AssertSortedWithKernelDistances(VamanaIndex index, ReadOnlySpan<float> query, ReadOnlySpan<uint> ids, ReadOnlySpan<float> distances)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            ReadOnlySpan<float> vector = index.GetVector(ids[i]);
            float exact = index.Metric switch
            {
                Metric.L2 => L2Kernel.Distance(query, vector),
                Metric.InnerProduct => InnerProductKernel.Distance(query, vector),
                _ => CosineKernel.Distance(query, vector),
            };
            Assert.Equal(BitConverter.SingleToInt32Bits(exact), BitConverter.SingleToInt32Bits(distances[i]));
            if (i > 0)
            {
                float previous = distances[i - 1];
                bool ordered = float.IsNaN(distances[i])
                    ? !float.IsNaN(previous) || ids[i - 1] < ids[i]
                    : previous < distances[i] || (previous == distances[i] && ids[i - 1] < ids[i]);
                Assert.True(ordered, $"results {i - 1} ({ids[i - 1]}, {previous:R}) and {i} ({ids[i]}, {distances[i]:R}) are out of order");
            }
        }
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

    /// <summary>An <see cref="IProgress{T}"/> that runs its handler on the reporting thread (Progress&lt;T&gt; would post).</summary>
    private sealed class SynchronousProgress(Action<VamanaBuildProgress> handler) : IProgress<VamanaBuildProgress>
    {
        public void Report(VamanaBuildProgress value) => handler(value);
    }
}

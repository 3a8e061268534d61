using AnnSql.Index.Search;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

public sealed class TopKHeapTests(ITestOutputHelper output)
{
    private const int Pairs = 10_000;

    [Theory]
    [InlineData(1, 50)]
    [InlineData(10, 50)]
    [InlineData(100, 50)]
    [InlineData(1, 1_000_000)]
    [InlineData(10, 1_000_000)]
    [InlineData(100, 1_000_000)]
    public void Keeps_the_same_pairs_as_a_full_sort(int k, int distinctDistances)
    {
        output.WriteLine($"seed {SimdPaths.Seed}, k {k}, {Pairs} pairs over {distinctDistances} distinct distances");
        Random rng = new(SimdPaths.Seed + k);

        // Ids are a shuffled permutation so insertion order says nothing about id order; few distinct distances make ties common.
        long[] ids = new long[Pairs];
        for (int i = 0; i < Pairs; i++)
        {
            ids[i] = i * 3L;
        }

        rng.Shuffle(ids);
        float[] distances = new float[Pairs];
        for (int i = 0; i < Pairs; i++)
        {
            distances[i] = rng.Next(distinctDistances) * 0.25f;
        }

        TopKHeap heap = new(k);
        for (int i = 0; i < Pairs; i++)
        {
            heap.TryAdd(distances[i], ids[i]);
        }

        Assert.Equal(k, heap.Count);
        (float Distance, long Id)[] expected = [.. Enumerable.Range(0, Pairs).Select(i => (distances[i], ids[i])).Order()];
        Assert.Equal(expected[k - 1].Distance, heap.WorstDistance);

        float[] outDistances = new float[k];
        long[] outIds = new long[k];
        Assert.Equal(k, heap.DrainSorted(outDistances, outIds));
        for (int i = 0; i < k; i++)
        {
            Assert.True(
                expected[i].Distance == outDistances[i] && expected[i].Id == outIds[i],
                $"rank {i}: expected ({expected[i].Distance}, {expected[i].Id}), got ({outDistances[i]}, {outIds[i]}) (seed {SimdPaths.Seed + k})");
        }

        Assert.Equal(0, heap.Count);
    }

    [Fact]
    public void TryAdd_reports_whether_the_pair_was_kept_and_ties_go_to_the_lower_id()
    {
        TopKHeap heap = new(2);
        Assert.Equal(float.PositiveInfinity, heap.WorstDistance);
        Assert.True(heap.TryAdd(1f, 10));
        Assert.Equal(float.PositiveInfinity, heap.WorstDistance);
        Assert.True(heap.TryAdd(1f, 20));
        Assert.Equal(1f, heap.WorstDistance);
        Assert.False(heap.TryAdd(1f, 30));
        Assert.False(heap.TryAdd(2f, 0));
        Assert.True(heap.TryAdd(1f, 5));

        float[] d = new float[2];
        long[] ids = new long[2];
        Assert.Equal(2, heap.DrainSorted(d, ids));
        Assert.Equal([5L, 10L], ids);
    }

    [Fact]
    public void NaN_sorts_after_every_number()
    {
        TopKHeap heap = new(3);
        heap.TryAdd(float.NaN, 1);
        heap.TryAdd(float.PositiveInfinity, 2);
        heap.TryAdd(0f, 3);
        Assert.True(heap.TryAdd(5f, 4));
        Assert.False(heap.TryAdd(float.NaN, 0));

        float[] d = new float[3];
        long[] ids = new long[3];
        heap.DrainSorted(d, ids);
        Assert.Equal([3L, 4L, 2L], ids);
    }

    [Fact]
    public void Reset_reuses_storage_and_zero_k_keeps_nothing()
    {
        TopKHeap heap = new(10);
        for (int i = 0; i < 20; i++)
        {
            heap.TryAdd(i, i);
        }

        heap.Reset(3);
        Assert.Equal(0, heap.Count);
        Assert.Equal(3, heap.Capacity);
        for (int i = 20; i > 0; i--)
        {
            heap.TryAdd(i, i);
        }

        long[] ids = new long[3];
        Assert.Equal(3, heap.DrainSorted(new float[3], ids));
        Assert.Equal([1L, 2L, 3L], ids);

        heap.Reset(0);
        Assert.False(heap.TryAdd(0f, 0));
        Assert.Equal(0, heap.DrainSorted(Span<float>.Empty, Span<long>.Empty));

        heap.Reset(50);
        Assert.Equal(50, heap.Capacity);
        Assert.Throws<ArgumentOutOfRangeException>(() => heap.Reset(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TopKHeap(-1));
    }

    [Fact]
    public void Drain_rejects_short_spans()
    {
        TopKHeap heap = new(4);
        heap.TryAdd(1f, 1);
        heap.TryAdd(2f, 2);
        Assert.Throws<ArgumentException>(() => heap.DrainSorted(new float[1], new long[2]));
        Assert.Throws<ArgumentException>(() => heap.DrainSorted(new float[2], new long[1]));
    }

    [Fact]
    public void Adding_and_draining_does_not_allocate()
    {
        TopKHeap heap = new(100);
        float[] d = new float[100];
        long[] ids = new long[100];
        Random rng = new(SimdPaths.Seed);
        float[] values = new float[Pairs];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = rng.NextSingle();
        }

        // Warm up so JIT work is not counted.
        RunOnce(heap, values, d, ids);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunOnce(heap, values, d, ids);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());

        static void RunOnce(TopKHeap heap, float[] values, float[] d, long[] ids)
        {
            heap.Reset(100);
            for (int i = 0; i < values.Length; i++)
            {
                heap.TryAdd(values[i], i);
            }

            heap.DrainSorted(d, ids);
        }
    }
}

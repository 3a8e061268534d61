using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>
/// Deletes, consolidation, id reuse and read scopes on small random data: arguments, edge cases, no edges to tombstones,
/// allocation, and the image checksum.
/// </summary>
public sealed class VamanaDeleteTests(ITestOutputHelper output)
{
    private const int Seed = 20210519;
    private const int Dim = 24;

    [Fact]
    public void Delete_IsDeleted_and_Consolidate_validate_their_arguments()
    {
        float[] data = RandomVectors(300, Dim, Seed);
        VamanaIndex index = new(Metric.L2, Dim, new VamanaOptions());
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Delete(0));
        Assert.Equal(default, index.Consolidate(1));
        index.Build(data, 300, 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => index.Delete(300));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.IsDeleted(300));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Consolidate(0));
        Assert.Equal(default, index.Consolidate(1));
        Assert.Equal((0, 0, 300), (index.DeletedCount, index.FreeCount, index.LiveCount));

        index.Delete(7);
        index.Delete(7);
        Assert.True(index.IsDeleted(7));
        Assert.False(index.IsDeleted(8));
        Assert.Equal((1, 0, 299), (index.DeletedCount, index.FreeCount, index.LiveCount));

        using CancellationTokenSource cancelled = new();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => index.Consolidate(1, cancelled.Token));
        Assert.Equal(1, index.DeletedCount);

        int inDegree = InDegree(index, 7);
        Assert.Equal(new VamanaConsolidation(1, inDegree, 1), index.Consolidate(2));
        Assert.Equal(0, InDegree(index, 7));
        Assert.Equal((0, 1, 299), (index.DeletedCount, index.FreeCount, index.LiveCount));
        Assert.False(index.IsDeleted(7));
        Assert.True(index.IsFree(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Delete(7));

        Assert.Equal(7u, index.Insert(data.AsSpan(0, Dim)));
        Assert.Equal((0, 0, 300), (index.DeletedCount, index.FreeCount, index.LiveCount));
        Assert.Equal(300u, index.Insert(data.AsSpan(Dim, Dim)));
        index.Delete(7);
        Assert.True(index.IsDeleted(7));
    }

    [Fact]
    public void Inserts_make_no_edges_to_tombstoned_points_and_free_ids_are_reused_lowest_first()
    {
        const int Points = 1000;
        float[] data = RandomVectors(Points + 200, Dim, Seed);
        VamanaIndex index = new(Metric.Cosine, Dim, new VamanaOptions { MaxDegree = 16 });
        index.Build(data, Points, 2);
        HashSet<uint> deleted = [];
        Random random = new(Seed);
        while (deleted.Count < 300)
        {
            uint id = (uint)random.Next(Points);
            index.Delete(id);
            deleted.Add(id);
        }

        for (int i = Points; i < Points + 100; i++)
        {
            uint id = index.Insert(data.AsSpan(i * Dim, Dim));
            Assert.Equal((uint)i, id);
            foreach (uint j in index.GetNeighbors(id))
            {
                Assert.DoesNotContain(j, deleted);
            }
        }

        Assert.Equal(300, index.Consolidate(2).Freed);
        uint[] expected = [.. deleted.Order()];
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(expected[i], index.Insert(data.AsSpan((Points + 100 + i) * Dim, Dim)));
        }

        Assert.Equal(200, index.FreeCount);
        Assert.Equal(Points + 100, index.Count);
        MnistVamanaFixture.AssertGraphInvariants(index);
    }

    [Fact]
    public void Deleting_and_consolidating_every_point_leaves_no_start_point_until_the_next_insert()
    {
        float[] data = RandomVectors(200, Dim, Seed);
        VamanaIndex index = new(Metric.InnerProduct, Dim, new VamanaOptions());
        int[][] labels = [.. Enumerable.Range(0, 200).Select(i => new[] { i % 2 })];
        index.Build(data, 200, labels, 2);
        for (uint id = 0; id < 200; id++)
        {
            index.Delete(id);
        }

        uint[] ids = new uint[10];
        float[] distances = new float[10];
        Assert.Equal(0, index.Search(data.AsSpan(0, Dim), 50, ids, distances, out VamanaSearchStats stats));
        Assert.True(stats.Hops > 0);
        Assert.Equal(new VamanaConsolidation(200, 0, 200), index.Consolidate(2));
        Assert.Equal((uint.MaxValue, uint.MaxValue, uint.MaxValue), (index.StartPoint, index.StartPointOf(0), index.StartPointOf(1)));
        Assert.Equal((0, 200, 0), (index.LiveCount, index.FreeCount, index.DeletedCount));
        Assert.Equal(0, index.Search(data.AsSpan(0, Dim), 50, ids, distances, out stats));
        Assert.Equal(default, stats);
        Assert.Equal(0, index.Search(data.AsSpan(0, Dim), 50, [0, 1], ids, distances, out _));

        uint first = index.Insert(data.AsSpan(Dim, Dim), [1]);
        Assert.Equal(0u, first);
        Assert.Equal((first, first), (index.StartPoint, index.StartPointOf(1)));
        Assert.Equal(uint.MaxValue, index.StartPointOf(0));
        uint second = index.Insert(data.AsSpan(2 * Dim, Dim), [0]);
        Assert.Equal(second, index.StartPointOf(0));
        Assert.Equal(2, index.Search(data.AsSpan(Dim, Dim), 50, ids, distances, out _));
        Assert.Equal(1, index.Search(data.AsSpan(Dim, Dim), 50, [0], ids, distances, out _));
        Assert.Equal(second, ids[0]);
    }

    [Fact]
    public void Searches_with_pending_tombstones_and_read_scopes_allocate_nothing_after_the_first_call()
    {
        float[] data = RandomVectors(500, Dim, Seed);
        VamanaIndex index = new(Metric.L2, Dim, new VamanaOptions());
        index.Build(data, 500, [.. Enumerable.Range(0, 500).Select(i => new[] { i % 3 })], 1);
        for (uint id = 0; id < 500; id += 3)
        {
            index.Delete(id);
        }

        float[] query = RandomVectors(1, Dim, Seed + 3);
        uint[] ids = new uint[10];
        float[] distances = new float[10];
        int[] filter = [1, 2];
        index.Search(query, 128, ids, distances, out _);
        index.Search(query, 128, filter, ids, distances, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            query[i % Dim] += 0.25f;
            using (index.EnterReadScope())
            {
                using ReadScope nested = index.EnterReadScope();
                index.Search(query, 1 + (i % 128), ids, distances, out _);
                index.Search(query, 1 + (i % 128), filter, ids, distances, out _);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        default(ReadScope).Dispose();
    }

    [Fact]
    public void Deletes_and_inserts_racing_with_consolidations_and_searches_leave_a_consistent_index()
    {
        const int Points = 2000;
        TimeSpan duration = TimeSpan.FromSeconds(2);
        float[] data = RandomVectors(Points, Dim, Seed);
        int[][] labels = [.. Enumerable.Range(0, Points).Select(i => new[] { i % 5 })];
        VamanaIndex index = new(Metric.L2, Dim, new VamanaOptions());
        index.Build(data, Points, labels, 2);

        // An id is in exactly one place: the live queue (may be deleted), the reinsert queue (its row, once deleted), or
        // in flight in the one thread handling it.
        ConcurrentQueue<uint> live = new(Enumerable.Range(0, Points).Select(i => (uint)i).OrderBy(i => (i * 7919) % Points));
        ConcurrentQueue<int> toReinsert = new();
        ConcurrentDictionary<uint, int> rowOfId = new(Enumerable.Range(0, Points).Select(i => KeyValuePair.Create((uint)i, i)));
        ConcurrentQueue<string> failures = new();
        int consolidations = 0;
        int deletes = 0;
        int inserts = 0;
        int searches = 0;
        Stopwatch clock = Stopwatch.StartNew();
        Thread[] threads =
        [
            new(() => Run("deleter", () =>
            {
                if (live.Count > Points / 2 && live.TryDequeue(out uint id))
                {
                    int row = rowOfId[id];
                    index.Delete(id);
                    toReinsert.Enqueue(row);
                    deletes++;
                }
            })),
            new(() => Run("inserter", () =>
            {
                if (toReinsert.TryDequeue(out int row))
                {
                    uint id = index.Insert(data.AsSpan(row * Dim, Dim), labels[row]);
                    rowOfId[id] = row;
                    live.Enqueue(id);
                    inserts++;
                }
            })),
            new(() => Run("consolidator", () =>
            {
                if (index.Consolidate(2).Deleted > 0)
                {
                    Interlocked.Increment(ref consolidations);
                }
            })),
            new(() => Run("searcher", () =>
            {
                uint[] ids = new uint[10];
                float[] distances = new float[10];
                int found = index.Search(data.AsSpan(Random.Shared.Next(Points) * Dim, Dim), 32, [Random.Shared.Next(5)], ids, distances, out _);
                searches++;
                for (int i = 1; i < found; i++)
                {
                    if (distances[i] < distances[i - 1])
                    {
                        failures.Enqueue("results out of order");
                    }
                }
            })),
        ];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        output.WriteLine(
            $"{deletes} deletes, {inserts} inserts, {consolidations} consolidations, {searches} filtered searches; "
            + $"count {index.Count}, free {index.FreeCount}, deleted {index.DeletedCount}");
        Assert.Empty(failures);
        Assert.True(consolidations > 0);

        // Quiescent: consolidate what is left and check every structure against the bookkeeping.
        index.Consolidate(2);
        HashSet<uint> liveIds = [.. live];
        Assert.Equal(0, index.DeletedCount);
        Assert.Equal(liveIds.Count, index.LiveCount);
        Assert.Equal(index.Count - liveIds.Count, index.FreeCount);
        Assert.Equal(Points, liveIds.Count + toReinsert.Count);
        MnistVamanaFixture.AssertGraphInvariants(index);
        for (uint id = 0; id < index.Count; id++)
        {
            Assert.False(index.IsDeleted(id));
            Assert.Equal(!liveIds.Contains(id), index.IsFree(id));
            if (index.IsFree(id))
            {
                Assert.True(index.GetNeighbors(id).IsEmpty && index.GetLabels(id).IsEmpty);
                continue;
            }

            int row = rowOfId[id];
            Assert.True(index.GetVector(id).SequenceEqual(data.AsSpan(row * Dim, Dim)), $"id {id} does not hold row {row}");
            Assert.Equal(labels[row], index.GetLabels(id).ToArray());
            foreach (uint j in index.GetNeighbors(id))
            {
                Assert.True(liveIds.Contains(j), $"live point {id} links to free id {j}");
            }
        }

        for (int label = 0; label < 5; label++)
        {
            uint[] carriers = [.. liveIds.Where(id => labels[rowOfId[id]][0] == label).Order()];
            Assert.Equal(carriers, index.GetPostings(label).ToArray().Order());
            Assert.Contains(index.StartPointOf(label), carriers);
        }

        Assert.Contains(index.StartPoint, liveIds);

        void Run(string name, Action step)
        {
            try
            {
                while (clock.Elapsed < duration)
                {
                    step();
                }
            }
            catch (Exception e)
            {
                failures.Enqueue($"{name}: {e}");
            }
        }
    }

    /// <summary>How many points other than <paramref name="target"/> have it as an out-neighbour.</summary>
    private static int InDegree(VamanaIndex index, uint target)
    {
        int n = 0;
        for (uint p = 0; p < index.Count; p++)
        {
            if (p != target && index.GetNeighbors(p).Contains(target))
            {
                n++;
            }
        }

        return n;
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
}

using System.Collections.Concurrent;
using System.Diagnostics;
using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>
/// FreshDiskANN deletes on the digit-labelled MNIST index (9,000 × 784): tombstones, consolidation (Algorithm 4), id
/// reuse by inserts, start points moved off deleted points, and searches running through all of it.
/// </summary>
[Collection(DeletableMnistCollection.Name)]
public sealed class VamanaDeleteRecallTests(DeletableMnistFixture fixture, ITestOutputHelper output)
{
    private const int K = DeletableMnistFixture.K;
    private const int ListSize = DeletableMnistFixture.ListSize;
    private const double MinRecall = 0.95;
    private const int Seed = 21050961;

    private MnistVamanaFixture Mnist => fixture.Mnist;

    [Fact]
    public void Deleting_half_the_points_keeps_recall_at_10_of_at_least_0_95_before_and_after_consolidation()
    {
        VamanaIndex index = fixture.Clone();
        int count = index.Count;
        uint[] deleted = RandomIds(count, count / 2, new Random(Seed));
        foreach (uint id in deleted)
        {
            index.Delete(id);
        }

        index.Delete(deleted[0]);
        Assert.Equal(deleted.Length, index.DeletedCount);
        Assert.Equal(count - deleted.Length, index.LiveCount);
        Assert.All(deleted, id => Assert.True(index.IsDeleted(id)));

        (long[] truth, float[] kth) = fixture.LiveTruth(index, Mnist.QueryCount);
        double before = fixture.RecallReturningOnlyLivePoints(index, truth, kth, Mnist.QueryCount);

        Stopwatch clock = Stopwatch.StartNew();
        VamanaConsolidation consolidation = index.Consolidate(Environment.ProcessorCount);
        double seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine(
            $"consolidation of {deleted.Length} deletes: {seconds:F2} s on {Environment.ProcessorCount} threads, {consolidation}");
        Assert.Equal(new VamanaConsolidation(deleted.Length, consolidation.Repaired, deleted.Length), consolidation);
        Assert.InRange(consolidation.Repaired, 1, count - deleted.Length);
        Assert.Equal(0, index.DeletedCount);
        Assert.Equal(deleted.Length, index.FreeCount);
        Assert.Equal(count - deleted.Length, index.LiveCount);
        Assert.Equal(count, index.Count);

        HashSet<uint> freed = [.. deleted];
        foreach (uint id in deleted)
        {
            Assert.True(index.IsFree(id));
            Assert.False(index.IsDeleted(id));
            Assert.True(index.GetNeighbors(id).IsEmpty);
            Assert.True(index.GetLabels(id).IsEmpty);
        }

        for (uint p = 0; p < count; p++)
        {
            foreach (uint j in index.GetNeighbors(p))
            {
                Assert.False(freed.Contains(j), $"point {p} keeps an edge to freed id {j}");
            }
        }

        MnistVamanaFixture.AssertGraphInvariants(index);
        Assert.DoesNotContain(index.StartPoint, freed);
        for (int digit = 0; digit < 10; digit++)
        {
            uint[] carriers =
            [
                .. Enumerable.Range(0, count)
                    .Where(i => fixture.Labeled.BaseLabels[i][0] == digit && !freed.Contains((uint)i))
                    .Select(i => (uint)i),
            ];
            Assert.Equal(carriers, index.GetPostings(digit).ToArray());
            Assert.Contains(index.StartPointOf(digit), carriers);
        }

        double after = fixture.RecallReturningOnlyLivePoints(index, truth, kth, Mnist.QueryCount);
        output.WriteLine(
            $"recall@10 at L={ListSize} over the {count - deleted.Length} live points: before consolidation {before:F4}, after {after:F4}; "
            + $"fresh build over all {count}: {fixture.FreshRecall:F4} (unlabelled {fixture.UnlabelledFreshRecall:F4})");
        Assert.True(before >= MinRecall, $"recall@10 before consolidation {before:F4} < {MinRecall}");
        Assert.True(after >= MinRecall, $"recall@10 after consolidation {after:F4} < {MinRecall}");
    }

    [Fact]
    public void Three_rounds_of_deleting_half_consolidating_and_reinserting_keep_recall_within_0_02_of_a_fresh_build()
    {
        VamanaIndex index = fixture.Clone();
        int count = index.Count;
        int[] rowOfId = [.. Enumerable.Range(0, count)];
        for (int round = 1; round <= 3; round++)
        {
            uint[] deleted = RandomIds(count, count / 2, new Random(Seed + round));
            foreach (uint id in deleted)
            {
                index.Delete(id);
            }

            Stopwatch clock = Stopwatch.StartNew();
            VamanaConsolidation consolidation = index.Consolidate(Environment.ProcessorCount);
            double consolidateSeconds = clock.Elapsed.TotalSeconds;
            Assert.Equal(deleted.Length, consolidation.Freed);
            Assert.Equal(deleted.Length, index.FreeCount);

            // Re-insert the deleted rows, with their digits, concurrently: every insert reuses a freed id.
            int[] rows = [.. deleted.Select(id => rowOfId[id])];
            ConcurrentDictionary<uint, int> reused = new();
            clock.Restart();
            Parallel.For(0, rows.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                int row = rows[i];
                uint id = index.Insert(TestData.Row(Mnist.BaseRows, Mnist.Dimensions, row), fixture.Labeled.BaseLabels[row]);
                Assert.True(reused.TryAdd(id, row), $"id {id} handed out twice");
            });
            double insertSeconds = clock.Elapsed.TotalSeconds;
            Assert.Equal(count, index.Count);
            Assert.Equal(0, index.FreeCount);
            Assert.Equal(0, index.DeletedCount);
            Assert.Equal(deleted.Order(), reused.Keys.Order());
            foreach ((uint id, int row) in reused)
            {
                rowOfId[id] = row;
            }

            MnistVamanaFixture.AssertGraphInvariants(index);
            int[] idOfRow = new int[count];
            for (int id = 0; id < count; id++)
            {
                idOfRow[rowOfId[id]] = id;
            }

            double recall = fixture.RecallWithRowsAt(index, idOfRow);
            output.WriteLine(
                $"round {round}: consolidate {consolidateSeconds:F2} s ({consolidation}), {rows.Length} reinserts {insertSeconds:F2} s; "
                + $"recall@10 at L={ListSize} over all {count}: {recall:F4}, fresh build {fixture.FreshRecall:F4} "
                + $"(unlabelled {fixture.UnlabelledFreshRecall:F4})");
            Assert.True(recall >= MinRecall, $"round {round}: recall@10 {recall:F4} < {MinRecall}");
            Assert.True(
                recall >= fixture.FreshRecall - 0.02,
                $"round {round}: recall@10 {recall:F4} more than 0.02 below the fresh build's {fixture.FreshRecall:F4}");
        }
    }

    [Fact]
    public void Deleting_the_medoid_moves_the_start_point_to_a_live_point_and_searches_keep_working()
    {
        VamanaIndex index = fixture.Clone();
        uint medoid = index.StartPoint;
        index.Delete(medoid);
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        Assert.Equal(K, index.Search(index.GetVector(medoid), ListSize, ids, distances, out _));
        Assert.DoesNotContain(medoid, ids);
        Assert.Equal(medoid, index.StartPoint);

        VamanaConsolidation consolidation = index.Consolidate(Environment.ProcessorCount);
        Assert.Equal((1, 1), (consolidation.Deleted, consolidation.Freed));
        uint start = index.StartPoint;
        output.WriteLine($"medoid {medoid} deleted: new start point {start}; {consolidation}");
        Assert.NotEqual(medoid, start);
        Assert.True(start < index.Count);
        Assert.False(index.IsDeleted(start));
        Assert.False(index.IsFree(start));

        const int Queries = 200;
        (long[] truth, float[] kth) = fixture.LiveTruth(index, Queries);
        double recall = fixture.RecallReturningOnlyLivePoints(index, truth, kth, Queries);
        output.WriteLine($"recall@10 at L={ListSize} over {Queries} queries: {recall:F4}");
        Assert.True(recall >= MinRecall, $"recall@10 {recall:F4} < {MinRecall}");

        // The freed medoid's id is reused by the next insert, which is found again.
        uint reused = index.Insert(TestData.Row(Mnist.BaseRows, Mnist.Dimensions, (int)medoid), fixture.Labeled.BaseLabels[medoid]);
        Assert.Equal(medoid, reused);
        Assert.Equal(K, index.Search(index.GetVector(reused), ListSize, ids, distances, out _));
        Assert.Equal((reused, 0f), (ids[0], distances[0]));
    }

    [Fact]
    public void A_label_whose_points_are_all_deleted_finds_nothing_until_a_new_point_carries_it()
    {
        const int Digit = 3;
        VamanaIndex index = fixture.Clone();
        uint[] carriers = index.GetPostings(Digit).ToArray();
        uint oldStart = index.StartPointOf(Digit);
        foreach (uint id in carriers)
        {
            index.Delete(id);
        }

        uint[] ids = new uint[K];
        float[] distances = new float[K];
        ReadOnlySpan<float> query = TestData.Row(Mnist.BaseRows, Mnist.Dimensions, (int)carriers[0]);
        Assert.Equal(0, index.Search(query, ListSize, [Digit], ids, distances, out VamanaSearchStats navigated));
        Assert.True(navigated.Hops > 0, "the filtered search should still navigate through the tombstoned points");
        // ℒ is crowded with the tombstoned 3s nearest to the query, so fewer than K live 5s may come back.
        int found = index.Search(query, ListSize, [Digit, 5], ids, distances, out _);
        Assert.InRange(found, 1, K);
        Assert.All(ids.Take(found), id => Assert.Equal([5], index.GetLabels(id).ToArray()));

        VamanaConsolidation consolidation = index.Consolidate(Environment.ProcessorCount);
        Assert.Equal(carriers.Length, consolidation.Deleted);
        Assert.Equal(uint.MaxValue, index.StartPointOf(Digit));
        Assert.True(index.GetPostings(Digit).IsEmpty);
        Assert.Equal(10, index.LabelCount);
        Assert.Equal(0, index.Search(query, ListSize, [Digit], ids, distances, out VamanaSearchStats none));
        Assert.Equal(default, none);
        Assert.Equal(K, index.Search(query, ListSize, [Digit, 5], ids, distances, out _));
        Assert.All(ids, id => Assert.Equal([5], index.GetLabels(id).ToArray()));

        // The next insert carrying the digit becomes its start point, and filtered searches find it (and the one after).
        uint first = index.Insert(query, [Digit]);
        Assert.Contains(first, carriers);
        Assert.Equal(first, index.StartPointOf(Digit));
        Assert.Equal([first], index.GetPostings(Digit).ToArray());
        Assert.Equal(1, index.Search(query, ListSize, [Digit], ids, distances, out _));
        Assert.Equal((first, 0f), (ids[0], distances[0]));
        ReadOnlySpan<float> other = TestData.Row(Mnist.BaseRows, Mnist.Dimensions, (int)carriers[1]);
        uint second = index.Insert(other, [Digit, 42]);
        Assert.Equal(first, index.StartPointOf(Digit));
        Assert.Equal(second, index.StartPointOf(42));
        Assert.Equal(2, index.Search(other, ListSize, [Digit], ids, distances, out _));
        Assert.Equal((second, 0f), (ids[0], distances[0]));
        Assert.Equal(first, ids[1]);
        Assert.Equal(K, index.Search(query, ListSize, ids, distances, out _));
        Assert.Equal((first, 0f), (ids[0], distances[0]));
        output.WriteLine($"digit {Digit}: {carriers.Length} points deleted (start point was {oldStart}); reinserted as {first}, {second}");
    }

    [Fact]
    public void Searches_during_deletes_consolidations_and_reinserts_return_only_live_points_in_order()
    {
        const int Batch = 1000;
        TimeSpan duration = TimeSpan.FromSeconds(3);
        VamanaIndex index = fixture.Clone();
        int count = index.Count;
        int dim = Mnist.Dimensions;

        // deletedAt[id]: the sequence number taken after Delete(id) returned (0: never deleted); reinsertStart: the one
        // taken before the first insert of the latest re-insertion. An id deleted before a search started, with no
        // re-insertion begun since, cannot be live during the search, so the search must not return it.
        long sequence = 0;
        long[] deletedAt = new long[count];
        long reinsertStart = 0;
        int[] rowOfId = [.. Enumerable.Range(0, count)];
        bool stop = false;
        int rounds = 0;
        int searches = 0;
        ConcurrentQueue<string> failures = new();
        using Barrier start = new(3);

        Thread writer = new(Writer);
        Thread[] searchers = [new(() => Searcher(1)), new(() => Searcher(2))];
        writer.Start();
        foreach (Thread thread in searchers)
        {
            thread.Start();
        }

        writer.Join();
        foreach (Thread thread in searchers)
        {
            thread.Join();
        }

        output.WriteLine($"{rounds} rounds of {Batch} deletes, consolidation and reinserts; {searches} searches");
        Assert.Empty(failures);
        Assert.True(rounds > 0 && searches > 0);
        Assert.Equal(count, index.Count);
        MnistVamanaFixture.AssertGraphInvariants(index);

        void Writer()
        {
            Random random = new(Seed);
            uint[] all = [.. Enumerable.Range(0, count).Select(i => (uint)i)];
            start.SignalAndWait();
            Stopwatch clock = Stopwatch.StartNew();
            try
            {
                while (clock.Elapsed < duration)
                {
                    random.Shuffle(all);
                    int[] rows = new int[Batch];
                    for (int i = 0; i < Batch; i++)
                    {
                        index.Delete(all[i]);
                        rows[i] = rowOfId[all[i]];
                        Volatile.Write(ref deletedAt[all[i]], Interlocked.Increment(ref sequence));
                    }

                    index.Consolidate(1);
                    Volatile.Write(ref reinsertStart, Interlocked.Increment(ref sequence));
                    foreach (int row in rows)
                    {
                        uint id = index.Insert(TestData.Row(Mnist.BaseRows, dim, row), fixture.Labeled.BaseLabels[row]);
                        rowOfId[id] = row;
                    }

                    rounds++;
                }
            }
            catch (Exception e)
            {
                failures.Enqueue($"writer: {e}");
            }
            finally
            {
                Volatile.Write(ref stop, true);
            }
        }

        void Searcher(int thread)
        {
            Random random = new(Seed + thread);
            uint[] ids = new uint[K];
            float[] distances = new float[K];
            start.SignalAndWait();
            try
            {
                while (!Volatile.Read(ref stop))
                {
                    int q = random.Next(Mnist.QueryCount);
                    ReadOnlySpan<float> query = Mnist.Query(q);
                    int[] filter = fixture.Labeled.QueryLabels[q];
                    bool filtered = random.Next(2) == 0;
                    long before = Volatile.Read(ref sequence);
                    using (index.EnterReadScope())
                    {
                        int found = filtered
                            ? index.Search(query, 32, filter, ids, distances, out _)
                            : index.Search(query, 32, ids, distances, out _);
                        long reinsertedSince = Volatile.Read(ref reinsertStart);
                        for (int i = 0; i < found; i++)
                        {
                            uint id = ids[i];
                            long deleted = Volatile.Read(ref deletedAt[id]);
                            if (deleted != 0 && deleted <= before && reinsertedSince < deleted)
                            {
                                failures.Enqueue($"id {id}, deleted at {deleted} before the search at {before}, was returned");
                            }

                            // Inside the scope the id cannot be recycled: its vector and labels are those the search saw.
                            float exact = L2Kernel.Distance(query, index.GetVector(id));
                            if (BitConverter.SingleToInt32Bits(exact) != BitConverter.SingleToInt32Bits(distances[i]))
                            {
                                failures.Enqueue($"id {id}: distance {distances[i]:R}, kernel {exact:R}");
                            }

                            if (filtered && !index.GetLabels(id).Contains(filter[0]))
                            {
                                failures.Enqueue($"id {id} lacks label {filter[0]}");
                            }

                            if (i > 0 && (distances[i] < distances[i - 1] || (distances[i] == distances[i - 1] && id <= ids[i - 1])))
                            {
                                failures.Enqueue($"results {i - 1} and {i} out of order");
                            }
                        }
                    }

                    Interlocked.Increment(ref searches);
                }
            }
            catch (Exception e)
            {
                failures.Enqueue($"searcher {thread}: {e}");
            }
        }
    }

    private static uint[] RandomIds(int count, int take, Random random)
    {
        uint[] all = [.. Enumerable.Range(0, count).Select(i => (uint)i)];
        random.Shuffle(all);
        return [.. all.Take(take).Order()];
    }
}

using AnnSql.Index.Distance;
using AnnSql.Index.Search;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Tests;

/// <summary>
/// The labelled MNIST subset of <see cref="LabeledMnistFixture"/> (its unlabelled and digit-labelled indexes, built once)
/// plus a saved image of the digit-labelled index, so each delete test mutates its own copy
/// (<see cref="Clone"/>, a load: milliseconds, not a build), and the fresh-build recall@10 at L = 64 of both indexes.
/// </summary>
public sealed class DeletableMnistFixture
{
    public const int K = MnistVamanaFixture.K;

    /// <summary>L of the recall checks.</summary>
    public const int ListSize = 64;

    public DeletableMnistFixture()
    {
        Labeled = new LabeledMnistFixture();
        using MemoryStream image = new();
        Labeled.DigitIndex.Save(image);
        Image = image.ToArray();
        FreshRecall = Mnist.L2Recall(Labeled.DigitIndex, ListSize);
        UnlabelledFreshRecall = Mnist.L2Recall(Mnist.L2Index, ListSize);
    }

    public LabeledMnistFixture Labeled { get; }

    public MnistVamanaFixture Mnist => Labeled.Mnist;

    /// <summary>The digit-labelled index of <see cref="LabeledMnistFixture"/>, saved.</summary>
    public byte[] Image { get; }

    /// <summary>recall@10 at L = 64 of the freshly built digit-labelled index, against the shipped ground truth.</summary>
    public double FreshRecall { get; }

    /// <summary>recall@10 at L = 64 of the freshly built unlabelled index of <see cref="MnistVamanaFixture"/>.</summary>
    public double UnlabelledFreshRecall { get; }

    /// <summary>A fresh copy of the digit-labelled index: ids equal base rows.</summary>
    public VamanaIndex Clone() => VamanaIndex.Load(new MemoryStream(Image, writable: false));

    /// <summary>
    /// Exact top-K of the first <paramref name="queries"/> queries over the points of <paramref name="index"/> that are
    /// neither tombstoned nor free (by their stored vectors, with the index's kernel): ids (queries × K) and K-th distances.
    /// </summary>
    public (long[] Ids, float[] Kth) LiveTruth(VamanaIndex index, int queries)
    {
        uint[] live = [.. Enumerable.Range(0, index.Count).Select(i => (uint)i).Where(id => !index.IsDeleted(id) && !index.IsFree(id))];
        long[] ids = new long[queries * K];
        float[] kth = new float[queries];
        Parallel.For(
            0,
            queries,
            () => (Heap: new TopKHeap(K), Best: new float[K]),
            (q, _, local) =>
            {
                local.Heap.Reset(K);
                ReadOnlySpan<float> query = Mnist.Query(q);
                foreach (uint id in live)
                {
                    local.Heap.TryAdd(L2Kernel.Distance(query, index.GetVector(id)), id);
                }

                local.Heap.DrainSorted(local.Best, ids.AsSpan(q * K, K));
                kth[q] = local.Best[K - 1];
                return local;
            },
            _ => { });
        return (ids, kth);
    }

    /// <summary>
    /// recall@K at L = <see cref="ListSize"/> of unfiltered searches for the first <paramref name="queries"/> queries
    /// against <paramref name="truth"/>, ties with the K-th distance counting; asserts that no search, unfiltered or
    /// filtered by the query's digit, returns a tombstoned or free id or (filtered) a point without the digit.
    /// </summary>
    public double RecallReturningOnlyLivePoints(VamanaIndex index, long[] truth, float[] kth, int queries)
    {
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        int hits = 0;
        for (int q = 0; q < queries; q++)
        {
            ReadOnlySpan<float> query = Mnist.Query(q);
            int found = index.Search(query, ListSize, ids, distances, out _);
            ReadOnlySpan<long> expected = truth.AsSpan(q * K, K);
            for (int i = 0; i < found; i++)
            {
                AssertLive(index, ids[i]);
                if (expected.Contains(ids[i]) || distances[i] <= kth[q] + (1e-5f * Math.Max(Math.Abs(kth[q]), 1f)))
                {
                    hits++;
                }
            }

            int digit = Labeled.QueryLabels[q][0];
            found = index.Search(query, ListSize, [digit], ids, distances, out _);
            for (int i = 0; i < found; i++)
            {
                AssertLive(index, ids[i]);
                Assert.Contains(digit, index.GetLabels(ids[i]).ToArray());
            }
        }

        return hits / (double)(queries * K);
    }

    /// <summary>
    /// recall@K at L = <see cref="ListSize"/> over all queries against the shipped ground truth, base rows mapped to ids by
    /// <paramref name="idOfRow"/>.
    /// </summary>
    public double RecallWithRowsAt(VamanaIndex index, int[] idOfRow)
    {
        long[] truth = new long[Mnist.QueryCount * K];
        for (int q = 0; q < Mnist.QueryCount; q++)
        {
            for (int j = 0; j < K; j++)
            {
                truth[(q * K) + j] = idOfRow[Mnist.GroundTruth[(q * Mnist.GroundTruthK) + j]];
            }
        }

        return Mnist.Recall(
            index,
            ListSize,
            Mnist.QueryCount,
            q => truth.AsSpan(q * K, K),
            q => Mnist.GroundTruthDistances[(q * Mnist.GroundTruthK) + K - 1]);
    }

    private static void AssertLive(VamanaIndex index, uint id)
    {
        Assert.False(index.IsDeleted(id), $"search returned tombstoned id {id}");
        Assert.False(index.IsFree(id), $"search returned free id {id}");
    }
}

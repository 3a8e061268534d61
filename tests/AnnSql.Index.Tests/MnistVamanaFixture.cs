using System.Diagnostics;
using AnnSql.Index.Distance;
using AnnSql.Index.Search;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Tests;

/// <summary>
/// The MNIST subset (9000 base x 784, 1000 queries, exact L2 ground truth) and one L2 Vamana index built over all of it
/// with default options on every core, shared by the tests of a class (building costs a second or two).
/// </summary>
public sealed class MnistVamanaFixture
{
    public const int K = 10;

    public MnistVamanaFixture()
    {
        MnistRows mnist = MnistRows.Shared;
        (BaseRows, Count, Dimensions) = (mnist.BaseRows, mnist.Count, mnist.Dimensions);
        (Queries, QueryCount) = (mnist.Queries, mnist.QueryCount);
        (GroundTruth, GroundTruthK, GroundTruthDistances) = (mnist.GroundTruth, mnist.GroundTruthK, mnist.GroundTruthDistances);

        Stopwatch clock = Stopwatch.StartNew();
        L2Index = new VamanaIndex(Metric.L2, Dimensions, new VamanaOptions());
        L2Index.Build(BaseRows, Count, Environment.ProcessorCount);
        L2BuildSeconds = clock.Elapsed.TotalSeconds;
    }

    public float[] BaseRows { get; }

    public int Count { get; }

    public int Dimensions { get; }

    public float[] Queries { get; }

    public int QueryCount { get; }

    public int[] GroundTruth { get; }

    public int GroundTruthK { get; }

    public float[] GroundTruthDistances { get; }

    public VamanaIndex L2Index { get; }

    public double L2BuildSeconds { get; }

    public ReadOnlySpan<float> Query(int q) => TestData.Row(Queries, Dimensions, q);

    /// <summary>
    /// Exact top-<see cref="K"/> of the first <paramref name="queries"/> queries over the first <paramref name="rows"/> base
    /// rows with the scalar reference kernels: ids (queries x K) and the K-th distance of each query.
    /// </summary>
    public (long[] Ids, float[] KthDistances) ReferenceTopK(Metric metric, int queries, int rows)
    {
        long[] ids = new long[queries * K];
        float[] kth = new float[queries];

        // Cosine from the reference dot and precomputed reference norms: the same values as
        // ReferenceDistances.CosineDistance (which sums dot, |a|^2 and |b|^2 in three sequential loops), three times faster.
        float[] rowNorms = new float[rows];
        if (metric == Metric.Cosine)
        {
            for (int i = 0; i < rows; i++)
            {
                rowNorms[i] = ReferenceDistances.NormSquared(TestData.Row(BaseRows, Dimensions, i));
            }
        }

        Parallel.For(
            0,
            queries,
            () => (Heap: new TopKHeap(K), Distances: new float[rows], Best: new float[K]),
            (q, _, local) =>
            {
                if (metric == Metric.Cosine)
                {
                    float queryNorm = ReferenceDistances.NormSquared(Query(q));
                    for (int i = 0; i < rows; i++)
                    {
                        float dot = ReferenceDistances.Dot(Query(q), TestData.Row(BaseRows, Dimensions, i));
                        local.Distances[i] = (float)VectorDistances.CosineDistance(dot, queryNorm, rowNorms[i]);
                    }
                }
                else
                {
                    ReferenceDistances.ComputeBatch(metric, Query(q), BaseRows.AsSpan(0, rows * Dimensions), Dimensions, local.Distances);
                }

                local.Heap.Reset(K);
                for (int i = 0; i < rows; i++)
                {
                    local.Heap.TryAdd(local.Distances[i], i);
                }

                local.Heap.DrainSorted(local.Best, ids.AsSpan(q * K, K));
                kth[q] = local.Best[K - 1];
                return local;
            },
            _ => { });
        return (ids, kth);
    }

    /// <summary>
    /// recall@K of <paramref name="index"/> at list size <paramref name="listSize"/> over the first <paramref name="queries"/>
    /// queries: a returned id counts when it is a true neighbour or ties the K-th true distance (float rounding allowed).
    /// </summary>
    public double Recall(VamanaIndex index, int listSize, int queries, Func<int, ReadOnlySpan<long>> truth, Func<int, float> kthDistance)
    {
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        int hits = 0;
        for (int q = 0; q < queries; q++)
        {
            int found = index.Search(Query(q), listSize, ids, distances, out _);
            ReadOnlySpan<long> expected = truth(q);
            float kth = kthDistance(q);
            for (int i = 0; i < found; i++)
            {
                if (expected.Contains(ids[i]) || distances[i] <= kth + (1e-5f * Math.Max(Math.Abs(kth), 1f)))
                {
                    hits++;
                }
            }
        }

        return hits / (double)(queries * K);
    }

    /// <summary>recall@K against the shipped L2 ground truth over the whole base set.</summary>
    public double L2Recall(VamanaIndex index, int listSize)
    {
        long[] truth = new long[QueryCount * K];
        for (int q = 0; q < QueryCount; q++)
        {
            for (int j = 0; j < K; j++)
            {
                truth[(q * K) + j] = GroundTruth[(q * GroundTruthK) + j];
            }
        }

        return Recall(index, listSize, QueryCount, q => truth.AsSpan(q * K, K), q => GroundTruthDistances[(q * GroundTruthK) + K - 1]);
    }

    /// <summary>Asserts R-bounded out-degrees, no self loops, no duplicate neighbours and in-range ids.</summary>
    public static void AssertGraphInvariants(VamanaIndex index)
    {
        int maxDegree = index.Options.MaxDegree;
        HashSet<uint> seen = [];
        for (uint p = 0; p < index.Count; p++)
        {
            ReadOnlySpan<uint> neighbors = index.GetNeighbors(p);
            Assert.True(neighbors.Length <= maxDegree, $"node {p} has out-degree {neighbors.Length} > R = {maxDegree}");
            seen.Clear();
            foreach (uint j in neighbors)
            {
                Assert.True(j != p, $"node {p} links to itself");
                Assert.True(j < index.Count, $"node {p} links to {j}, beyond count {index.Count}");
                Assert.True(seen.Add(j), $"node {p} lists neighbour {j} twice");
            }
        }
    }
}

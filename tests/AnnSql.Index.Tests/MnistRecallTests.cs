using AnnSql.Index.Distance;
using AnnSql.Index.Search;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>Exact brute force (ComputeBatch + TopKHeap) on real MNIST data must reproduce the shipped ground truth.</summary>
public sealed class MnistRecallTests(ITestOutputHelper output)
{
    private const int K = 10;
    private const int Queries = 50;

    [Fact]
    public void Brute_force_recall_at_10_is_exact_on_the_first_50_queries()
    {
        string dir = TestData.DataSetDirectory(TestData.Mnist784);
        output.WriteLine($"data: {dir}");
        (float[] baseData, int baseCount, int dim) = TestData.ReadFbin(dir, "base.fbin");
        (float[] queries, int queryCount, int queryDim) = TestData.ReadFbin(dir, "query.fbin");
        (int[] gtIds, int gtCount, int gtK) = TestData.ReadIbin(dir, "gt.ibin");
        (float[] gtDistances, int gtDistCount, int gtDistK) = TestData.ReadFbin(dir, "gt.fbin");
        Assert.Equal(dim, queryDim);
        Assert.True(gtCount >= Queries && queryCount >= Queries && gtK >= K, "ground truth is too small");
        Assert.Equal((gtCount, gtK), (gtDistCount, gtDistK));
        output.WriteLine($"base {baseCount} x {dim}, queries {queryCount}, ground truth {gtCount} x {gtK}");

        float[] distances = new float[baseCount];
        float[] topDistances = new float[K];
        long[] topIds = new long[K];
        TopKHeap heap = new(K);
        int correct = 0;
        for (int q = 0; q < Queries; q++)
        {
            ReadOnlySpan<float> query = TestData.Row(queries, dim, q);
            VectorDistances.ComputeBatch(Metric.L2, query, baseData, dim, distances);
            heap.Reset(K);
            for (int i = 0; i < baseCount; i++)
            {
                heap.TryAdd(distances[i], i);
            }

            Assert.Equal(K, heap.DrainSorted(topDistances, topIds));
            ReadOnlySpan<int> trueIds = gtIds.AsSpan(q * gtK, K);
            float tenth = gtDistances[(q * gtK) + K - 1];
            for (int j = 0; j < K; j++)
            {
                // A returned id counts when it is a true neighbour, or when it ties the 10th true distance. Ground truth
                // was summed in float64 and stored as float32; these are float32 sums, so "ties" allows float rounding.
                bool inTruth = trueIds.Contains((int)topIds[j]);
                bool tiesTenth = Math.Abs(topDistances[j] - tenth) <= 1e-5f * Math.Max(tenth, 1f);
                if (inTruth || tiesTenth)
                {
                    correct++;
                }
                else
                {
                    output.WriteLine($"query {q}: id {topIds[j]} at {topDistances[j]:R} is not in the truth (10th true distance {tenth:R})");
                }

                float trueDistance = gtDistances[(q * gtK) + j];
                Assert.True(
                    SimdPaths.Close(trueDistance, topDistances[j]),
                    $"query {q} rank {j}: true distance {trueDistance:R}, brute force {topDistances[j]:R}");
            }
        }

        double recall = correct / (double)(Queries * K);
        output.WriteLine($"recall@{K} over {Queries} queries: {recall:F4}");
        Assert.Equal(1.0, recall);
    }
}

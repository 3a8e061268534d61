using AnnSql.Index.Distance;
using AnnSql.Index.Gpu;

namespace AnnSql.Index.Tests.Gpu;

/// <summary>
/// Batch distances and exact top-k on the device (CPU accelerator) against the SIMD CPU path, on MNIST rows and queries.
/// The CPU accelerator is slow, so each test takes a few queries.
/// </summary>
[Collection(GpuCollection.Name)]
public sealed class GpuSearchTests(GpuFixture data)
{
    private const int K = 10;

    public static TheoryData<Metric> FloatMetrics => new(Metric.L2, Metric.InnerProduct, Metric.Cosine, Metric.L1);

    [Theory]
    [MemberData(nameof(FloatMetrics))]
    public void BatchDistancesMatchTheSimdPath(Metric metric)
    {
        MnistRows mnist = data.Mnist;
        int dim = mnist.Dimensions;
        const int Queries = 3;
        const int First = 4000;
        const int Rows = 600;
        float[] gpu = new float[Queries * Rows];
        data.Floats.ComputeDistances(metric, mnist.Queries.AsSpan(0, Queries * dim), First, Rows, gpu);

        float[] cpu = new float[Rows];
        for (int q = 0; q < Queries; q++)
        {
            VectorDistances.ComputeBatch(
                metric, mnist.Queries.AsSpan(q * dim, dim), mnist.BaseRows.AsSpan(First * dim, Rows * dim), dim, cpu);
            for (int r = 0; r < Rows; r++)
            {
                Assert.True(GpuAssert.Close(cpu[r], gpu[(q * Rows) + r], GpuAssert.Floor(metric)), $"query {q} row {First + r}: {gpu[(q * Rows) + r]}, CPU {cpu[r]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(FloatMetrics))]
    public void HalfBatchDistancesMatchTheSimdPath(Metric metric)
    {
        int dim = data.Mnist.Dimensions;
        const int Queries = 2;
        const int Rows = 500;
        const int First = 700;
        float[] gpu = new float[Queries * Rows];
        data.Halves.ComputeDistances(metric, data.HalfQueries.AsSpan(0, Queries * dim), First, Rows, gpu);
        for (int q = 0; q < Queries; q++)
        {
            for (int r = 0; r < Rows; r++)
            {
                float cpu = GpuAssert.Distance(metric, data.HalfQueries.AsSpan(q * dim, dim), data.HalfBase.AsSpan((First + r) * dim, dim));
                Assert.True(GpuAssert.Close(cpu, gpu[(q * Rows) + r], GpuAssert.Floor(metric)), $"query {q} row {First + r}: {gpu[(q * Rows) + r]}, CPU {cpu}");
            }
        }
    }

    [Theory]
    [InlineData(Metric.L2)]
    [InlineData(Metric.InnerProduct)]
    [InlineData(Metric.Cosine)]
    public void TopKMatchesTheSimdBruteForce(Metric metric)
    {
        MnistRows mnist = data.Mnist;
        int dim = mnist.Dimensions;
        const int Queries = 4;
        int offset = 10 * (int)metric;
        uint[] ids = new uint[Queries * K];
        float[] distances = new float[Queries * K];
        int found = data.Floats.SearchTopK(metric, mnist.Queries.AsSpan(offset * dim, Queries * dim), K, ids, distances);

        for (int q = 0; q < Queries; q++)
        {
            ReadOnlyMemory<float> query = mnist.Queries.AsMemory((offset + q) * dim, dim);
            float True(int r) => GpuAssert.Distance(metric, query.Span, mnist.BaseRows.AsSpan(r * dim, dim));
            var expected = GpuAssert.CpuTopK(mnist.Count, K, True, _ => true);
            GpuAssert.SameTopK(expected, ids.AsSpan(q * K, K), distances.AsSpan(q * K, K), found, True, $"{metric} query {offset + q}", GpuAssert.Floor(metric));
        }
    }

    [Fact]
    public void L2TopKFindsTheGroundTruth()
    {
        MnistRows mnist = data.Mnist;
        int dim = mnist.Dimensions;
        const int Queries = 3;
        const int First = 100;
        uint[] ids = new uint[Queries * K];
        float[] distances = new float[Queries * K];
        data.Floats.SearchTopK(Metric.L2, mnist.Queries.AsSpan(First * dim, Queries * dim), K, ids, distances);
        for (int q = 0; q < Queries; q++)
        {
            for (int j = 0; j < K; j++)
            {
                // gt.fbin holds squared distances, ties to the lower id: the device's order.
                float truth = mnist.GroundTruthDistances[((First + q) * mnist.GroundTruthK) + j];
                Assert.True(GpuAssert.Close(truth, distances[(q * K) + j]), $"query {First + q} rank {j}: {distances[(q * K) + j]}, truth {truth}");
                int gtId = mnist.GroundTruth[((First + q) * mnist.GroundTruthK) + j];
                float idDistance = VectorDistances.L2Squared(
                    mnist.Queries.AsSpan((First + q) * dim, dim), mnist.BaseRows.AsSpan((int)ids[(q * K) + j] * dim, dim));
                Assert.True(ids[(q * K) + j] == (uint)gtId || GpuAssert.Close(truth, idDistance), $"query {First + q} rank {j}: id {ids[(q * K) + j]}, truth {gtId}");
            }
        }
    }

    [Theory]
    [InlineData(Metric.L2)]
    [InlineData(Metric.Cosine)]
    public void HalfTopKMatchesTheSimdBruteForce(Metric metric)
    {
        int dim = data.Mnist.Dimensions;
        const int Queries = 3;
        uint[] ids = new uint[Queries * K];
        float[] distances = new float[Queries * K];
        int found = data.Halves.SearchTopK(metric, data.HalfQueries.AsSpan(0, Queries * dim), K, ids, distances);
        for (int q = 0; q < Queries; q++)
        {
            ReadOnlyMemory<Half> query = data.HalfQueries.AsMemory(q * dim, dim);
            float True(int r) => GpuAssert.Distance(metric, query.Span, data.HalfBase.AsSpan(r * dim, dim));
            var expected = GpuAssert.CpuTopK(GpuFixture.HalfRows, K, True, _ => true);
            GpuAssert.SameTopK(expected, ids.AsSpan(q * K, K), distances.AsSpan(q * K, K), found, True, $"{metric} query {q}", GpuAssert.Floor(metric));
        }
    }

    [Fact]
    public void QueriesSplitIntoManyBatchesGiveTheSameResults()
    {
        MnistRows mnist = data.Mnist;
        int dim = mnist.Dimensions;
        const int Queries = 5;
        const int Rows = 300;
        ReadOnlySpan<float> queries = mnist.Queries.AsSpan(200 * dim, Queries * dim);
        uint[] ids = new uint[Queries * K];
        float[] distances = new float[Queries * K];
        float[] batch = new float[Queries * Rows];
        data.Floats.SearchTopK(Metric.L2, queries, K, ids, distances);
        data.Floats.ComputeDistances(Metric.L2, queries, 100, Rows, batch);

        // Scratch for about two queries per launch: three top-k and three distance batches.
        uint[] splitIds = new uint[Queries * K];
        float[] splitDistances = new float[Queries * K];
        float[] splitBatch = new float[Queries * Rows];
        int segments = (mnist.Count + 63) / 64;
        data.Floats.ScratchLimitBytes = Math.Max(2L * segments * K * 8, 2L * Rows * sizeof(float));
        try
        {
            data.Floats.SearchTopK(Metric.L2, queries, K, splitIds, splitDistances);
            data.Floats.ComputeDistances(Metric.L2, queries, 100, Rows, splitBatch);
        }
        finally
        {
            data.Floats.ScratchLimitBytes = GpuVectorSet.DefaultScratchBytes;
        }

        Assert.Equal(ids, splitIds);
        Assert.Equal(distances, splitDistances);
        Assert.Equal(batch, splitBatch);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        int dim = data.Mnist.Dimensions;
        float[] query = new float[dim];
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        Assert.Throws<ArgumentException>(() => data.Floats.SearchTopK(Metric.Hamming, query, K, ids, distances));
        Assert.Throws<ArgumentException>(() => data.Floats.SearchTopK(Metric.L2, query.AsSpan(1), K, ids, distances));
        Assert.Throws<ArgumentException>(() => data.Floats.SearchTopK(Metric.L2, query, K + 1, ids, distances));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Floats.SearchTopK(Metric.L2, query, 0, ids, distances));
        Assert.Throws<ArgumentException>(() => data.Halves.SearchTopK(Metric.L2, query, K, ids, distances));
        Assert.Throws<ArgumentException>(() => data.Floats.ComputeDistances(Metric.L2, query, 8990, 20, new float[20]));
    }
}

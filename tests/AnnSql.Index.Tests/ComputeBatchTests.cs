using AnnSql.Index.Distance;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

public sealed class ComputeBatchTests(ITestOutputHelper output)
{
    public static TheoryData<Metric> FloatMetrics => [Metric.L2, Metric.InnerProduct, Metric.Cosine, Metric.L1];

    [Theory]
    [MemberData(nameof(FloatMetrics))]
    public void Batch_equals_per_row_calls(Metric metric)
    {
        output.WriteLine($"seed {SimdPaths.Seed}, metric {metric}");
        Random rng = new(SimdPaths.Seed);
        foreach (int dim in new[] { 1, 3, 7, 16, 17, 100, 784, 1031 })
        {
            const int Rows = 37;
            float[] query = FloatKernelTests.RandomVector(rng, dim);
            float[] rows = FloatKernelTests.RandomVector(rng, dim * Rows);
            float[] distances = new float[Rows + 5];
            float[] reference = new float[Rows];
            VectorDistances.ComputeBatch(metric, query, rows, dim, distances);
            ReferenceDistances.ComputeBatch(metric, query, rows, dim, reference);
            for (int r = 0; r < Rows; r++)
            {
                ReadOnlySpan<float> row = rows.AsSpan(r * dim, dim);
                float expected = metric switch
                {
                    Metric.L2 => VectorDistances.L2Squared(query, row),
                    Metric.InnerProduct => -VectorDistances.Dot(query, row),
                    Metric.Cosine => (float)VectorDistances.CosineDistance(query, row),
                    _ => VectorDistances.L1(query, row),
                };
                string where = $"seed {SimdPaths.Seed}, metric {metric}, dim {dim}, row {r}";
                Assert.True(expected.Equals(distances[r]), $"expected {expected:R}, got {distances[r]:R} ({where})");
                Assert.True(SimdPaths.Close(reference[r], distances[r]), $"reference {reference[r]:R}, got {distances[r]:R} ({where})");
            }

            Assert.All(distances.AsSpan(Rows).ToArray(), d => Assert.Equal(0f, d));
        }
    }

    [Fact]
    public void Batch_rejects_bad_shapes_and_bit_metrics()
    {
        float[] query = new float[4];
        float[] rows = new float[12];
        float[] distances = new float[3];
        Assert.Throws<ArgumentOutOfRangeException>(() => VectorDistances.ComputeBatch(Metric.L2, query, rows, 0, distances));
        Assert.Throws<ArgumentException>(() => VectorDistances.ComputeBatch(Metric.L2, new float[3], rows, 4, distances));
        Assert.Throws<ArgumentException>(() => VectorDistances.ComputeBatch(Metric.L2, query, new float[13], 4, distances));
        Assert.Throws<ArgumentException>(() => VectorDistances.ComputeBatch(Metric.L2, query, rows, 4, new float[2]));
        Assert.Throws<ArgumentException>(() => VectorDistances.ComputeBatch(Metric.Hamming, query, rows, 4, distances));
        Assert.Throws<ArgumentException>(() => VectorDistances.ComputeBatch(Metric.Jaccard, query, rows, 4, distances));

        // Zero rows is a valid, empty batch.
        VectorDistances.ComputeBatch(Metric.L2, query, ReadOnlySpan<float>.Empty, 4, Span<float>.Empty);
    }
}

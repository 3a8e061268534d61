using System.Diagnostics;
using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>Recall@10 of the Vamana index on the MNIST subset: built, built then grown by inserts, and inserts only.</summary>
public sealed class VamanaRecallTests(MnistVamanaFixture mnist, ITestOutputHelper output) : IClassFixture<MnistVamanaFixture>
{
    private const int ListSize = 64;
    private const double MinRecall = 0.95;

    /// <summary>Queries whose reference top-10 the cosine and inner-product tests compute (scalar kernels are slow).</summary>
    private const int ReferenceQueries = 250;

    [Fact]
    public void L2_build_over_9000_points_has_recall_at_10_of_at_least_0_95_at_L_64()
    {
        VamanaIndex index = mnist.L2Index;
        output.WriteLine($"build {mnist.L2BuildSeconds:F2} s on {Environment.ProcessorCount} threads, {index.MemoryBytes} bytes");
        Assert.Equal(mnist.Count, index.Count);
        MnistVamanaFixture.AssertGraphInvariants(index);

        double recall = mnist.L2Recall(index, ListSize);
        output.WriteLine($"recall@10 at L={ListSize}: {recall:F4}");
        Assert.True(recall >= MinRecall, $"recall@10 {recall:F4} < {MinRecall}");
    }

    [Theory]
    [InlineData(Metric.Cosine)]
    [InlineData(Metric.InnerProduct)]
    public void Build_over_9000_points_has_recall_at_10_of_at_least_0_95_at_L_64(Metric metric)
    {
        Stopwatch clock = Stopwatch.StartNew();
        VamanaIndex index = new(metric, mnist.Dimensions, new VamanaOptions());
        index.Build(mnist.BaseRows, mnist.Count, Environment.ProcessorCount);
        output.WriteLine($"{metric}: build {clock.Elapsed.TotalSeconds:F2} s");
        MnistVamanaFixture.AssertGraphInvariants(index);

        (long[] truth, float[] kth) = mnist.ReferenceTopK(metric, ReferenceQueries, mnist.Count);
        double recall = mnist.Recall(index, ListSize, ReferenceQueries, q => truth.AsSpan(q * MnistVamanaFixture.K, MnistVamanaFixture.K), q => kth[q]);
        output.WriteLine($"{metric}: recall@10 at L={ListSize} over {ReferenceQueries} queries: {recall:F4}");
        Assert.True(recall >= MinRecall, $"{metric}: recall@10 {recall:F4} < {MinRecall}");
    }

    [Fact]
    public void Build_over_half_then_inserting_the_other_half_keeps_recall_at_10_of_at_least_0_95()
    {
        int half = mnist.Count / 2;
        VamanaIndex index = new(Metric.L2, mnist.Dimensions, new VamanaOptions());
        Stopwatch clock = Stopwatch.StartNew();
        index.Build(mnist.BaseRows, half, Environment.ProcessorCount);
        double build = clock.Elapsed.TotalSeconds;
        clock.Restart();
        for (int i = half; i < mnist.Count; i++)
        {
            uint id = index.Insert(TestData.Row(mnist.BaseRows, mnist.Dimensions, i));
            Assert.Equal((uint)i, id);
        }

        output.WriteLine($"build {half}: {build:F2} s; {mnist.Count - half} inserts: {clock.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(mnist.Count, index.Count);
        MnistVamanaFixture.AssertGraphInvariants(index);
        double recall = mnist.L2Recall(index, ListSize);
        output.WriteLine($"recall@10 at L={ListSize}: {recall:F4}");
        Assert.True(recall >= MinRecall, $"recall@10 {recall:F4} < {MinRecall}");
    }

    [Fact]
    public void Inserts_into_an_empty_index_give_recall_at_10_of_at_least_0_95()
    {
        const int Points = 2000;
        VamanaIndex index = new(Metric.L2, mnist.Dimensions, new VamanaOptions());
        for (int i = 0; i < Points; i++)
        {
            Assert.Equal((uint)i, index.Insert(TestData.Row(mnist.BaseRows, mnist.Dimensions, i)));
        }

        Assert.Equal(0u, index.StartPoint);
        MnistVamanaFixture.AssertGraphInvariants(index);
        (long[] truth, float[] kth) = mnist.ReferenceTopK(Metric.L2, ReferenceQueries, Points);
        double recall = mnist.Recall(index, ListSize, ReferenceQueries, q => truth.AsSpan(q * MnistVamanaFixture.K, MnistVamanaFixture.K), q => kth[q]);
        output.WriteLine($"recall@10 at L={ListSize} over {ReferenceQueries} queries: {recall:F4}");
        Assert.True(recall >= MinRecall, $"recall@10 {recall:F4} < {MinRecall}");
    }
}

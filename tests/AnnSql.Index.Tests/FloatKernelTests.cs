using AnnSql.Index.Distance;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>Every accelerated float32 kernel path against the sequential reference loops.</summary>
public sealed class FloatKernelTests(ITestOutputHelper output)
{
    private const int Trials = 3;

    [Theory]
    [MemberData(nameof(SimdPaths.Accelerated), MemberType = typeof(SimdPaths))]
    public void L2Squared_matches_reference(int bits) => Check(
        bits, "L2Squared", (a, b, w) => FloatKernels.Sum<SquaredDifference>(a, b, w), (a, b) => ReferenceDistances.L2Squared(a, b));

    [Theory]
    [MemberData(nameof(SimdPaths.Accelerated), MemberType = typeof(SimdPaths))]
    public void Dot_matches_reference(int bits) => Check(
        bits, "Dot", (a, b, w) => FloatKernels.Sum<Product>(a, b, w), (a, b) => ReferenceDistances.Dot(a, b));

    [Theory]
    [MemberData(nameof(SimdPaths.Accelerated), MemberType = typeof(SimdPaths))]
    public void L1_matches_reference(int bits) => Check(
        bits, "L1", (a, b, w) => FloatKernels.Sum<AbsoluteDifference>(a, b, w), (a, b) => ReferenceDistances.L1(a, b));

    [Theory]
    [MemberData(nameof(SimdPaths.Accelerated), MemberType = typeof(SimdPaths))]
    public void NormSquared_matches_reference(int bits) => Check(
        bits, "NormSquared", (a, _, w) => FloatKernels.Sum<Product>(a, a, w), (a, _) => ReferenceDistances.NormSquared(a));

    [Theory]
    [MemberData(nameof(SimdPaths.Accelerated), MemberType = typeof(SimdPaths))]
    public void DotAndNorms_matches_reference(int bits)
    {
        SimdWidth width = SimdPaths.FromBits(bits);
        output.WriteLine($"seed {SimdPaths.Seed}, path {width}");
        Random rng = new(SimdPaths.Seed);
        foreach (int dim in SimdPaths.Dimensions)
        {
            for (int t = 0; t < Trials; t++)
            {
                float[] a = RandomVector(rng, dim);
                float[] b = RandomVector(rng, dim);
                FloatKernels.DotAndNorms(a, b, width, out float dot, out float na, out float nb);
                ReferenceDistances.DotAndNorms(a, b, out float rdot, out float rna, out float rnb);
                string where = $"seed {SimdPaths.Seed}, path {width}, dim {dim}, trial {t}";
                Assert.True(SimdPaths.Close(rdot, dot), $"dot: expected {rdot}, got {dot} ({where})");
                Assert.True(SimdPaths.Close(rna, na), $"|a|^2: expected {rna}, got {na} ({where})");
                Assert.True(SimdPaths.Close(rnb, nb), $"|b|^2: expected {rnb}, got {nb} ({where})");
            }
        }
    }

    [Fact]
    public void Front_door_matches_reference_on_every_dimension()
    {
        output.WriteLine($"seed {SimdPaths.Seed}");
        Random rng = new(SimdPaths.Seed + 1);
        foreach (int dim in SimdPaths.Dimensions)
        {
            float[] a = RandomVector(rng, dim);
            float[] b = RandomVector(rng, dim);
            string where = $"seed {SimdPaths.Seed + 1}, dim {dim}";
            Assert.True(SimdPaths.Close(ReferenceDistances.L2Squared(a, b), VectorDistances.L2Squared(a, b)), $"L2Squared ({where})");
            Assert.True(SimdPaths.Close(ReferenceDistances.Dot(a, b), VectorDistances.Dot(a, b)), $"Dot ({where})");
            Assert.True(SimdPaths.Close(ReferenceDistances.L1(a, b), VectorDistances.L1(a, b)), $"L1 ({where})");
            Assert.True(SimdPaths.Close(ReferenceDistances.NormSquared(a), VectorDistances.NormSquared(a)), $"NormSquared ({where})");
            Assert.True(
                SimdPaths.Close(ReferenceDistances.CosineDistance(a, b), VectorDistances.CosineDistance(a, b)), $"Cosine ({where})");
        }
    }

    [Fact]
    public void Front_door_rejects_length_mismatch()
    {
        float[] a = new float[5];
        float[] b = new float[6];
        Assert.Throws<ArgumentException>(() => VectorDistances.L2Squared(a, b));
        Assert.Throws<ArgumentException>(() => VectorDistances.Dot(a, b));
        Assert.Throws<ArgumentException>(() => VectorDistances.L1(a, b));
        Assert.Throws<ArgumentException>(() => VectorDistances.DotAndNorms(a, b, out _, out _, out _));
        Assert.Throws<ArgumentException>(() => VectorDistances.CosineDistance(a, b));
        Assert.Throws<ArgumentException>(() => L2Kernel.Distance(a, b));
        ArgumentException e = Assert.Throws<ArgumentException>(() => ReferenceDistances.L2Squared(a, b));
        Assert.Equal("different vector dimensions 5 and 6", e.Message);
    }

    [Fact]
    public void Empty_vectors_have_zero_distance()
    {
        Assert.Equal(0f, VectorDistances.L2Squared(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty));
        Assert.Equal(0f, VectorDistances.Dot(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty));
        Assert.Equal(0f, VectorDistances.L1(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty));
    }

    [Fact]
    public void Cosine_follows_pgvector_semantics()
    {
        // Zero norm gives NaN, as pgvector's cosine_distance does.
        Assert.True(double.IsNaN(VectorDistances.CosineDistance([0f, 0f, 0f], [1f, 2f, 3f])));
        Assert.Equal(0.0, VectorDistances.CosineDistance([1f, 2f, 3f], [2f, 4f, 6f]), 1e-7);
        Assert.Equal(2.0, VectorDistances.CosineDistance([1f, 2f, 3f], [-1f, -2f, -3f]), 1e-7);
        Assert.Equal(1.0, VectorDistances.CosineDistance([1f, 0f], [0f, 1f]));

        // Rounding can push |cos| past 1; the result is clamped into [0, 2].
        Assert.Equal(0.0, VectorDistances.CosineDistance(dot: 1.0000001f, normA2: 1f, normB2: 1f));
        Assert.Equal(2.0, VectorDistances.CosineDistance(dot: -1.0000001f, normA2: 1f, normB2: 1f));
    }

    [Fact]
    public void Kernel_structs_rank_smaller_as_closer()
    {
        float[] q = [1f, 0f];
        float[] near = [0.9f, 0.1f];
        float[] far = [-1f, 0f];
        Assert.True(L2Kernel.Distance(q, near) < L2Kernel.Distance(q, far));
        Assert.True(InnerProductKernel.Distance(q, near) < InnerProductKernel.Distance(q, far));
        Assert.True(CosineKernel.Distance(q, near) < CosineKernel.Distance(q, far));
        Assert.True(L1Kernel.Distance(q, near) < L1Kernel.Distance(q, far));
        Assert.Equal(-0.9f, InnerProductKernel.Distance(q, near));
        Assert.Equal(Metric.Cosine, MetricOf<CosineKernel>());
    }

    private static Metric MetricOf<T>()
        where T : struct, IDistance => T.Metric;

    private void Check(int bits, string name, Func<float[], float[], SimdWidth, float> kernel, Func<float[], float[], float> reference)
    {
        SimdWidth width = SimdPaths.FromBits(bits);
        output.WriteLine($"{name}: seed {SimdPaths.Seed}, path {width}, {SimdPaths.Dimensions.Length} dimensions x {Trials} trials");
        Random rng = new(SimdPaths.Seed);
        foreach (int dim in SimdPaths.Dimensions)
        {
            for (int t = 0; t < Trials; t++)
            {
                float[] a = RandomVector(rng, dim);
                float[] b = RandomVector(rng, dim);
                float expected = reference(a, b);
                float actual = kernel(a, b, width);
                Assert.True(
                    SimdPaths.Close(expected, actual),
                    $"{name}: expected {expected:R}, got {actual:R} (seed {SimdPaths.Seed}, path {width}, dim {dim}, trial {t})");
            }
        }
    }

    internal static float[] RandomVector(Random rng, int dim)
    {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++)
        {
            v[i] = (float)((rng.NextDouble() * 2.0) - 1.0);
        }

        return v;
    }
}

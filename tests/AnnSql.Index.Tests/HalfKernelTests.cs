using System.Runtime.Intrinsics;
using AnnSql.Index.Distance;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>Every accelerated float16 kernel path against the reference loops, and the lane conversion against <c>(float)h</c>.</summary>
public sealed class HalfKernelTests(ITestOutputHelper output)
{
    private const int Trials = 3;

    [Theory]
    [MemberData(nameof(SimdPaths.Accelerated), MemberType = typeof(SimdPaths))]
    public void L2Squared_matches_reference(int bits) => Check(
        bits, "L2Squared", (a, b, w) => HalfKernels.Sum<SquaredDifference>(a, b, w), (a, b) => ReferenceDistances.L2Squared(a, b));

    [Theory]
    [MemberData(nameof(SimdPaths.Accelerated), MemberType = typeof(SimdPaths))]
    public void Dot_matches_reference(int bits) => Check(
        bits, "Dot", (a, b, w) => HalfKernels.Sum<Product>(a, b, w), (a, b) => ReferenceDistances.Dot(a, b));

    [Theory]
    [MemberData(nameof(SimdPaths.Accelerated), MemberType = typeof(SimdPaths))]
    public void L1_matches_reference(int bits) => Check(
        bits, "L1", (a, b, w) => HalfKernels.Sum<AbsoluteDifference>(a, b, w), (a, b) => ReferenceDistances.L1(a, b));

    [Theory]
    [MemberData(nameof(SimdPaths.Accelerated), MemberType = typeof(SimdPaths))]
    public void NormSquared_matches_reference(int bits) => Check(
        bits, "NormSquared", (a, _, w) => HalfKernels.Sum<Product>(a, a, w), (a, _) => ReferenceDistances.NormSquared(a));

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
                Half[] a = RandomHalves(rng, dim);
                Half[] b = RandomHalves(rng, dim);
                HalfKernels.DotAndNorms(a, b, width, out float dot, out float na, out float nb);
                ReferenceDistances.DotAndNorms(a, b, out float rdot, out float rna, out float rnb);
                string where = $"seed {SimdPaths.Seed}, path {width}, dim {dim}, trial {t}";
                Assert.True(SimdPaths.Close(rdot, dot), $"dot: expected {rdot}, got {dot} ({where})");
                Assert.True(SimdPaths.Close(rna, na), $"|a|^2: expected {rna}, got {na} ({where})");
                Assert.True(SimdPaths.Close(rnb, nb), $"|b|^2: expected {rnb}, got {nb} ({where})");
            }
        }
    }

    [Fact]
    public void Front_door_matches_reference_and_checks_lengths()
    {
        Random rng = new(SimdPaths.Seed + 2);
        output.WriteLine($"seed {SimdPaths.Seed + 2}");
        foreach (int dim in SimdPaths.Dimensions)
        {
            Half[] a = RandomHalves(rng, dim);
            Half[] b = RandomHalves(rng, dim);
            string where = $"seed {SimdPaths.Seed + 2}, dim {dim}";
            Assert.True(SimdPaths.Close(ReferenceDistances.L2Squared(a, b), VectorDistances.L2Squared(a, b)), $"L2Squared ({where})");
            Assert.True(SimdPaths.Close(ReferenceDistances.Dot(a, b), VectorDistances.Dot(a, b)), $"Dot ({where})");
            Assert.True(SimdPaths.Close(ReferenceDistances.L1(a, b), VectorDistances.L1(a, b)), $"L1 ({where})");
            Assert.True(SimdPaths.Close(ReferenceDistances.NormSquared(a), VectorDistances.NormSquared(a)), $"NormSquared ({where})");
            VectorDistances.DotAndNorms(a, b, out float dot, out float na, out float nb);
            ReferenceDistances.DotAndNorms(a, b, out float rdot, out float rna, out float rnb);
            Assert.True(
                SimdPaths.Close(VectorDistances.CosineDistance(rdot, rna, rnb), VectorDistances.CosineDistance(a, b)), $"Cosine ({where})");
            Assert.True(SimdPaths.Close(rdot, dot) && SimdPaths.Close(rna, na) && SimdPaths.Close(rnb, nb), $"DotAndNorms ({where})");
        }

        Half[] x = new Half[3];
        Half[] y = new Half[4];
        Assert.Throws<ArgumentException>(() => VectorDistances.L2Squared(x, y));
        Assert.Throws<ArgumentException>(() => VectorDistances.Dot(x, y));
        Assert.Throws<ArgumentException>(() => VectorDistances.L1(x, y));
        Assert.Throws<ArgumentException>(() => VectorDistances.DotAndNorms(x, y, out _, out _, out _));
    }

    [Fact]
    public void Lane_conversion_equals_scalar_cast_for_all_65536_halves()
    {
        ushort[] all = new ushort[65536];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = (ushort)i;
        }

        float[] widened = new float[all.Length];
        foreach (int bits in SimdPaths.AcceleratedBits)
        {
            output.WriteLine($"checking V{bits}");
            switch (bits)
            {
                case 512:
                    for (int i = 0; i < all.Length; i += Vector512<ushort>.Count)
                    {
                        (Vector512<float> lo, Vector512<float> hi) = HalfBits.Widen(Vector512.Create(all.AsSpan(i)));
                        lo.CopyTo(widened, i);
                        hi.CopyTo(widened, i + Vector512<float>.Count);
                    }

                    break;
                case 256:
                    for (int i = 0; i < all.Length; i += Vector256<ushort>.Count)
                    {
                        (Vector256<float> lo, Vector256<float> hi) = HalfBits.Widen(Vector256.Create(all.AsSpan(i)));
                        lo.CopyTo(widened, i);
                        hi.CopyTo(widened, i + Vector256<float>.Count);
                    }

                    break;
                case 128:
                    for (int i = 0; i < all.Length; i += Vector128<ushort>.Count)
                    {
                        (Vector128<float> lo, Vector128<float> hi) = HalfBits.Widen(Vector128.Create(all.AsSpan(i)));
                        lo.CopyTo(widened, i);
                        hi.CopyTo(widened, i + Vector128<float>.Count);
                    }

                    break;
                default:
                    continue;
            }

            for (int i = 0; i < all.Length; i++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf((ushort)i);
                float actual = widened[i];
                if (float.IsNaN(expected))
                {
                    // NaN payload quieting may differ; sign and NaN-ness must not.
                    Assert.True(float.IsNaN(actual), $"V{bits}: half 0x{i:X4} should widen to NaN, got {actual}");
                    Assert.Equal(float.IsNegative(expected), float.IsNegative(actual));
                }
                else
                {
                    Assert.True(
                        BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual),
                        $"V{bits}: half 0x{i:X4} should widen to {expected:R}, got {actual:R}");
                }
            }
        }
    }

    private void Check(int bits, string name, Func<Half[], Half[], SimdWidth, float> kernel, Func<Half[], Half[], float> reference)
    {
        SimdWidth width = SimdPaths.FromBits(bits);
        output.WriteLine($"{name}: seed {SimdPaths.Seed}, path {width}, {SimdPaths.Dimensions.Length} dimensions x {Trials} trials");
        Random rng = new(SimdPaths.Seed);
        foreach (int dim in SimdPaths.Dimensions)
        {
            for (int t = 0; t < Trials; t++)
            {
                Half[] a = RandomHalves(rng, dim);
                Half[] b = RandomHalves(rng, dim);
                float expected = reference(a, b);
                float actual = kernel(a, b, width);
                Assert.True(
                    SimdPaths.Close(expected, actual),
                    $"{name}: expected {expected:R}, got {actual:R} (seed {SimdPaths.Seed}, path {width}, dim {dim}, trial {t})");
            }
        }
    }

    /// <summary>Values in [-1, 1], with one in sixteen drawn tiny enough to be a float16 subnormal.</summary>
    private static Half[] RandomHalves(Random rng, int dim)
    {
        Half[] v = new Half[dim];
        for (int i = 0; i < dim; i++)
        {
            double x = (rng.NextDouble() * 2.0) - 1.0;
            v[i] = (Half)(rng.Next(16) == 0 ? x * 6e-5 : x);
        }

        return v;
    }
}

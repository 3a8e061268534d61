using AnnSql.Index.Distance;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>Hamming and Jaccard popcount kernels, exact against the byte-at-a-time reference.</summary>
public sealed class BitKernelTests(ITestOutputHelper output)
{
    private static readonly int[] Lengths = [.. Enumerable.Range(0, 72), 127, 128, 129, 255, 256, 257, 1000, 1031, 4096];

    [Fact]
    public void Hamming_and_Jaccard_equal_reference_on_random_bytes()
    {
        output.WriteLine($"seed {SimdPaths.Seed}, {Lengths.Length} lengths");
        Random rng = new(SimdPaths.Seed);
        foreach (int length in Lengths)
        {
            for (int t = 0; t < 4; t++)
            {
                byte[] a = new byte[length];
                byte[] b = new byte[length];
                rng.NextBytes(a);
                rng.NextBytes(b);
                if (t == 1)
                {
                    // Sparse strings: most bytes zero, so intersections are often empty.
                    for (int i = 0; i < length; i++)
                    {
                        a[i] &= (byte)(rng.Next(8) == 0 ? 0xFF : 0);
                        b[i] &= (byte)(rng.Next(8) == 0 ? 0xFF : 0);
                    }
                }

                string where = $"seed {SimdPaths.Seed}, length {length}, trial {t}";
                Assert.True(ReferenceDistances.Hamming(a, b) == VectorDistances.Hamming(a, b), $"Hamming ({where})");
                VectorDistances.JaccardCounts(a, b, out int inter, out int union);
                ReferenceDistances.JaccardCounts(a, b, out int rinter, out int runion);
                Assert.True(rinter == inter && runion == union, $"Jaccard counts ({inter}, {union}) vs ({rinter}, {runion}) ({where})");
            }
        }
    }

    [Fact]
    public void Known_values()
    {
        byte[] a = [0b1010_1010, 0xFF, 0, 0, 0, 0, 0, 0, 0b0000_0001];
        byte[] b = [0b0101_0101, 0xFF, 0, 0, 0, 0, 0, 0, 0b0000_0011];
        Assert.Equal(8 + 1, VectorDistances.Hamming(a, b));
        VectorDistances.JaccardCounts(a, b, out int inter, out int union);
        Assert.Equal(8 + 1, inter);
        Assert.Equal(8 + 8 + 2, union);
        Assert.Equal(1.0 - (9.0 / 18.0), VectorDistances.JaccardDistance(a, b));

        // pgvector returns 1 when nothing is shared, including two all-zero strings.
        Assert.Equal(1.0, VectorDistances.JaccardDistance(new byte[3], new byte[3]));
        Assert.Throws<ArgumentException>(() => VectorDistances.Hamming(new byte[3], new byte[4]));
        Assert.Throws<ArgumentException>(() => VectorDistances.JaccardCounts(new byte[3], new byte[4], out _, out _));
    }
}

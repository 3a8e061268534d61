using System.Runtime.Intrinsics;
using AnnSql.Index.Distance;

namespace AnnSql.Index.Tests;

/// <summary>
/// The kernel paths worth testing on this machine, as theory data. A path is listed only when its width is hardware
/// accelerated (the scalar path always is); <see cref="SimdPathTests"/> reports the rest and checks at least one SIMD path ran.
/// Paths travel as bit widths (0 = scalar) because <see cref="SimdWidth"/> is internal.
/// </summary>
public static class SimdPaths
{
    public static TheoryData<int> Accelerated => new(AcceleratedBits);

    /// <summary>Bit widths of the accelerated paths, 0 (scalar) first.</summary>
    public static int[] AcceleratedBits
    {
        get
        {
            List<int> bits = [0];
            if (Vector128.IsHardwareAccelerated)
            {
                bits.Add(128);
            }

            if (Vector256.IsHardwareAccelerated)
            {
                bits.Add(256);
            }

            if (Vector512.IsHardwareAccelerated)
            {
                bits.Add(512);
            }

            return [.. bits];
        }
    }

    internal static SimdWidth FromBits(int bits) => bits switch
    {
        0 => SimdWidth.Scalar,
        128 => SimdWidth.V128,
        256 => SimdWidth.V256,
        512 => SimdWidth.V512,
        _ => throw new ArgumentOutOfRangeException(nameof(bits), bits, "expected 0, 128, 256 or 512"),
    };

    /// <summary>Dimensions 1..40, then odd, prime and power-of-two-adjacent sizes up to 1031.</summary>
    public static readonly int[] Dimensions =
    [
        .. Enumerable.Range(1, 40),
        41, 43, 47, 53, 61, 63, 64, 65, 67, 97, 101, 127, 128, 129, 191, 255, 256, 257, 383,
        509, 511, 512, 513, 767, 768, 769, 784, 1021, 1023, 1024, 1025, 1031,
    ];

    /// <summary>The fixed seed for all random test data; printed by each test and quoted in failure messages.</summary>
    public const int Seed = 20250101;

    /// <summary>True when <paramref name="actual"/> is within 1e-5 relative of <paramref name="expected"/> (1e-5 absolute near zero).</summary>
    public static bool Close(double expected, double actual)
    {
        if (double.IsNaN(expected) || double.IsNaN(actual))
        {
            return double.IsNaN(expected) && double.IsNaN(actual);
        }

        if (expected == actual)
        {
            return true;
        }

        return Math.Abs(expected - actual) <= 1e-5 * Math.Max(Math.Abs(expected), 1.0);
    }
}

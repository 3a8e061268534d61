using System.Runtime.Intrinsics;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

public sealed class SimdPathTests(ITestOutputHelper output)
{
    [Fact]
    public void At_least_one_simd_width_is_tested_on_this_machine()
    {
        output.WriteLine($"Vector128 accelerated: {Vector128.IsHardwareAccelerated}");
        output.WriteLine($"Vector256 accelerated: {Vector256.IsHardwareAccelerated}");
        output.WriteLine($"Vector512 accelerated: {Vector512.IsHardwareAccelerated}");
        foreach (int bits in new[] { 128, 256, 512 })
        {
            if (!SimdPaths.AcceleratedBits.Contains(bits))
            {
                output.WriteLine($"V{bits} path not tested: this CPU does not accelerate {bits}-bit vectors");
            }
        }

        Assert.True(SimdPaths.AcceleratedBits.Length > 1, "no SIMD width is hardware accelerated, only the scalar path was tested");
    }
}

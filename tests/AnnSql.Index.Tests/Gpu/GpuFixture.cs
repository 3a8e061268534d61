using AnnSql.Index.Gpu;

namespace AnnSql.Index.Tests.Gpu;

/// <summary>
/// A device forced onto ILGPU's CPU accelerator (the kernels then run as .NET code, so the tests run without a GPU) and
/// the MNIST subset resident on it as float32 (all 9,000 rows) and float16 (the first <see cref="HalfRows"/> rows).
/// </summary>
public sealed class GpuFixture : IDisposable
{
    public const int HalfRows = 2000;

    public GpuFixture()
    {
        Mnist = MnistRows.Shared;
        Device = GpuDevice.Create(new GpuOptions { Mode = GpuMode.ForceCpu });
        Floats = new GpuVectorSet(Device, GpuElementType.Float32, Mnist.Dimensions, Mnist.Count);
        Floats.Append(Mnist.BaseRows);
        HalfBase = ToHalf(Mnist.BaseRows.AsSpan(0, HalfRows * Mnist.Dimensions));
        HalfQueries = ToHalf(Mnist.Queries);
        Halves = new GpuVectorSet(Device, GpuElementType.Float16, Mnist.Dimensions, HalfRows);
        Halves.Append(HalfBase);
    }

    public MnistRows Mnist { get; }

    public GpuDevice Device { get; }

    /// <summary>All base rows as float32, ids = row numbers.</summary>
    public GpuVectorSet Floats { get; }

    /// <summary>The first <see cref="HalfRows"/> base rows as float16.</summary>
    public GpuVectorSet Halves { get; }

    public Half[] HalfBase { get; }

    public Half[] HalfQueries { get; }

    public static Half[] ToHalf(ReadOnlySpan<float> values)
    {
        Half[] halves = new Half[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            halves[i] = (Half)values[i];
        }

        return halves;
    }

    public void Dispose()
    {
        Floats.Dispose();
        Halves.Dispose();
        Device.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class GpuCollection : ICollectionFixture<GpuFixture>
{
    public const string Name = "GPU kernels on the CPU accelerator";
}

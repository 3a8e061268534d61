using AnnSql.Index.Gpu;

namespace AnnSql.Index.Tests.Gpu;

/// <summary>Opening devices: the forced CPU accelerator, its budget, and the disabled mode.</summary>
[Collection(GpuCollection.Name)]
public sealed class GpuDeviceTests(GpuFixture data)
{
    [Fact]
    public void ForcedCpuAcceleratorReportsItselfAndItsBudget()
    {
        Assert.Equal(GpuDeviceKind.Cpu, data.Device.Kind);
        Assert.False(string.IsNullOrEmpty(data.Device.Name));
        Assert.Equal(GpuOptions.DefaultCpuBudgetBytes, data.Device.MemoryBudgetBytes);

        // The fixture's two sets are what the budget holds between calls.
        Assert.Equal(data.Floats.DeviceBytes + data.Halves.DeviceBytes, data.Device.ReservedBytes);

        using GpuDevice small = GpuDevice.Create(new GpuOptions { Mode = GpuMode.ForceCpu, MemoryBudgetBytes = 12345 });
        Assert.Equal(12345, small.MemoryBudgetBytes);
        Assert.Equal(0, small.ReservedBytes);
    }

    [Fact]
    public void DisabledOptionsOpenNoDevice()
    {
        Assert.Throws<ArgumentException>(() => GpuDevice.Create(new GpuOptions { Mode = GpuMode.Disabled }));
        Assert.Throws<ArgumentOutOfRangeException>(() => GpuDevice.Create(new GpuOptions { Mode = GpuMode.ForceCpu, MemoryBudgetBytes = -1 }));
    }
}

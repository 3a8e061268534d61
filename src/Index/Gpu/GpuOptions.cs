namespace AnnSql.Index.Gpu;

/// <summary>Which accelerator <see cref="GpuDevice"/> opens.</summary>
public enum GpuMode
{
    /// <summary>The first CUDA device when one is present and usable, else ILGPU's CPU accelerator.</summary>
    Auto,

    /// <summary>ILGPU's CPU accelerator even when a CUDA device is present (tests, machines without a GPU).</summary>
    ForceCpu,

    /// <summary>No accelerator: <see cref="GpuDevice.Shared"/> is null and callers keep to the SIMD CPU path.</summary>
    Disabled,
}

/// <summary>The kind of accelerator a <see cref="GpuDevice"/> runs on.</summary>
public enum GpuDeviceKind
{
    /// <summary>ILGPU's CPU accelerator: the kernels run as .NET code on worker threads (correct, slow).</summary>
    Cpu,

    /// <summary>An NVIDIA GPU through ILGPU's CUDA backend.</summary>
    Cuda,
}

/// <summary>Settings of a <see cref="GpuDevice"/>.</summary>
public sealed record GpuOptions
{
    /// <summary>The default share of the device's memory that the budget allows when <see cref="MemoryBudgetBytes"/> is 0.</summary>
    public const double DefaultBudgetShare = 0.8;

    /// <summary>Budget used on the CPU accelerator when <see cref="MemoryBudgetBytes"/> is 0 (its reported size is not a real limit).</summary>
    public const long DefaultCpuBudgetBytes = 4L << 30;

    /// <summary>Which accelerator to open; <see cref="GpuMode.Auto"/> by default.</summary>
    public GpuMode Mode { get; init; } = GpuMode.Auto;

    /// <summary>
    /// Bytes of device memory that vector sets and search scratch may hold together; 0 picks
    /// <see cref="DefaultBudgetShare"/> of the device's memory (CUDA) or <see cref="DefaultCpuBudgetBytes"/> (CPU).
    /// </summary>
    public long MemoryBudgetBytes { get; init; }

    /// <summary>
    /// Reads the options from the environment: <c>ANNSQL_GPU</c> = <c>auto</c> | <c>cpu</c> | <c>off</c>, and
    /// <c>ANNSQL_GPU_BUDGET_MB</c> = megabytes. Unknown or missing values keep the defaults.
    /// </summary>
    public static GpuOptions FromEnvironment()
    {
        GpuMode mode = Environment.GetEnvironmentVariable("ANNSQL_GPU")?.Trim().ToLowerInvariant() switch
        {
            "cpu" => GpuMode.ForceCpu,
            "off" or "0" or "false" or "disabled" => GpuMode.Disabled,
            _ => GpuMode.Auto,
        };
        long budget = long.TryParse(Environment.GetEnvironmentVariable("ANNSQL_GPU_BUDGET_MB"), out long mb) && mb > 0 ? mb << 20 : 0;
        return new GpuOptions { Mode = mode, MemoryBudgetBytes = budget };
    }
}

/// <summary>
/// Thrown when a device allocation would take the device past its <see cref="GpuDevice.MemoryBudgetBytes"/>; nothing was
/// allocated and the object asked to grow is unchanged.
/// </summary>
public sealed class GpuBudgetExceededException : InvalidOperationException
{
    /// <summary>Creates the exception for a request of <paramref name="requestedBytes"/> with <paramref name="availableBytes"/> left.</summary>
    public GpuBudgetExceededException(long requestedBytes, long availableBytes, long budgetBytes)
        : base($"device memory budget exceeded: {requestedBytes} bytes requested, {availableBytes} of {budgetBytes} bytes available")
    {
        RequestedBytes = requestedBytes;
        AvailableBytes = availableBytes;
        BudgetBytes = budgetBytes;
    }

    /// <summary>Bytes the refused allocation asked for.</summary>
    public long RequestedBytes { get; }

    /// <summary>Bytes of the budget that were still free.</summary>
    public long AvailableBytes { get; }

    /// <summary>The whole budget in bytes.</summary>
    public long BudgetBytes { get; }
}

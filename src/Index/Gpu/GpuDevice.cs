using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace AnnSql.Index.Gpu;

/// <summary>
/// One ILGPU context and accelerator: the first CUDA device when there is one (unless <see cref="GpuMode.ForceCpu"/>),
/// else ILGPU's CPU accelerator. Kernels are compiled on first use and kept for the life of the device. Every launch and
/// transfer goes through <see cref="Gate"/>, so a device can be shared by many threads. Device memory taken by
/// <see cref="GpuVectorSet"/>, <see cref="GpuKMeans"/> and search scratch is counted against <see cref="MemoryBudgetBytes"/>.
/// </summary>
/// <remarks>
/// The process-wide instance is <see cref="Shared"/>, created lazily from <see cref="GpuOptions.FromEnvironment"/> (or
/// from <see cref="Configure(GpuOptions)"/> called before first use) and disposed at process exit. Tests create their own
/// devices with <see cref="Create(GpuOptions)"/>.
/// </remarks>
public sealed class GpuDevice : IDisposable
{
    private static readonly Lock SharedGate = new();
    private static GpuOptions? _sharedOptions;
    private static GpuDevice? _shared;
    private static bool _sharedCreated;

    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly Lazy<GpuElementKernels<float, FloatElement>> _floatKernels;
    private readonly Lazy<GpuElementKernels<ILGPU.Half, HalfElement>> _halfKernels;
    private readonly Lazy<GpuCommonKernels> _commonKernels;
    private long _reservedBytes;
    private bool _disposed;

    private GpuDevice(Context context, Accelerator accelerator, GpuDeviceKind kind, long budget)
    {
        _context = context;
        _accelerator = accelerator;
        Kind = kind;
        Name = accelerator.Name;
        DeviceMemoryBytes = accelerator.MemorySize;
        MemoryBudgetBytes = budget;
        _floatKernels = new(() => new GpuElementKernels<float, FloatElement>(accelerator), LazyThreadSafetyMode.ExecutionAndPublication);
        _halfKernels = new(() => new GpuElementKernels<ILGPU.Half, HalfElement>(accelerator), LazyThreadSafetyMode.ExecutionAndPublication);
        _commonKernels = new(() => new GpuCommonKernels(accelerator), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// The process-wide device, created on first access (thread-safe) with the options given to
    /// <see cref="Configure(GpuOptions)"/> or else <see cref="GpuOptions.FromEnvironment"/>; null when the options say
    /// <see cref="GpuMode.Disabled"/> or no accelerator could be opened (callers then stay on the CPU path).
    /// </summary>
    public static GpuDevice? Shared
    {
        get
        {
            lock (SharedGate)
            {
                if (!_sharedCreated)
                {
                    _sharedCreated = true;
                    GpuOptions options = _sharedOptions ?? GpuOptions.FromEnvironment();
                    if (options.Mode != GpuMode.Disabled)
                    {
                        try
                        {
                            _shared = Create(options);
                            AppDomain.CurrentDomain.ProcessExit += (_, _) => _shared.Dispose();
                        }
                        catch (Exception e) when (e is not OutOfMemoryException)
                        {
                            // No usable accelerator (missing driver, failed context): the CPU SIMD path remains.
                            _shared = null;
                        }
                    }
                }

                return _shared;
            }
        }
    }

    /// <summary>The accelerator kind the kernels run on.</summary>
    public GpuDeviceKind Kind { get; }

    /// <summary>The accelerator's name as ILGPU reports it (for CUDA, the GPU's product name).</summary>
    public string Name { get; }

    /// <summary>The accelerator's memory in bytes as ILGPU reports it (for the CPU accelerator, not a real limit).</summary>
    public long DeviceMemoryBytes { get; }

    /// <summary>Bytes of device memory that allocations through this device may hold together.</summary>
    public long MemoryBudgetBytes { get; }

    /// <summary>Bytes currently held against the budget.</summary>
    public long ReservedBytes => Interlocked.Read(ref _reservedBytes);

    /// <summary>Serializes launches and transfers on the accelerator's default stream.</summary>
    internal Lock Gate { get; } = new();

    internal Accelerator Accelerator => _accelerator;

    /// <summary>The accelerator's default stream: every launch and copy goes through it, in order.</summary>
    internal AcceleratorStream Stream => _accelerator.DefaultStream;

    internal GpuElementKernels<float, FloatElement> FloatKernels => _floatKernels.Value;

    internal GpuElementKernels<ILGPU.Half, HalfElement> HalfKernels => _halfKernels.Value;

    internal GpuCommonKernels CommonKernels => _commonKernels.Value;

    /// <summary>
    /// Sets the options <see cref="Shared"/> will be created with. Returns false (and changes nothing) when
    /// <see cref="Shared"/> was already created.
    /// </summary>
    public static bool Configure(GpuOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (SharedGate)
        {
            if (_sharedCreated)
            {
                return false;
            }

            _sharedOptions = options;
            return true;
        }
    }

    /// <summary>
    /// Opens a device of its own (not <see cref="Shared"/>); the caller disposes it. <see cref="GpuMode.Auto"/> takes the
    /// first CUDA device when one is present, else the CPU accelerator.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> say <see cref="GpuMode.Disabled"/>, or the budget is negative.</exception>
    public static GpuDevice Create(GpuOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode == GpuMode.Disabled)
        {
            throw new ArgumentException("the accelerator is disabled by the options", nameof(options));
        }

        if (options.MemoryBudgetBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MemoryBudgetBytes, "memory budget must not be negative");
        }

        if (options.Mode == GpuMode.Auto && TryCreateCuda(options) is { } cuda)
        {
            return cuda;
        }

        // One multiprocessor per core, so the CPU accelerator spreads a launch over the machine; small groups (two threads)
        // measured a little faster than ILGPU's default 4 x 4 on a 2-core machine.
        CPUDevice cpuDevice = new(2, 1, Math.Max(1, Environment.ProcessorCount));
        Context context = Context.Create(builder => builder.CPU(cpuDevice).Optimize(OptimizationLevel.O1));
        try
        {
            Accelerator accelerator = cpuDevice.CreateAccelerator(context);
            long budget = options.MemoryBudgetBytes > 0 ? options.MemoryBudgetBytes : GpuOptions.DefaultCpuBudgetBytes;
            return new GpuDevice(context, accelerator, GpuDeviceKind.Cpu, budget);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>A CUDA device, or null when the driver or a device is missing.</summary>
    private static GpuDevice? TryCreateCuda(GpuOptions options)
    {
        Context? context = null;
        try
        {
            context = Context.Create(builder => builder.Cuda().Optimize(OptimizationLevel.O1));
            foreach (Device device in context.GetCudaDevices())
            {
                Accelerator accelerator = device.CreateAccelerator(context);
                long budget = options.MemoryBudgetBytes > 0
                    ? options.MemoryBudgetBytes
                    : (long)(accelerator.MemorySize * GpuOptions.DefaultBudgetShare);
                return new GpuDevice(context, accelerator, GpuDeviceKind.Cuda, budget);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Fall through to the CPU accelerator.
        }

        context?.Dispose();
        return null;
    }

    /// <summary>Takes <paramref name="bytes"/> from the budget.</summary>
    /// <exception cref="GpuBudgetExceededException">Fewer than <paramref name="bytes"/> are left.</exception>
    internal void Reserve(long bytes)
    {
        while (true)
        {
            long current = Interlocked.Read(ref _reservedBytes);
            long next = current + bytes;
            if (next > MemoryBudgetBytes || next < current)
            {
                throw new GpuBudgetExceededException(bytes, MemoryBudgetBytes - current, MemoryBudgetBytes);
            }

            if (Interlocked.CompareExchange(ref _reservedBytes, next, current) == current)
            {
                return;
            }
        }
    }

    /// <summary>Returns <paramref name="bytes"/> to the budget.</summary>
    internal void Release(long bytes) => Interlocked.Add(ref _reservedBytes, -bytes);

    /// <summary>Allocates <paramref name="length"/> elements on the device, counted against the budget.</summary>
    /// <exception cref="GpuBudgetExceededException">The allocation does not fit the budget.</exception>
    internal MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length)
        where T : unmanaged
    {
        long bytes = checked(length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        Reserve(bytes);
        try
        {
            return _accelerator.Allocate1D<T>(Math.Max(1, length));
        }
        catch
        {
            Release(bytes);
            throw;
        }
    }

    /// <summary>Frees a buffer from <see cref="Allocate{T}(long)"/> and returns its bytes to the budget.</summary>
    internal void Free<T>(MemoryBuffer1D<T, Stride1D.Dense>? buffer, long length)
        where T : unmanaged
    {
        if (buffer is null)
        {
            return;
        }

        // After the device is disposed its buffers are gone already; only the accounting remains.
        if (!_disposed)
        {
            buffer.Dispose();
        }

        Release(length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Name} ({DeviceMemoryBytes >> 20} MiB, budget {MemoryBudgetBytes >> 20} MiB)";

    /// <summary>Releases the accelerator and the context; buffers still allocated on it become unusable.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _accelerator.Dispose();
            _context.Dispose();
        }
    }
}

using AnnSql.Index.Gpu;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Storage.Tables;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Execution.Gpu;

/// <summary>Where an exact scan's distance work runs.</summary>
public enum ScanBackend
{
    /// <summary>The SIMD kernels on the CPU, one row at a time.</summary>
    Cpu,

    /// <summary>The GPU (<see cref="GpuDevice"/>): the column mirrored on the device, top-k selected there.</summary>
    Gpu,
}

/// <summary>
/// Chooses the backend of exact k-NN scans (the <c>diskann.backend</c> setting: <c>cpu</c>, <c>gpu</c>, or <c>auto</c>,
/// which takes the GPU only when a CUDA device is present and the work, rows × dimensions × queries, is at least
/// <see cref="AutoMinimumWork"/>) and keeps the device mirrors of the columns scanned there (DESIGN §3). The rest of the
/// engine does not know which backend answered: both give the exact top-k.
/// </summary>
public sealed class DeviceScanBackend : IDisposable
{
    /// <summary>
    /// Multiply-adds below which <c>auto</c> stays on the CPU: about 4 M, a few milliseconds of one core, where a launch and
    /// the transfers of the query and results (tens of microseconds) start to pay.
    /// </summary>
    public const long AutoMinimumWork = 1L << 22;

    private readonly Lock _lock = new();
    private readonly Dictionary<(uint Table, int Ordinal), DeviceVectorMirror?> _mirrors = [];
    private readonly Func<GpuDevice?> _device;

    /// <summary>Creates the backend over <paramref name="device"/> (the process-wide <see cref="GpuDevice.Shared"/> by default).</summary>
    public DeviceScanBackend(Func<GpuDevice?>? device = null) => _device = device ?? (() => GpuDevice.Shared);

    /// <summary>
    /// The backend for a scan of <paramref name="rows"/> rows of <paramref name="dimensions"/> for
    /// <paramref name="queries"/> queries under the setting <paramref name="setting"/>; <see cref="ScanBackend.Gpu"/> needs a
    /// device, a float vector or halfvec column and a metric the kernels know (L2, inner product, cosine, L1).
    /// </summary>
    public ScanBackend Choose(string? setting, SqlType columnType, string operatorName, long rows, int dimensions, int queries)
    {
        if (!string.Equals(setting, "gpu", StringComparison.OrdinalIgnoreCase) && !string.Equals(setting, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return ScanBackend.Cpu;
        }

        if (columnType.Kind is not (SqlTypeKind.Vector or SqlTypeKind.HalfVec) || MetricOf(operatorName) is null || _device() is not { } device)
        {
            return ScanBackend.Cpu;
        }

        if (string.Equals(setting, "gpu", StringComparison.OrdinalIgnoreCase))
        {
            return ScanBackend.Gpu;
        }

        return device.Kind == GpuDeviceKind.Cuda && rows * dimensions * Math.Max(1, queries) >= AutoMinimumWork ? ScanBackend.Gpu : ScanBackend.Cpu;
    }

    /// <summary>Names the device for EXPLAIN: <c>gpu (Cuda NVIDIA H200)</c>, or <c>cpu</c>.</summary>
    public string Describe(ScanBackend backend) =>
        backend == ScanBackend.Gpu && _device() is { } device ? $"gpu ({device.Kind} {device.Name})" : "cpu";

    /// <summary>The kernel metric of a distance operator, or null for operators the device does not run (bit metrics).</summary>
    public static Index.Distance.Metric? MetricOf(string operatorName) => operatorName switch
    {
        "<->" => Index.Distance.Metric.L2,
        "<#>" => Index.Distance.Metric.InnerProduct,
        "<=>" => Index.Distance.Metric.Cosine,
        "<+>" => Index.Distance.Metric.L1,
        _ => null,
    };

    /// <summary>
    /// The device mirror of column <paramref name="ordinal"/> of <paramref name="runtime"/>'s table, created on first use
    /// (dimensions from <paramref name="dimensions"/>, the query's) and synced for <paramref name="horizon"/>; null when the
    /// column cannot go to the device (no device, budget exceeded, dimensions that differ between rows or from the query).
    /// </summary>
    internal DeviceVectorMirror? Mirror(TableRuntime runtime, int ordinal, int dimensions, long horizon)
    {
        if (_device() is not { } device)
        {
            return null;
        }

        var table = runtime.Info;
        DeviceVectorMirror? mirror;
        lock (_lock)
        {
            var key = (table.Oid, ordinal);
            if (!_mirrors.TryGetValue(key, out mirror) || (mirror is not null && !ReferenceEquals(mirror.Table, table)))
            {
                mirror?.Dispose();
                try
                {
                    mirror = DeviceVectorMirror.Create(device, table, ordinal, dimensions, (int)Math.Min(runtime.Data.SlotCount, int.MaxValue));
                }
                catch (GpuBudgetExceededException)
                {
                    mirror = null;
                }

                _mirrors[key] = mirror;
            }
        }

        if (mirror is null || mirror.Dimensions != dimensions || mirror.Incompatible)
        {
            return null;
        }

        try
        {
            mirror.Sync(runtime, horizon);
        }
        catch (Exception e) when (e is GpuBudgetExceededException or ObjectDisposedException)
        {
            // Over budget, or freed by a DROP or ALTER meanwhile: the CPU scan answers.
            return null;
        }

        return mirror.Incompatible ? null : mirror;
    }

    /// <summary>Device memory held by the column mirrors, in bytes.</summary>
    public long DeviceBytes
    {
        get
        {
            lock (_lock)
            {
                return _mirrors.Values.Sum(m => m?.DeviceBytes ?? 0);
            }
        }
    }

    /// <summary>Frees the mirror of a table that was dropped or changed, so its device memory goes back to the budget.</summary>
    public void Forget(uint tableOid)
    {
        lock (_lock)
        {
            foreach (var key in _mirrors.Keys.Where(k => k.Table == tableOid).ToList())
            {
                _mirrors[key]?.Dispose();
                _mirrors.Remove(key);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var mirror in _mirrors.Values)
            {
                mirror?.Dispose();
            }

            _mirrors.Clear();
        }
    }
}

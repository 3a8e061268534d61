using System.Buffers;
using System.Runtime.InteropServices;
using AnnSql.Index.Disk;
using ILGPU;
using ILGPU.Runtime;

namespace AnnSql.Index.Gpu;

/// <summary>The element type of a <see cref="GpuVectorSet"/>.</summary>
public enum GpuElementType
{
    /// <summary>float32 (pgvector <c>vector</c>).</summary>
    Float32,

    /// <summary>IEEE float16 (pgvector <c>halfvec</c>), widened to float inside the kernels.</summary>
    Float16,
}

/// <summary>
/// A table's vectors resident on a <see cref="GpuDevice"/>: <see cref="Count"/> dense slots (point ids 0..Count-1, as
/// elsewhere in AnnSql.Index) of <see cref="Dimensions"/> elements each, row-major, plus a live mask. Uploaded once and
/// kept in step with appends (<see cref="Append(ReadOnlySpan{float})"/>), overwrites (<see cref="Set(uint, ReadOnlySpan{float})"/>)
/// and deletes (<see cref="Delete(uint)"/>); searches (<see cref="SearchTopK(Distance.Metric, ReadOnlySpan{float}, int, Span{uint}, Span{float})"/>)
/// skip deleted slots. Capacity grows by reallocation with a device-side copy, within the device's memory budget.
/// Thread-safe: every operation holds the device's gate.
/// </summary>
public sealed partial class GpuVectorSet : IDisposable
{
    /// <summary>Initial slot capacity when none is given.</summary>
    public const int DefaultInitialCapacity = 1024;

    private readonly GpuDevice _device;
    private readonly int _elementSize;
    private MemoryBuffer1D<float, Stride1D.Dense>? _floatRows;
    private MemoryBuffer1D<ILGPU.Half, Stride1D.Dense>? _halfRows;
    private MemoryBuffer1D<byte, Stride1D.Dense>? _live;
    private byte[] _hostLive;
    private int _capacity;
    private int _count;
    private int _liveCount;
    private bool _disposed;

    /// <summary>Creates an empty set of <paramref name="elementType"/> vectors of <paramref name="dimensions"/> elements.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimensions"/> or <paramref name="initialCapacity"/> is not positive.</exception>
    /// <exception cref="GpuBudgetExceededException">The initial capacity does not fit the device's budget.</exception>
    public GpuVectorSet(GpuDevice device, GpuElementType elementType, int dimensions, int initialCapacity = DefaultInitialCapacity)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialCapacity);
        _device = device;
        ElementType = elementType;
        Dimensions = dimensions;
        _elementSize = elementType == GpuElementType.Float32 ? sizeof(float) : 2;
        _hostLive = [];
        lock (device.Gate)
        {
            Grow(initialCapacity);
        }
    }

    /// <summary>
    /// Uploads every vector of <paramref name="source"/> (ids 0..Count-1 become slots 0..Count-1, all live), read in blocks
    /// of <paramref name="blockRows"/> rows through a pooled buffer; float16 sets round each value to the nearest half.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="blockRows"/> is not positive.</exception>
    /// <exception cref="GpuBudgetExceededException">The vectors do not fit the device's budget (nothing stays allocated).</exception>
    /// <exception cref="OperationCanceledException">Cancelled (nothing stays allocated).</exception>
    public static GpuVectorSet FromSource(
        GpuDevice device, IVectorSource source, GpuElementType elementType, CancellationToken cancellationToken, int blockRows = 4096)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockRows);
        int dim = source.Dimensions;
        GpuVectorSet set = new(device, elementType, dim, Math.Max(1, source.Count));
        float[] floats = ArrayPool<float>.Shared.Rent(blockRows * dim);
        System.Half[] halves = elementType == GpuElementType.Float16 ? ArrayPool<System.Half>.Shared.Rent(blockRows * dim) : [];
        try
        {
            for (int first = 0; first < source.Count; first += blockRows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int rows = Math.Min(blockRows, source.Count - first);
                for (int r = 0; r < rows; r++)
                {
                    source.Read(first + r, floats.AsSpan(r * dim, dim));
                }

                if (elementType == GpuElementType.Float32)
                {
                    set.Append(floats.AsSpan(0, rows * dim));
                }
                else
                {
                    for (int i = 0; i < rows * dim; i++)
                    {
                        halves[i] = (System.Half)floats[i];
                    }

                    set.Append(halves.AsSpan(0, rows * dim));
                }
            }

            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(floats);
            if (halves.Length > 0)
            {
                ArrayPool<System.Half>.Shared.Return(halves);
            }
        }
    }

    /// <summary>The device the vectors live on.</summary>
    public GpuDevice Device => _device;

    /// <summary>float32 or float16.</summary>
    public GpuElementType ElementType { get; }

    /// <summary>Elements per vector.</summary>
    public int Dimensions { get; }

    /// <summary>Slots in use, live or deleted: ids 0..Count-1.</summary>
    public int Count => _count;

    /// <summary>Slots that are not deleted.</summary>
    public int LiveCount => _liveCount;

    /// <summary>Slots allocated on the device.</summary>
    public int Capacity => _capacity;

    /// <summary>Device bytes held (rows and live mask).</summary>
    public long DeviceBytes => (long)_capacity * ((long)Dimensions * _elementSize + 1);

    /// <summary>Bytes one slot takes on the device.</summary>
    public long BytesPerSlot => ((long)Dimensions * _elementSize) + 1;

    /// <summary>True when slot <paramref name="id"/> holds a live vector.</summary>
    public bool IsLive(uint id) => id < (uint)_count && _hostLive[id] != 0;

    /// <summary>Appends float32 rows (row-major, a whole number of <see cref="Dimensions"/>) as live slots; returns the first new id.</summary>
    /// <exception cref="ArgumentException">Wrong length, or the set holds float16.</exception>
    /// <exception cref="GpuBudgetExceededException">
    /// Growing would pass the device's budget (the old and new allocations are held together while the rows are copied);
    /// the set is unchanged.
    /// </exception>
    public uint Append(ReadOnlySpan<float> rows)
    {
        CheckType(GpuElementType.Float32);
        lock (_device.Gate)
        {
            return AppendCore(ref _floatRows, rows);
        }
    }

    /// <summary>Appends float16 rows (row-major) as live slots; returns the first new id. Same errors as the float overload.</summary>
    public uint Append(ReadOnlySpan<System.Half> rows)
    {
        CheckType(GpuElementType.Float16);
        lock (_device.Gate)
        {
            return AppendCore(ref _halfRows, MemoryMarshal.Cast<System.Half, ILGPU.Half>(rows));
        }
    }

    /// <summary>Overwrites slot <paramref name="id"/> with <paramref name="vector"/> and marks it live.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not below <see cref="Count"/>.</exception>
    /// <exception cref="ArgumentException">Wrong length, or the set holds float16.</exception>
    public void Set(uint id, ReadOnlySpan<float> vector)
    {
        CheckType(GpuElementType.Float32);
        lock (_device.Gate)
        {
            SetCore(_floatRows!, id, vector);
        }
    }

    /// <summary>Overwrites slot <paramref name="id"/> with a float16 vector and marks it live. Same errors as the float overload.</summary>
    public void Set(uint id, ReadOnlySpan<System.Half> vector)
    {
        CheckType(GpuElementType.Float16);
        lock (_device.Gate)
        {
            SetCore(_halfRows!, id, MemoryMarshal.Cast<System.Half, ILGPU.Half>(vector));
        }
    }

    /// <summary>Marks slot <paramref name="id"/> deleted; searches skip it. Returns false when it was already deleted.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not below <see cref="Count"/>.</exception>
    public bool Delete(uint id)
    {
        lock (_device.Gate)
        {
            CheckId(id);
            if (_hostLive[id] == 0)
            {
                return false;
            }

            SetLive(id, 0);
            _liveCount--;
            return true;
        }
    }

    /// <summary>Frees the device memory and returns it to the budget.</summary>
    public void Dispose()
    {
        lock (_device.Gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            long rowElements = (long)_capacity * Dimensions;
            _device.Free(_floatRows, rowElements);
            _device.Free(_halfRows, rowElements);
            _device.Free(_live, _capacity);
            _floatRows = null;
            _halfRows = null;
            _live = null;
        }
    }

    private uint AppendCore<T>(ref MemoryBuffer1D<T, Stride1D.Dense>? buffer, ReadOnlySpan<T> rows)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int added = rows.Length / Dimensions;
        if ((long)added * Dimensions != rows.Length)
        {
            throw new ArgumentException($"rows length {rows.Length} is not a multiple of dimension {Dimensions}", nameof(rows));
        }

        long needed = (long)_count + added;
        if (needed > int.MaxValue)
        {
            throw new ArgumentException($"a set holds at most {int.MaxValue} slots", nameof(rows));
        }

        uint first = (uint)_count;
        if (added == 0)
        {
            return first;
        }

        if (needed > _capacity)
        {
            Grow((int)needed);
        }

        buffer!.View.SubView((long)_count * Dimensions, rows.Length).CopyFromCPU(_device.Stream, rows);
        _hostLive.AsSpan(_count, added).Fill(1);
        _live!.View.SubView(_count, added).CopyFromCPU(_device.Stream, new ReadOnlySpan<byte>(_hostLive, _count, added));
        _count += added;
        _liveCount += added;
        return first;
    }

    private void SetCore<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer, uint id, ReadOnlySpan<T> vector)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckId(id);
        if (vector.Length != Dimensions)
        {
            throw new ArgumentException($"different vector dimensions {vector.Length} and {Dimensions}", nameof(vector));
        }

        buffer.View.SubView((long)id * Dimensions, Dimensions).CopyFromCPU(_device.Stream, vector);
        if (_hostLive[id] == 0)
        {
            SetLive(id, 1);
            _liveCount++;
        }
    }

    private void SetLive(uint id, byte value)
    {
        _hostLive[id] = value;
        _live!.View.SubView(id, 1).CopyFromCPU(_device.Stream, new ReadOnlySpan<byte>(_hostLive, (int)id, 1));
    }

    /// <summary>
    /// Reallocates to at least <paramref name="needed"/> slots (doubling when the budget allows, else exactly what is
    /// needed) and copies the used slots on the device. The old and the new allocation are held together during the copy,
    /// so growing from c to c' slots needs (c + c') slots of budget. On a budget refusal nothing changes.
    /// </summary>
    private void Grow(int needed)
    {
        int target = (int)Math.Min(int.MaxValue, Math.Max((long)needed, (long)_capacity * 2));
        if (target > needed && (long)target * BytesPerSlot > _device.MemoryBudgetBytes - _device.ReservedBytes)
        {
            target = needed;
        }

        long rowElements = (long)target * Dimensions;
        MemoryBuffer1D<float, Stride1D.Dense>? floatRows = null;
        MemoryBuffer1D<ILGPU.Half, Stride1D.Dense>? halfRows = null;
        MemoryBuffer1D<byte, Stride1D.Dense>? live = null;
        try
        {
            if (ElementType == GpuElementType.Float32)
            {
                floatRows = _device.Allocate<float>(rowElements);
            }
            else
            {
                halfRows = _device.Allocate<ILGPU.Half>(rowElements);
            }

            live = _device.Allocate<byte>(target);
        }
        catch
        {
            _device.Free(floatRows, rowElements);
            _device.Free(halfRows, rowElements);
            throw;
        }

        long usedElements = (long)_count * Dimensions;
        if (_count > 0)
        {
            if (floatRows is not null)
            {
                _floatRows!.View.SubView(0, usedElements).CopyTo(floatRows.View.SubView(0, usedElements));
            }
            else
            {
                _halfRows!.View.SubView(0, usedElements).CopyTo(halfRows!.View.SubView(0, usedElements));
            }

            _live!.View.SubView(0, _count).CopyTo(live.View.SubView(0, _count));

            // The device copies run on the stream; finish them before the old buffers are freed.
            _device.Stream.Synchronize();
        }

        long oldElements = (long)_capacity * Dimensions;
        _device.Free(_floatRows, oldElements);
        _device.Free(_halfRows, oldElements);
        _device.Free(_live, _capacity);
        _floatRows = floatRows;
        _halfRows = halfRows;
        _live = live;
        Array.Resize(ref _hostLive, target);
        _capacity = target;
    }

    private void CheckType(GpuElementType expected)
    {
        if (ElementType != expected)
        {
            throw new ArgumentException($"the set holds {ElementType} vectors, not {expected}");
        }
    }

    private void CheckId(uint id)
    {
        if (id >= (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"slot id must be below {_count}");
        }
    }
}

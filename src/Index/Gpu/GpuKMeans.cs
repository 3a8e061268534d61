using ILGPU;
using ILGPU.Runtime;

namespace AnnSql.Index.Gpu;

/// <summary>
/// One k-means problem resident on a <see cref="GpuDevice"/>: <see cref="Count"/> points of <see cref="Width"/> floats and
/// <see cref="Centroids"/> centroids, both column-major (points[d·Count + i], centroids[d·Centroids + c]), the layout of
/// <see cref="Quantization.ProductQuantizer"/>'s per-chunk codebooks. Lloyd's two steps (Lloyd 1982) run on the device:
/// <see cref="Assign(Span{int}, Span{float})"/> (nearest centroid by squared L2, first on ties) and
/// <see cref="UpdateMeans"/> (per-centroid sums in double, in point order, then means; no atomics, so results are
/// deterministic and equal to a sequential CPU sum). The host keeps a copy of the assignment to group the points by
/// centroid before each update (a counting sort, O(Count)). Thread-safe through the device's gate.
/// </summary>
public sealed class GpuKMeans : IDisposable
{
    private readonly GpuDevice _device;
    private readonly KMeansArgs _args;
    private MemoryBuffer1D<float, Stride1D.Dense>? _points;
    private MemoryBuffer1D<float, Stride1D.Dense>? _centroids;
    private MemoryBuffer1D<int, Stride1D.Dense>? _assignment;
    private MemoryBuffer1D<int, Stride1D.Dense>? _order;
    private MemoryBuffer1D<int, Stride1D.Dense>? _offsets;
    private readonly int[] _hostAssignment;
    private readonly int[] _hostOrder;
    private readonly int[] _hostOffsets;
    private MemoryBuffer1D<float, Stride1D.Dense>? _errors;
    private MemoryBuffer1D<double, Stride1D.Dense>? _sums;
    private MemoryBuffer1D<int, Stride1D.Dense>? _counts;

    /// <summary>Uploads <paramref name="count"/> column-major points of <paramref name="width"/> floats, for <paramref name="centroids"/> centroids.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="points"/> is not count × width long.</exception>
    /// <exception cref="GpuBudgetExceededException">The buffers do not fit the device's budget.</exception>
    public GpuKMeans(GpuDevice device, ReadOnlySpan<float> points, int count, int width, int centroids)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(centroids);
        if (points.Length != (long)count * width)
        {
            throw new ArgumentException($"points has {points.Length} floats, {count} points of width {width} need {(long)count * width}", nameof(points));
        }

        _device = device;
        _args = new KMeansArgs { Count = count, Width = width, Centroids = centroids };
        _hostAssignment = new int[count];
        _hostOrder = new int[count];
        _hostOffsets = new int[centroids + 1];
        lock (device.Gate)
        {
            try
            {
                _points = device.Allocate<float>(points.Length);
                _centroids = device.Allocate<float>((long)centroids * width);
                _assignment = device.Allocate<int>(count);
                _order = device.Allocate<int>(count);
                _offsets = device.Allocate<int>(centroids + 1);
                _errors = device.Allocate<float>(count);
                _sums = device.Allocate<double>((long)centroids * width);
                _counts = device.Allocate<int>(centroids);
                _points.View.CopyFromCPU(_device.Stream, points);
            }
            catch
            {
                FreeAll();
                throw;
            }
        }
    }

    /// <summary>Points.</summary>
    public int Count => _args.Count;

    /// <summary>Floats per point and per centroid.</summary>
    public int Width => _args.Width;

    /// <summary>Centroids.</summary>
    public int Centroids => _args.Centroids;

    /// <summary>Uploads the centroids, column-major (Width × Centroids floats).</summary>
    /// <exception cref="ArgumentException">Wrong length.</exception>
    public void SetCentroids(ReadOnlySpan<float> centroids)
    {
        CheckLength(centroids.Length, (long)Centroids * Width, nameof(centroids));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_points is null, this);
            _centroids!.View.CopyFromCPU(_device.Stream, centroids);
        }
    }

    /// <summary>Downloads the centroids, column-major (Width × Centroids floats).</summary>
    /// <exception cref="ArgumentException">Wrong length.</exception>
    public void GetCentroids(Span<float> centroids)
    {
        CheckLength(centroids.Length, (long)Centroids * Width, nameof(centroids));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_points is null, this);
            _centroids!.View.CopyToCPU(_device.Stream, centroids);
        }
    }

    /// <summary>
    /// Assigns every point to its nearest centroid: <paramref name="assignment"/>[i] the centroid, <paramref name="errors"/>[i]
    /// the squared L2 distance to it. The device keeps the assignment for <see cref="UpdateMeans"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An output is not <see cref="Count"/> long.</exception>
    public void Assign(Span<int> assignment, Span<float> errors)
    {
        CheckLength(assignment.Length, Count, nameof(assignment));
        CheckLength(errors.Length, Count, nameof(errors));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_points is null, this);
            _device.CommonKernels.KMeansAssign(Count, _points!.View, _centroids!.View, _assignment!.View, _errors!.View, _args);
            _device.Accelerator.Synchronize();
            _assignment.View.CopyToCPU(_device.Stream, assignment);
            _errors.View.CopyToCPU(_device.Stream, errors);
            assignment.CopyTo(_hostAssignment);
        }
    }

    /// <summary>Replaces the device's assignment (after the caller moved points, e.g. to refill empty clusters).</summary>
    /// <exception cref="ArgumentException">Not <see cref="Count"/> long, or a value outside 0..Centroids-1.</exception>
    public void SetAssignment(ReadOnlySpan<int> assignment)
    {
        CheckLength(assignment.Length, Count, nameof(assignment));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_points is null, this);
            for (int i = 0; i < assignment.Length; i++)
            {
                if ((uint)assignment[i] >= (uint)Centroids)
                {
                    throw new ArgumentException($"point {i} is assigned to {assignment[i]}, not a centroid below {Centroids}", nameof(assignment));
                }
            }

            _assignment!.View.CopyFromCPU(_device.Stream, assignment);
            assignment.CopyTo(_hostAssignment);
        }
    }

    /// <summary>
    /// Per-centroid sums of the assigned points (row-major Centroids × Width doubles, summed in point order) and counts,
    /// for the current assignment.
    /// </summary>
    /// <exception cref="ArgumentException">An output has the wrong length.</exception>
    public void ComputeSums(Span<double> sums, Span<int> counts)
    {
        CheckLength(sums.Length, (long)Centroids * Width, nameof(sums));
        CheckLength(counts.Length, Centroids, nameof(counts));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_points is null, this);
            LaunchSums();
            _device.Accelerator.Synchronize();
            _sums!.View.CopyToCPU(_device.Stream, sums);
            _counts!.View.CopyToCPU(_device.Stream, counts);
        }
    }

    /// <summary>Moves every centroid that has points to their mean (sum in double / count, narrowed to float); empty ones stay.</summary>
    public void UpdateMeans()
    {
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_points is null, this);
            LaunchSums();
            _device.CommonKernels.KMeansMeans(new Index2D(Centroids, Width), _sums!.View, _counts!.View, _centroids!.View, _args);
            _device.Accelerator.Synchronize();
        }
    }

    /// <summary>Frees the device buffers.</summary>
    public void Dispose()
    {
        lock (_device.Gate)
        {
            FreeAll();
        }
    }

    /// <summary>
    /// Groups the points by centroid on the host (a counting sort of the last assignment, stable so each group keeps point
    /// order), uploads the grouping and launches the sums. Before any assignment every point counts as centroid 0.
    /// </summary>
    private void LaunchSums()
    {
        Array.Clear(_hostOffsets);
        foreach (int c in _hostAssignment)
        {
            _hostOffsets[c + 1]++;
        }

        for (int c = 0; c < Centroids; c++)
        {
            _hostOffsets[c + 1] += _hostOffsets[c];
        }

        // Fill each group from its start; the offsets end shifted by one group and are restored below.
        for (int i = 0; i < _hostAssignment.Length; i++)
        {
            _hostOrder[_hostOffsets[_hostAssignment[i]]++] = i;
        }

        for (int c = Centroids; c > 0; c--)
        {
            _hostOffsets[c] = _hostOffsets[c - 1];
        }

        _hostOffsets[0] = 0;
        _order!.View.CopyFromCPU(_device.Stream, _hostOrder);
        _offsets!.View.CopyFromCPU(_device.Stream, _hostOffsets);
        _device.CommonKernels.KMeansSums(
            new Index2D(Centroids, Width), _points!.View, _order.View, _offsets.View, _sums!.View, _counts!.View, _args);
    }

    private void FreeAll()
    {
        long table = (long)_args.Centroids * _args.Width;
        _device.Free(_points, (long)_args.Count * _args.Width);
        _device.Free(_centroids, table);
        _device.Free(_assignment, _args.Count);
        _device.Free(_order, _args.Count);
        _device.Free(_offsets, _args.Centroids + 1);
        _device.Free(_errors, _args.Count);
        _device.Free(_sums, table);
        _device.Free(_counts, _args.Centroids);
        _points = null;
        _centroids = null;
        _assignment = null;
        _order = null;
        _offsets = null;
        _errors = null;
        _sums = null;
        _counts = null;
    }

    private static void CheckLength(long actual, long expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{name} has {actual} elements, {expected} expected", name);
        }
    }
}

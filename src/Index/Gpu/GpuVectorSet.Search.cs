using System.Buffers;
using System.Runtime.InteropServices;
using AnnSql.Index.Distance;
using ILGPU;
using ILGPU.Runtime;

namespace AnnSql.Index.Gpu;

public sealed partial class GpuVectorSet
{
    /// <summary>
    /// Scratch a launch aims to stay under: the runs of all segments for a batch of top-k queries, or a batch's output of
    /// <see cref="ComputeDistances(Metric, ReadOnlySpan{float}, uint, int, Span{float})"/>.
    /// </summary>
    public const long DefaultScratchBytes = 64L << 20;

    /// <summary>The scratch limit in use (<see cref="DefaultScratchBytes"/>; tests lower it to force many batches).</summary>
    internal long ScratchLimitBytes { get; set; } = DefaultScratchBytes;

    /// <summary>Most queries in one launch, so a launch's extent stays well inside CUDA's grid limits.</summary>
    private const int MaxLaunchQueries = 32_768;

    /// <summary>Rows one partial top-k thread scans (at least k).</summary>
    private const int SegmentRows = 64;

    /// <summary>
    /// Distances from each query to each row of the range [<paramref name="firstRow"/>, firstRow + <paramref name="rowCount"/>):
    /// distances[q·rowCount + r], "smaller = closer" as <see cref="VectorDistances.ComputeBatch(Metric, ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float})"/>
    /// (L2 squared, inner product negated, cosine 1 - cos, L1). Deleted slots in the range get distances too.
    /// </summary>
    /// <param name="metric">L2, InnerProduct, Cosine or L1.</param>
    /// <param name="queries">Row-major queries, a whole number of <see cref="Dimensions"/> floats.</param>
    /// <param name="firstRow">First slot of the range.</param>
    /// <param name="rowCount">Slots in the range.</param>
    /// <param name="distances">At least queryCount × rowCount floats.</param>
    /// <exception cref="ArgumentException">Bad metric, shapes, range, or the set holds float16.</exception>
    /// <exception cref="GpuBudgetExceededException">The query and output buffers do not fit the budget.</exception>
    public void ComputeDistances(Metric metric, ReadOnlySpan<float> queries, uint firstRow, int rowCount, Span<float> distances)
    {
        CheckType(GpuElementType.Float32);
        lock (_device.Gate)
        {
            DistancesCore(_device.FloatKernels.Distances, _floatRows!, metric, queries, firstRow, rowCount, distances);
        }
    }

    /// <summary>Float16 form of <see cref="ComputeDistances(Metric, ReadOnlySpan{float}, uint, int, Span{float})"/>: queries are halves too.</summary>
    public void ComputeDistances(Metric metric, ReadOnlySpan<System.Half> queries, uint firstRow, int rowCount, Span<float> distances)
    {
        CheckType(GpuElementType.Float16);
        lock (_device.Gate)
        {
            DistancesCore(
                _device.HalfKernels.Distances, _halfRows!, metric, MemoryMarshal.Cast<System.Half, ILGPU.Half>(queries), firstRow, rowCount,
                distances);
        }
    }

    /// <summary>
    /// Exact top-k of every query over the live slots: ids and distances per query sorted ascending (ties by lower id, NaN
    /// last, as <see cref="Search.TopKHeap"/>), at [q·k, q·k + k) of <paramref name="ids"/> and <paramref name="distances"/>.
    /// Returns the pairs found per query, min(k, <see cref="LiveCount"/>); the slots after them hold
    /// <see cref="uint.MaxValue"/> and +inf.
    /// </summary>
    /// <remarks>
    /// Queries go in batches sized so the per-segment runs stay under <see cref="DefaultScratchBytes"/>. Each batch is two
    /// launches: per (query, segment of 64 rows or k) a sorted partial top-k, then per query a merge of the runs (FAISS's
    /// thread-queue then merge structure, Johnson, Douze and Jégou 2017, without its warp sorting networks).
    /// </remarks>
    /// <exception cref="ArgumentException">Bad metric, shapes, k not positive, or the set holds float16.</exception>
    /// <exception cref="GpuBudgetExceededException">The scratch buffers do not fit the budget.</exception>
    public int SearchTopK(Metric metric, ReadOnlySpan<float> queries, int k, Span<uint> ids, Span<float> distances)
    {
        CheckType(GpuElementType.Float32);
        lock (_device.Gate)
        {
            return TopKCore(_device.FloatKernels.PartialTopK, _floatRows!, metric, queries, k, ids, distances);
        }
    }

    /// <summary>Float16 form of <see cref="SearchTopK(Metric, ReadOnlySpan{float}, int, Span{uint}, Span{float})"/>: queries are halves too.</summary>
    public int SearchTopK(Metric metric, ReadOnlySpan<System.Half> queries, int k, Span<uint> ids, Span<float> distances)
    {
        CheckType(GpuElementType.Float16);
        lock (_device.Gate)
        {
            return TopKCore(
                _device.HalfKernels.PartialTopK, _halfRows!, metric, MemoryMarshal.Cast<System.Half, ILGPU.Half>(queries), k, ids, distances);
        }
    }

    /// <summary>The kernel code of a metric.</summary>
    /// <exception cref="ArgumentException">A bit metric.</exception>
    internal static int MetricCode(Metric metric) => metric switch
    {
        Metric.L2 => GpuKernels.MetricL2,
        Metric.InnerProduct => GpuKernels.MetricInnerProduct,
        Metric.Cosine => GpuKernels.MetricCosine,
        Metric.L1 => GpuKernels.MetricL1,
        _ => throw new ArgumentException($"metric {metric} does not apply to float vectors", nameof(metric)),
    };

    private int QueryCount(int queries)
    {
        int count = queries / Dimensions;
        if ((long)count * Dimensions != queries)
        {
            throw new ArgumentException($"queries length {queries} is not a multiple of dimension {Dimensions}", nameof(queries));
        }

        return count;
    }

    /// <summary>
    /// Uploads <paramref name="count"/> row-major queries transposed (element d of query q at d·count + q), through the
    /// host buffer <paramref name="scratch"/>, so that threads taking neighbouring queries read neighbouring addresses.
    /// </summary>
    private void UploadTransposed<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer, ReadOnlySpan<T> queries, int count, T[] scratch)
        where T : unmanaged
    {
        int dim = Dimensions;
        for (int q = 0; q < count; q++)
        {
            ReadOnlySpan<T> query = queries.Slice(q * dim, dim);
            for (int d = 0; d < dim; d++)
            {
                scratch[(d * count) + q] = query[d];
            }
        }

        buffer.View.SubView(0, (long)count * dim).CopyFromCPU(_device.Stream, new ReadOnlySpan<T>(scratch, 0, count * dim));
    }

    private void DistancesCore<T>(
        Action<Index2D, ArrayView<T>, ArrayView<T>, ArrayView<float>, DistanceArgs> kernel,
        MemoryBuffer1D<T, Stride1D.Dense> rows, Metric metric, ReadOnlySpan<T> queries, uint firstRow, int rowCount, Span<float> distances)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int code = MetricCode(metric);
        int queryCount = QueryCount(queries.Length);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        if ((long)firstRow + rowCount > _count)
        {
            throw new ArgumentException($"rows {firstRow}..{(long)firstRow + rowCount} pass the {_count} slots in use", nameof(rowCount));
        }

        long outputLength = (long)queryCount * rowCount;
        if (distances.Length < outputLength)
        {
            throw new ArgumentException($"distances has {distances.Length} slots for {outputLength} pairs", nameof(distances));
        }

        if (outputLength == 0)
        {
            return;
        }

        // Queries go in batches: the output of a batch stays under the scratch limit and a launch's queries under
        // MaxLaunchQueries.
        int batch = (int)Math.Clamp(ScratchLimitBytes / ((long)rowCount * sizeof(float)), 1, Math.Min(queryCount, MaxLaunchQueries));
        long queryLength = (long)batch * Dimensions;
        long batchOutput = (long)batch * rowCount;
        MemoryBuffer1D<T, Stride1D.Dense>? queryBuffer = null;
        MemoryBuffer1D<float, Stride1D.Dense>? output = null;
        T[] transposed = ArrayPool<T>.Shared.Rent((int)queryLength);
        try
        {
            queryBuffer = _device.Allocate<T>(queryLength);
            output = _device.Allocate<float>(batchOutput);
            DistanceArgs args = new() { Dimensions = Dimensions, Metric = code, RowStart = (int)firstRow, RowCount = rowCount };
            for (int q0 = 0; q0 < queryCount; q0 += batch)
            {
                int n = Math.Min(batch, queryCount - q0);
                UploadTransposed(queryBuffer, queries.Slice(q0 * Dimensions, n * Dimensions), n, transposed);
                args.QueryStride = n;
                kernel(new Index2D(n, rowCount), rows.View, queryBuffer.View, output.View, args);
                _device.Accelerator.Synchronize();
                output.View.SubView(0, (long)n * rowCount).CopyToCPU(_device.Stream, distances.Slice(q0 * rowCount, n * rowCount));
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(transposed);
            _device.Free(queryBuffer, queryLength);
            _device.Free(output, batchOutput);
        }
    }

    private int TopKCore<T>(
        Action<Index2D, ArrayView<T>, ArrayView<byte>, ArrayView<T>, ArrayView<float>, ArrayView<uint>, PartialTopKArgs> partial,
        MemoryBuffer1D<T, Stride1D.Dense> rows, Metric metric, ReadOnlySpan<T> queries, int k, Span<uint> ids, Span<float> distances)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int code = MetricCode(metric);
        int queryCount = QueryCount(queries.Length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        long resultLength = (long)queryCount * k;
        if (ids.Length < resultLength || distances.Length < resultLength)
        {
            throw new ArgumentException($"outputs hold {Math.Min(ids.Length, distances.Length)} pairs for {resultLength}", nameof(ids));
        }

        int found = Math.Min(k, _liveCount);
        if (queryCount == 0)
        {
            return found;
        }

        int segmentLength = Math.Max(SegmentRows, k);
        int segments = Math.Max(1, (int)(((long)_count + segmentLength - 1) / segmentLength));
        long runBytesPerQuery = (long)segments * k * (sizeof(float) + sizeof(uint));
        int batch = (int)Math.Clamp(ScratchLimitBytes / runBytesPerQuery, 1, Math.Min(queryCount, MaxLaunchQueries));
        long runLength = (long)batch * segments * k;

        MemoryBuffer1D<T, Stride1D.Dense>? queryBuffer = null;
        MemoryBuffer1D<float, Stride1D.Dense>? runDistances = null;
        MemoryBuffer1D<uint, Stride1D.Dense>? runIds = null;
        MemoryBuffer1D<float, Stride1D.Dense>? outDistances = null;
        MemoryBuffer1D<uint, Stride1D.Dense>? outIds = null;
        long queryLength = (long)batch * Dimensions;
        long outLength = (long)batch * k;
        T[] transposed = ArrayPool<T>.Shared.Rent((int)queryLength);
        try
        {
            queryBuffer = _device.Allocate<T>(queryLength);
            runDistances = _device.Allocate<float>(runLength);
            runIds = _device.Allocate<uint>(runLength);
            outDistances = _device.Allocate<float>(outLength);
            outIds = _device.Allocate<uint>(outLength);
            GpuCommonKernels common = _device.CommonKernels;
            PartialTopKArgs partialArgs = new()
            {
                Dimensions = Dimensions,
                Metric = code,
                RowEnd = _count,
                SegmentLength = segmentLength,
                Segments = segments,
                K = k,
            };
            MergeArgs mergeArgs = new() { Segments = segments, K = k };
            for (int q0 = 0; q0 < queryCount; q0 += batch)
            {
                int n = Math.Min(batch, queryCount - q0);
                UploadTransposed(queryBuffer, queries.Slice(q0 * Dimensions, n * Dimensions), n, transposed);
                partialArgs.QueryStride = n;
                partial(new Index2D(n, segments), rows.View, _live!.View, queryBuffer.View, runDistances.View, runIds.View, partialArgs);
                common.MergeTopK(n, runDistances.View, runIds.View, outDistances.View, outIds.View, mergeArgs);
                _device.Accelerator.Synchronize();
                outDistances.View.SubView(0, (long)n * k).CopyToCPU(_device.Stream, distances.Slice(q0 * k, n * k));
                outIds.View.SubView(0, (long)n * k).CopyToCPU(_device.Stream, ids.Slice(q0 * k, n * k));
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(transposed);
            _device.Free(queryBuffer, queryLength);
            _device.Free(runDistances, runLength);
            _device.Free(runIds, runLength);
            _device.Free(outDistances, outLength);
            _device.Free(outIds, outLength);
        }

        return found;
    }
}

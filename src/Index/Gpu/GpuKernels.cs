using ILGPU;

namespace AnnSql.Index.Gpu;

/// <summary>Reads one stored element as float inside a kernel (float as is, half widened), as the CPU half kernels do.</summary>
internal interface IGpuElement<T>
    where T : unmanaged
{
    float ToFloat(T value);
}

/// <summary>float32 rows.</summary>
internal readonly struct FloatElement : IGpuElement<float>
{
    public float ToFloat(float value) => value;
}

/// <summary>float16 rows (halfvec), widened to float; sums stay float as in pgvector src/halfvec.c.</summary>
internal readonly struct HalfElement : IGpuElement<ILGPU.Half>
{
    public float ToFloat(ILGPU.Half value) => value;
}

/// <summary>Scalar arguments of the distance kernel.</summary>
internal struct DistanceArgs
{
    public int Dimensions;
    public int QueryStride;
    public int Metric;
    public int RowStart;
    public int RowCount;
}

/// <summary>Scalar arguments of the partial top-k kernel.</summary>
internal struct PartialTopKArgs
{
    public int Dimensions;
    public int QueryStride;
    public int Metric;
    public int RowEnd;
    public int SegmentLength;
    public int Segments;
    public int K;
}

/// <summary>Scalar arguments of the merge kernel.</summary>
internal struct MergeArgs
{
    public int Segments;
    public int K;
}

/// <summary>Scalar arguments of the k-means kernels.</summary>
internal struct KMeansArgs
{
    public int Count;
    public int Width;
    public int Centroids;
}

/// <summary>
/// The kernels, as static methods ILGPU compiles for the accelerator. Distances follow src/Index/Distance: L2 is squared,
/// inner product is negated, L1 is the sum of absolute differences, cosine is 1 - clamp(dot / sqrt(|a|²·|b|²), -1, 1)
/// with the division in double; all sums are float. Pairs are ordered as <see cref="Search.TopKHeap"/> orders them: by distance with NaN last, then by id.
/// </summary>
internal static class GpuKernels
{
    public const int MetricL2 = 0;
    public const int MetricInnerProduct = 1;
    public const int MetricCosine = 2;
    public const int MetricL1 = 3;

    /// <summary>Empty top-k slot.</summary>
    public const uint NoId = uint.MaxValue;

    /// <summary>
    /// Distance between the query a[aOffset + d·aStride] (d = 0..dim-1; queries are stored transposed, so a warp's threads,
    /// which take neighbouring queries, read neighbouring addresses) and the row b[bOffset..+dim) under
    /// <paramref name="metric"/>; smaller = closer.
    /// </summary>
    public static float PairDistance<T, TElement>(
        ArrayView<T> a, long aOffset, long aStride, ArrayView<T> b, long bOffset, int dim, int metric)
        where T : unmanaged
        where TElement : struct, IGpuElement<T>
    {
        TElement e = default;
        if (metric == MetricL2)
        {
            float sum = 0f;
            for (int d = 0; d < dim; d++)
            {
                float diff = e.ToFloat(a[aOffset + (d * aStride)]) - e.ToFloat(b[bOffset + d]);
                sum += diff * diff;
            }

            return sum;
        }

        if (metric == MetricInnerProduct)
        {
            float dot = 0f;
            for (int d = 0; d < dim; d++)
            {
                dot += e.ToFloat(a[aOffset + (d * aStride)]) * e.ToFloat(b[bOffset + d]);
            }

            return -dot;
        }

        if (metric == MetricL1)
        {
            float sum = 0f;
            for (int d = 0; d < dim; d++)
            {
                float diff = e.ToFloat(a[aOffset + (d * aStride)]) - e.ToFloat(b[bOffset + d]);
                sum += diff < 0f ? -diff : diff;
            }

            return sum;
        }

        float ab = 0f;
        float aa = 0f;
        float bb = 0f;
        for (int d = 0; d < dim; d++)
        {
            float x = e.ToFloat(a[aOffset + (d * aStride)]);
            float y = e.ToFloat(b[bOffset + d]);
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }

        double similarity = ab / Math.Sqrt((double)aa * bb);
        if (double.IsNaN(similarity))
        {
            return float.NaN;
        }

        similarity = similarity < -1.0 ? -1.0 : (similarity > 1.0 ? 1.0 : similarity);
        return (float)(1.0 - similarity);
    }

    /// <summary>True when (d1, id1) sorts strictly before (d2, id2): by distance with NaN last, then by id.</summary>
    public static bool Precedes(float d1, uint id1, float d2, uint id2)
    {
        if (d1 < d2)
        {
            return true;
        }

        if (d1 > d2)
        {
            return false;
        }

        bool nan1 = float.IsNaN(d1);
        bool nan2 = float.IsNaN(d2);
        if (nan1 != nan2)
        {
            return nan2;
        }

        return id1 < id2;
    }

    /// <summary>
    /// Batch distances: thread (q, r) writes output[q·RowCount + r] = distance(query q, row RowStart + r). Rows are
    /// row-major with <see cref="DistanceArgs.Dimensions"/> elements each; queries are transposed (element d of query q at
    /// d·QueryStride + q). Neighbouring threads take neighbouring
    /// queries against the same row, so on a GPU a warp reads each row element once (a broadcast) and the transposed
    /// queries in one coalesced load.
    /// </summary>
    public static void Distances<T, TElement>(
        Index2D index, ArrayView<T> rows, ArrayView<T> queries, ArrayView<float> output, DistanceArgs args)
        where T : unmanaged
        where TElement : struct, IGpuElement<T>
    {
        int q = index.X;
        int r = index.Y;
        long dim = args.Dimensions;
        output[((long)q * args.RowCount) + r] =
            PairDistance<T, TElement>(queries, q, args.QueryStride, rows, (args.RowStart + r) * dim, args.Dimensions, args.Metric);
    }

    /// <summary>
    /// First stage of the exact top-k: thread (q, s) scans the live rows of segment s ([s·L, min((s+1)·L, RowEnd))) for
    /// query q and keeps its k best in a sorted run of global memory at ((q·Segments) + s)·k, padded with
    /// (+inf, <see cref="NoId"/>). This is the per-thread queue of FAISS's k-selection (Johnson, Douze and Jégou,
    /// "Billion-scale similarity search with GPUs", 2017, §4), kept as a plain insertion-sorted run instead of warp
    /// sorting networks so the same code runs on the CPU accelerator. Neighbouring threads take neighbouring queries over
    /// the same segment, so a warp shares its row reads, as in <see cref="Distances{T, TElement}"/>.
    /// </summary>
    public static void PartialTopK<T, TElement>(
        Index2D index, ArrayView<T> rows, ArrayView<byte> live, ArrayView<T> queries, ArrayView<float> runDistances,
        ArrayView<uint> runIds, PartialTopKArgs args)
        where T : unmanaged
        where TElement : struct, IGpuElement<T>
    {
        int q = index.X;
        int s = index.Y;
        int k = args.K;
        long run = (((long)q * args.Segments) + s) * k;
        int first = s * args.SegmentLength;
        int end = Math.Min(first + args.SegmentLength, args.RowEnd);
        int count = 0;
        float worstDistance = 0f;
        uint worstId = 0;
        for (int r = first; r < end; r++)
        {
            if (live[r] == 0)
            {
                continue;
            }

            float d = PairDistance<T, TElement>(
                queries, q, args.QueryStride, rows, (long)r * args.Dimensions, args.Dimensions, args.Metric);
            uint id = (uint)r;
            if (count == k && !Precedes(d, id, worstDistance, worstId))
            {
                continue;
            }

            int pos = count < k ? count : k - 1;
            if (count < k)
            {
                count++;
            }

            while (pos > 0 && Precedes(d, id, runDistances[run + pos - 1], runIds[run + pos - 1]))
            {
                runDistances[run + pos] = runDistances[run + pos - 1];
                runIds[run + pos] = runIds[run + pos - 1];
                pos--;
            }

            runDistances[run + pos] = d;
            runIds[run + pos] = id;
            worstDistance = runDistances[run + count - 1];
            worstId = runIds[run + count - 1];
        }

        for (int j = count; j < k; j++)
        {
            runDistances[run + j] = float.PositiveInfinity;
            runIds[run + j] = NoId;
        }
    }

    /// <summary>
    /// Second stage: thread q merges its <see cref="MergeArgs.Segments"/> sorted runs into the k best, written sorted to
    /// output[q·k ..) and padded with (+inf, <see cref="NoId"/>). A run is left at its first pair that does not make the cut,
    /// since the rest of the run is worse.
    /// </summary>
    public static void MergeTopK(
        Index1D index, ArrayView<float> runDistances, ArrayView<uint> runIds, ArrayView<float> outDistances, ArrayView<uint> outIds,
        MergeArgs args)
    {
        int q = index.X;
        int k = args.K;
        long output = (long)q * k;
        int count = 0;
        for (int s = 0; s < args.Segments; s++)
        {
            long run = (((long)q * args.Segments) + s) * k;
            for (int j = 0; j < k; j++)
            {
                uint id = runIds[run + j];
                if (id == NoId)
                {
                    break;
                }

                float d = runDistances[run + j];
                if (count == k && !Precedes(d, id, outDistances[output + k - 1], outIds[output + k - 1]))
                {
                    break;
                }

                int pos = count < k ? count : k - 1;
                if (count < k)
                {
                    count++;
                }

                while (pos > 0 && Precedes(d, id, outDistances[output + pos - 1], outIds[output + pos - 1]))
                {
                    outDistances[output + pos] = outDistances[output + pos - 1];
                    outIds[output + pos] = outIds[output + pos - 1];
                    pos--;
                }

                outDistances[output + pos] = d;
                outIds[output + pos] = id;
            }
        }

        for (int j = count; j < k; j++)
        {
            outDistances[output + j] = float.PositiveInfinity;
            outIds[output + j] = NoId;
        }
    }

    /// <summary>
    /// k-means assignment: thread i finds the nearest of the centroids (first on ties) for point i by squared L2. Points
    /// are column-major (points[d·Count + i]), centroids too (centroids[d·Centroids + c]), the layout of
    /// <see cref="Quantization.ProductQuantizer"/>'s codebooks.
    /// </summary>
    public static void KMeansAssign(
        Index1D i, ArrayView<float> points, ArrayView<float> centroids, ArrayView<int> assignment, ArrayView<float> errors,
        KMeansArgs args)
    {
        int best = 0;
        float bestDistance = 0f;
        for (int c = 0; c < args.Centroids; c++)
        {
            float sum = 0f;
            for (int d = 0; d < args.Width; d++)
            {
                float diff = points[((long)d * args.Count) + i] - centroids[((long)d * args.Centroids) + c];
                sum += diff * diff;
            }

            if (c == 0 || sum < bestDistance)
            {
                best = c;
                bestDistance = sum;
            }
        }

        assignment[i] = best;
        errors[i] = bestDistance;
    }

    /// <summary>
    /// k-means update, first half: thread (c, d) sums coordinate d of the points of centroid c, in double and in point
    /// order: order[offsets[c] .. offsets[c + 1]) lists them (a counting sort of the assignment, done by the host), so the
    /// work is one pass over the points and, with no atomics, the sums are deterministic and equal to a sequential CPU
    /// sum. Thread (c, 0) also writes the count.
    /// </summary>
    public static void KMeansSums(
        Index2D index, ArrayView<float> points, ArrayView<int> order, ArrayView<int> offsets, ArrayView<double> sums,
        ArrayView<int> counts, KMeansArgs args)
    {
        int c = index.X;
        int d = index.Y;
        long column = (long)d * args.Count;
        int first = offsets[c];
        int end = offsets[c + 1];
        double sum = 0.0;
        for (int j = first; j < end; j++)
        {
            sum += points[column + order[j]];
        }

        sums[((long)c * args.Width) + d] = sum;
        if (d == 0)
        {
            counts[c] = end - first;
        }
    }

    /// <summary>k-means update, second half: thread (c, d) moves a centroid with points to their mean; an empty one stays.</summary>
    public static void KMeansMeans(
        Index2D index, ArrayView<double> sums, ArrayView<int> counts, ArrayView<float> centroids, KMeansArgs args)
    {
        int c = index.X;
        int d = index.Y;
        int count = counts[c];
        if (count > 0)
        {
            centroids[((long)d * args.Centroids) + c] = (float)(sums[((long)c * args.Width) + d] / count);
        }
    }
}

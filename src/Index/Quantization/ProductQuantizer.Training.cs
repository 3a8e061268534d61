using System.Buffers;
using AnnSql.Index.Distance;
using AnnSql.Index.Gpu;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Quantization;

public sealed partial class ProductQuantizer
{
    /// <summary>
    /// Trains the codebooks on <paramref name="sampleCount"/> vectors of <paramref name="sample"/> (row-major, sampleCount ×
    /// dimensions floats): per chunk, k-means++ seeding then <paramref name="iterations"/> Lloyd iterations (fewer when the
    /// assignment stops changing), chunks in parallel on up to <paramref name="threads"/> threads; deterministic for a
    /// seed. With fewer sample vectors than 256, duplicate centroids fill the codebook.
    /// </summary>
    /// <remarks>
    /// <para>
    /// k-means++ (Arthur and Vassilvitskii, SODA 2007): the first centroid is a uniformly drawn sample point, each next one
    /// a point drawn with probability proportional to its squared distance to the nearest centroid so far (D² sampling; a
    /// uniform draw once every point coincides with a centroid). Lloyd (Lloyd 1982): assign every point to its nearest
    /// centroid, move each centroid to the mean of its points, until <paramref name="iterations"/> rounds or an
    /// assignment equal to the previous one. A centroid left without points takes the point farthest from its own
    /// centroid among clusters of two points or more, so no codebook entry is wasted while points disagree with theirs.
    /// </para>
    /// <para>
    /// Each chunk draws from its own <see cref="Random"/> seeded from (<paramref name="seed"/>, chunk), and chunks do not
    /// share state, so the codebooks do not depend on <paramref name="threads"/>. Cosine trains on the normalized sample.
    /// <paramref name="iterations"/> 0 keeps the k-means++ seeds. The sample is read in place (pinned, not copied); each
    /// chunk works on a transposed copy of its columns (chunk width × sampleCount floats).
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// Bad metric, chunk count outside 1..dimensions, or a sample of the wrong length or empty, or holding a non-finite
    /// value; dimensions not positive, iterations negative or threads not positive (ArgumentOutOfRangeException).
    /// </exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static ProductQuantizer Train(
        Metric metric, int dimensions, int chunks, ReadOnlySpan<float> sample, int sampleCount, int iterations, int seed, int threads,
        CancellationToken cancellationToken) =>
        Train(metric, dimensions, chunks, sample, sampleCount, iterations, seed, threads, null, cancellationToken);

    /// <summary>
    /// <see cref="Train(Metric, int, int, ReadOnlySpan{float}, int, int, int, int, CancellationToken)"/> with the Lloyd
    /// iterations' assignment and mean update run on <paramref name="device"/> (<see cref="GpuKMeans"/>) when it is not
    /// null; seeding and the refill of empty clusters stay on the CPU. Deterministic for a seed on a given device; the
    /// means are the same double sums as on the CPU, while an assignment may differ where two centroids are at nearly equal
    /// distance (the device sums distances in another order), so codebooks can differ slightly from the CPU path's.
    /// </summary>
    /// <exception cref="GpuBudgetExceededException">A chunk's points and centroids do not fit the device's budget.</exception>
    public static unsafe ProductQuantizer Train(
        Metric metric, int dimensions, int chunks, ReadOnlySpan<float> sample, int sampleCount, int iterations, int seed, int threads,
        GpuDevice? device, CancellationToken cancellationToken)
    {
        CheckMetric(metric);
        if (dimensions <= 0 || dimensions > MaxDimensions)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(dimensions), dimensions, $"dimensions must be in 1..{MaxDimensions}");
        }

        if (chunks < 1 || chunks > dimensions)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(chunks), chunks, $"chunks must be in 1..{dimensions}");
        }

        if (sampleCount <= 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(sampleCount), sampleCount, "the sample must hold at least one vector");
        }

        if (sample.Length != (long)sampleCount * dimensions)
        {
            ThrowHelper.ThrowArgument(
                $"sample has {sample.Length} floats, {sampleCount} vectors of {dimensions} dimensions need "
                + $"{(long)sampleCount * dimensions}",
                nameof(sample));
        }

        if (iterations < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(iterations), iterations, "iterations must not be negative");
        }

        if (threads < 1)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(threads), threads, "threads must be positive");
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Per-row scale: 1, or 1/|x| for Cosine. The squared norm is also the finiteness check: it is NaN or infinite
        // exactly when a value is, or when the vector is too large for float sums.
        float[] scales = new float[sampleCount];
        for (int i = 0; i < sampleCount; i++)
        {
            float norm2 = VectorDistances.NormSquared(sample.Slice(i * dimensions, dimensions));
            if (!float.IsFinite(norm2))
            {
                ThrowHelper.ThrowArgument($"sample vector {i} holds a non-finite value or overflows a float sum", nameof(sample));
            }

            scales[i] = metric == Metric.Cosine ? InverseNorm(norm2) : 1f;
        }

        int[] chunkStarts = ComputeChunkStarts(dimensions, chunks);
        float[] codebook = new float[dimensions * CentroidsPerChunk];
        int sampleLength = sample.Length;
        fixed (float* pinned = sample)
        {
            // SAFETY: the sample stays pinned until CallerParallel.For returns, which it does only after every chunk body has
            // finished (or, on failure or cancellation, after every body in progress has stopped); bodies read
            // [0, sampleLength) only, through spans of that length.
            nint address = (nint)pinned;
            CallerParallel.For(
                chunks,
                1,
                threads,
                (first, end) =>
                {
                    ReadOnlySpan<float> rows = new((float*)address, sampleLength);
                    for (int c = first; c < end; c++)
                    {
                        ChunkTrainer trainer = new(rows, scales, dimensions, chunkStarts[c], chunkStarts[c + 1], codebook);
                        try
                        {
                            trainer.Run(iterations, ChunkSeed(seed, c), device, cancellationToken);
                        }
                        finally
                        {
                            trainer.Release();
                        }
                    }
                },
                cancellationToken);
        }

        return new ProductQuantizer(metric, dimensions, chunkStarts, codebook);
    }

    /// <summary>Accepts the float metrics PQ approximates.</summary>
    private static void CheckMetric(Metric metric)
    {
        if (metric is not (Metric.L2 or Metric.InnerProduct or Metric.Cosine))
        {
            ThrowHelper.ThrowArgument(
                $"metric {metric} is not supported by product quantization (L2, InnerProduct, Cosine)", nameof(metric));
        }
    }

    /// <summary>A fixed mix of the seed and the chunk (SplitMix64's finalizer), so each chunk draws its own sequence.</summary>
    private static int ChunkSeed(int seed, int chunk)
    {
        ulong z = ((ulong)(uint)seed << 32) | (uint)chunk;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & int.MaxValue);
    }

    /// <summary>
    /// k-means for one chunk. Owns pooled buffers sized by the sample (returned by <see cref="Release"/>) and writes the
    /// chunk's rows of the shared codebook, which no other chunk touches.
    /// </summary>
    private ref struct ChunkTrainer
    {
        private readonly ReadOnlySpan<float> _sample;
        private readonly float[] _scales;
        private readonly int _dimensions;
        private readonly int _start;
        private readonly int _width;
        private readonly int _count;
        private readonly Span<float> _centroids;

        /// <summary>The chunk's columns of the (normalized) sample, transposed: _points[d·count + i] = x_i[start + d].</summary>
        private readonly float[] _points;

        /// <summary>Per point: squared distance to its centroid (seeding: to the nearest centroid so far).</summary>
        private readonly float[] _errors;

        /// <summary>Per point: scratch distances (seeding), and the current cluster (Lloyd).</summary>
        private readonly float[] _scratch;
        private readonly int[] _assignment;

        public ChunkTrainer(ReadOnlySpan<float> sample, float[] scales, int dimensions, int start, int end, float[] codebook)
        {
            _sample = sample;
            _scales = scales;
            _dimensions = dimensions;
            _start = start;
            _width = end - start;
            _count = scales.Length;
            _centroids = codebook.AsSpan(start * CentroidsPerChunk, _width * CentroidsPerChunk);
            _points = ArrayPool<float>.Shared.Rent(_width * _count);
            _errors = ArrayPool<float>.Shared.Rent(_count);
            _scratch = ArrayPool<float>.Shared.Rent(_count);
            _assignment = ArrayPool<int>.Shared.Rent(_count);
            for (int i = 0; i < _count; i++)
            {
                ReadOnlySpan<float> row = sample.Slice((i * dimensions) + start, _width);
                float scale = scales[i];
                for (int d = 0; d < _width; d++)
                {
                    _points[(d * _count) + i] = row[d] * scale;
                }
            }
        }

        public readonly void Release()
        {
            ArrayPool<float>.Shared.Return(_points);
            ArrayPool<float>.Shared.Return(_errors);
            ArrayPool<float>.Shared.Return(_scratch);
            ArrayPool<int>.Shared.Return(_assignment);
        }

        /// <summary>Seeds, then runs up to <paramref name="iterations"/> Lloyd rounds (on <paramref name="device"/> when given).</summary>
        public readonly void Run(int iterations, int seed, GpuDevice? device, CancellationToken cancellationToken)
        {
            Seed(new Random(seed), cancellationToken);
            _assignment.AsSpan(0, _count).Fill(-1);
            Span<int> sizes = stackalloc int[CentroidsPerChunk];
            if (device is not null && iterations > 0)
            {
                RunOnDevice(device, iterations, sizes, cancellationToken);
                return;
            }

            double[] sums = new double[CentroidsPerChunk * _width];
            for (int round = 0; round < iterations; round++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Assign(sizes) == 0)
                {
                    // The centroids are the means of this very assignment already: a fixed point.
                    break;
                }

                ReseedEmpty(sizes);
                UpdateMeans(sizes, sums);
            }
        }

        /// <summary>
        /// The Lloyd rounds of <see cref="Run"/> with assignment and means on the device; the rules (stop when no point
        /// moves, refill empty clusters) are the CPU's.
        /// </summary>
        private readonly void RunOnDevice(GpuDevice device, int iterations, Span<int> sizes, CancellationToken cancellationToken)
        {
            using GpuKMeans kmeans = new(device, _points.AsSpan(0, _width * _count), _count, _width, CentroidsPerChunk);
            kmeans.SetCentroids(_centroids);
            int[] nearest = ArrayPool<int>.Shared.Rent(_count);
            try
            {
                Span<int> next = nearest.AsSpan(0, _count);
                for (int round = 0; round < iterations; round++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    kmeans.Assign(next, _errors.AsSpan(0, _count));
                    sizes.Clear();
                    int moved = 0;
                    for (int i = 0; i < next.Length; i++)
                    {
                        sizes[next[i]]++;
                        if (_assignment[i] != next[i])
                        {
                            _assignment[i] = next[i];
                            moved++;
                        }
                    }

                    if (moved == 0)
                    {
                        break;
                    }

                    ReseedEmpty(sizes);
                    kmeans.SetAssignment(_assignment.AsSpan(0, _count));
                    kmeans.UpdateMeans();
                }

                kmeans.GetCentroids(_centroids);
            }
            finally
            {
                ArrayPool<int>.Shared.Return(nearest);
            }
        }

        /// <summary>k-means++ seeding (D² sampling) of the 256 centroids.</summary>
        private readonly void Seed(Random random, CancellationToken cancellationToken)
        {
            Span<float> errors = _errors.AsSpan(0, _count);
            Span<float> scratch = _scratch.AsSpan(0, _count);
            ReadOnlySpan<float> points = _points.AsSpan(0, _width * _count);
            float[] centroid = new float[_width];

            SetCentroid(0, random.Next(_count), centroid);
            ColumnDistances<SquaredDifference>(centroid, 1f, points, _count, errors);
            for (int k = 1; k < CentroidsPerChunk; k++)
            {
                if ((k & 31) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                SetCentroid(k, Draw(random, errors), centroid);
                ColumnDistances<SquaredDifference>(centroid, 1f, points, _count, scratch);
                for (int i = 0; i < errors.Length; i++)
                {
                    errors[i] = Math.Min(errors[i], scratch[i]);
                }
            }
        }

        /// <summary>A point drawn with probability proportional to its error; uniform when every error is zero.</summary>
        private readonly int Draw(Random random, ReadOnlySpan<float> errors)
        {
            double total = 0;
            foreach (float e in errors)
            {
                total += e;
            }

            if (total <= 0)
            {
                return random.Next(_count);
            }

            double target = random.NextDouble() * total;
            double running = 0;
            int last = 0;
            for (int i = 0; i < errors.Length; i++)
            {
                if (errors[i] > 0)
                {
                    running += errors[i];
                    last = i;
                    if (running > target)
                    {
                        return i;
                    }
                }
            }

            // Rounding left the running sum just short of the target: the last point with weight.
            return last;
        }

        /// <summary>Sets centroid <paramref name="k"/> and <paramref name="centroid"/> to point <paramref name="point"/>.</summary>
        private readonly void SetCentroid(int k, int point, Span<float> centroid)
        {
            for (int d = 0; d < _width; d++)
            {
                float value = _points[(d * _count) + point];
                centroid[d] = value;
                _centroids[(d * CentroidsPerChunk) + k] = value;
            }
        }

        /// <summary>Assigns every point to its nearest centroid; fills the sizes and errors; returns how many points moved.</summary>
        private readonly int Assign(Span<int> sizes)
        {
            Span<float> distances = stackalloc float[CentroidsPerChunk];
            sizes.Clear();
            int moved = 0;
            for (int i = 0; i < _count; i++)
            {
                // The sample row scaled in the kernel gives the same floats as the transposed copy.
                ReadOnlySpan<float> row = _sample.Slice((i * _dimensions) + _start, _width);
                ColumnDistances<SquaredDifference>(row, _scales[i], _centroids, CentroidsPerChunk, distances);
                int nearest = ArgMin(distances);
                _errors[i] = distances[nearest];
                sizes[nearest]++;
                if (_assignment[i] != nearest)
                {
                    _assignment[i] = nearest;
                    moved++;
                }
            }

            return moved;
        }

        /// <summary>Gives each empty cluster the farthest point of a cluster that keeps at least one point.</summary>
        private readonly void ReseedEmpty(Span<int> sizes)
        {
            for (int k = 0; k < CentroidsPerChunk; k++)
            {
                if (sizes[k] != 0)
                {
                    continue;
                }

                int farthest = -1;
                float worst = 0f;
                for (int i = 0; i < _count; i++)
                {
                    if (_errors[i] > worst && sizes[_assignment[i]] > 1)
                    {
                        worst = _errors[i];
                        farthest = i;
                    }
                }

                if (farthest < 0)
                {
                    // Every point sits on its centroid (fewer distinct points than centroids): keep the duplicate.
                    continue;
                }

                sizes[_assignment[farthest]]--;
                sizes[k] = 1;
                _assignment[farthest] = k;
                _errors[farthest] = 0f;
            }
        }

        /// <summary>Moves each non-empty cluster's centroid to the mean of its points (sums in double).</summary>
        private readonly void UpdateMeans(ReadOnlySpan<int> sizes, double[] sums)
        {
            Array.Clear(sums);
            ReadOnlySpan<int> assignment = _assignment.AsSpan(0, _count);
            for (int d = 0; d < _width; d++)
            {
                ReadOnlySpan<float> column = _points.AsSpan(d * _count, _count);
                for (int i = 0; i < column.Length; i++)
                {
                    sums[(assignment[i] * _width) + d] += column[i];
                }
            }

            for (int k = 0; k < CentroidsPerChunk; k++)
            {
                if (sizes[k] == 0)
                {
                    continue;
                }

                for (int d = 0; d < _width; d++)
                {
                    _centroids[(d * CentroidsPerChunk) + k] = (float)(sums[(k * _width) + d] / sizes[k]);
                }
            }
        }
    }
}

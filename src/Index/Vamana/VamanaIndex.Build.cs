using AnnSql.Index.Distance;

namespace AnnSql.Index.Vamana;

public sealed partial class VamanaIndex
{
    /// <summary>
    /// Builds the graph over <paramref name="count"/> vectors (row-major in <paramref name="vectors"/>) as points 0..count-1,
    /// in two passes, on up to <paramref name="maxDegreeOfParallelism"/> threads. The index must be empty.
    /// </summary>
    /// <remarks>
    /// DiskANN §2.3: the start point is the medoid (the point nearest, by L2, to the centroid); each pass links every point
    /// in a random order (seeded by <see cref="VamanaOptions.Seed"/>) with GreedySearch, RobustPrune and back edges,
    /// starting from an empty graph; pass 1 prunes with alpha = 1, pass 2 with <see cref="VamanaOptions.Alpha"/>. Points are
    /// linked in parallel with per-node lock stripes, so a build with more than one thread is not bit-for-bit repeatable.
    /// <paramref name="progress"/> hears about every 1% of points per pass. Inserts wait for the build; searches during
    /// the build see an empty index. A cancelled build leaves the index empty.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="count"/> is negative, or <paramref name="maxDegreeOfParallelism"/> is not positive.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="vectors"/> holds fewer than count × <see cref="Dimensions"/> floats.</exception>
    /// <exception cref="InvalidOperationException">The index already holds points.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public void Build(
        float[] vectors,
        int count,
        int maxDegreeOfParallelism,
        IProgress<VamanaBuildProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        Build(vectors, count, labels: null, maxDegreeOfParallelism, progress, cancellationToken);

    /// <summary>
    /// Builds the graph over <paramref name="count"/> vectors (row-major in <paramref name="vectors"/>) as points 0..count-1,
    /// point i carrying the labels <paramref name="labels"/>[i], in two passes, on up to
    /// <paramref name="maxDegreeOfParallelism"/> threads. The index must be empty.
    /// </summary>
    /// <remarks>
    /// Without labels (<paramref name="labels"/> null, or every set empty) this is DiskANN's build, as the overload
    /// without labels describes. With labels it is Filtered-DiskANN's (Gollapudi et al., WWW 2023, Algorithm 4) layered on
    /// it: each label's start point is its medoid (the point carrying it nearest to the centroid of its points), chosen
    /// once before the passes, and a labelled point p is linked from the expanded sets of both the unfiltered GreedySearch
    /// from the global medoid and the filtered GreedySearch from the start points of F_p, pruned with FilteredRobustPrune;
    /// back edges are pruned the same way. So unfiltered searches keep a navigable graph, and every label's subgraph is
    /// navigable from its start point. Each label set is copied, sorted and de-duplicated (any <see cref="int"/> is a
    /// label); postings are filled in id order. Progress, concurrency and cancellation are as for the overload without
    /// labels.
    /// </remarks>
    /// <param name="vectors">count × <see cref="Dimensions"/> floats, row-major.</param>
    /// <param name="count">Points to build.</param>
    /// <param name="labels">Null for no labels; otherwise at least count sets, a null or empty set meaning no label.</param>
    /// <param name="maxDegreeOfParallelism">Threads linking points.</param>
    /// <param name="progress">Hears about every 1% of points per pass.</param>
    /// <param name="cancellationToken">Checked between points.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="count"/> is negative, or <paramref name="maxDegreeOfParallelism"/> is not positive.
    /// </exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="vectors"/> holds fewer than count × <see cref="Dimensions"/> floats, or <paramref name="labels"/> holds
    /// fewer than count sets.
    /// </exception>
    /// <exception cref="InvalidOperationException">The index already holds points.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public void Build(
        float[] vectors,
        int count,
        int[]?[]? labels,
        int maxDegreeOfParallelism,
        IProgress<VamanaBuildProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDegreeOfParallelism);
        if ((long)count * _dimensions > vectors.Length)
        {
            throw new ArgumentException(
                $"{count} vectors of {_dimensions} dimensions need {(long)count * _dimensions} floats, not {vectors.Length}", nameof(vectors));
        }

        if (labels is not null && labels.Length < count)
        {
            throw new ArgumentException($"{count} points need {count} label sets, not {labels.Length}", nameof(labels));
        }

        _structureLock.EnterWriteLock();
        try
        {
            BuildExclusive(vectors, count, labels, maxDegreeOfParallelism, progress, cancellationToken);
        }
        finally
        {
            _structureLock.ExitWriteLock();
        }
    }

    /// <summary>The build, holding the index exclusively (no insert, save or consolidation runs meanwhile).</summary>
    private void BuildExclusive(
        float[] vectors,
        int count,
        int[]?[]? labels,
        int maxDegreeOfParallelism,
        IProgress<VamanaBuildProgress>? progress,
        CancellationToken cancellationToken)
    {
        lock (_appendLock)
        {
            if (_count != 0)
            {
                throw new InvalidOperationException($"the index already holds {_count} points; build needs an empty index");
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (count == 0)
            {
                return;
            }

            try
            {
                _store.EnsureCapacity(count);
                for (int i = 0; i < count; i++)
                {
                    vectors.AsSpan(i * _dimensions, _dimensions).CopyTo(_store.WritableVector((uint)i));
                }

                if (labels is not null && StoreLabels(labels, count))
                {
                    ChooseLabelStartPoints(maxDegreeOfParallelism, cancellationToken);
                }

                Volatile.Write(ref _start, Medoid(count));
                switch (_metric)
                {
                    case Metric.L2:
                        BuildPasses<L2Kernel>(count, maxDegreeOfParallelism, progress, cancellationToken);
                        break;
                    case Metric.InnerProduct:
                        BuildPasses<InnerProductKernel>(count, maxDegreeOfParallelism, progress, cancellationToken);
                        break;
                    default:
                        BuildPasses<CosineKernel>(count, maxDegreeOfParallelism, progress, cancellationToken);
                        break;
                }
            }
            catch
            {
                Volatile.Write(ref _start, NoStart);
                _store.Clear();
                _labels.Clear();
                throw;
            }

            Volatile.Write(ref _count, count);
        }
    }

    /// <summary>
    /// The two Vamana passes over a graph that starts empty: each links every point once, in a fresh seeded random order,
    /// points in parallel. A random R-regular initial graph (the paper's start) was measured on MNIST 60k and gave the
    /// same build time and recall, so the simpler empty start is kept.
    /// </summary>
    private void BuildPasses<TDistance>(int count, int maxDegreeOfParallelism, IProgress<VamanaBuildProgress>? progress, CancellationToken cancellationToken)
        where TDistance : struct, IDistance
    {
        Random random = new(_options.Seed);
        uint[] order = new uint[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = (uint)i;
        }

        ParallelOptions parallel = new() { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        long step = Math.Max(1, count / 100);
        for (int pass = 1; pass <= 2; pass++)
        {
            float alpha = pass == 1 ? 1f : _options.Alpha;
            random.Shuffle(order);
            long done = 0;
            int currentPass = pass;
            Parallel.For(0, count, parallel, i =>
            {
                LinkPoint<TDistance>(order[i], alpha, SearchScratch.Current);
                long finished = Interlocked.Increment(ref done);
                if (progress is not null && (finished % step == 0 || finished == count))
                {
                    progress.Report(new VamanaBuildProgress(currentPass, finished, count));
                }
            });
        }
    }

    /// <summary>
    /// Stores the normalised label set of each of points 0..count-1 and appends each point to its labels' postings, in id
    /// order; returns whether any point has a label. Runs before <see cref="Count"/> covers the points, so while
    /// <see cref="Count"/> is 0 <see cref="GetPostings"/> returns nothing.
    /// </summary>
    private bool StoreLabels(int[]?[] labels, int count)
    {
        bool any = false;
        for (int i = 0; i < count; i++)
        {
            int[]? set = labels[i];
            if (set is null || set.Length == 0)
            {
                continue;
            }

            int[] normalized = LabelSets.Normalize(set);
            uint id = (uint)i;
            _store.SetLabels(id, normalized);
            foreach (int label in normalized)
            {
                _labels.GetOrAdd(label, id).Append(id);
            }

            any = true;
        }

        return any;
    }

    /// <summary>The point nearest (by squared L2) to the centroid of points 0..count-1: DiskANN's start point.</summary>
    private uint Medoid(int count)
    {
        uint[] all = new uint[count];
        for (int i = 0; i < count; i++)
        {
            all[i] = (uint)i;
        }

        return NearestToCentroid(all, new double[_dimensions], new float[_dimensions]);
    }
}

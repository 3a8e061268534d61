using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using AnnSql.Index.Distance;

namespace AnnSql.Index.Vamana;

/// <summary>
/// An in-memory Vamana graph over float vectors with dense point ids 0..Count-1 (DiskANN, NeurIPS 2019, §2):
/// medoid start point, GreedySearch with list size L, RobustPrune with alpha, two build passes (alpha = 1, then alpha).
/// Points can be appended after the build with the FreshDiskANN insert (arXiv 2105.09613, Algorithm 2), concurrently
/// with searches. Points may carry labels (sets of <see cref="int"/>s); the graph is then built as Filtered-DiskANN's
/// (Gollapudi et al., WWW 2023) and searches can be restricted to the points carrying any of a set of labels, while
/// unfiltered searches still start from the medoid and see the whole graph.
/// </summary>
/// <remarks>
/// Concurrency: searches take no locks. Each point's out-neighbour list is an immutable array replaced atomically, so a
/// search reads a consistent snapshot; writers of one list serialise on its lock stripe. Appending a point (id, vector,
/// <see cref="Count"/>) is serialised by one short lock; the linking work of an insert runs outside it. A point becomes
/// reachable only through the back edges added after its vector is written and <see cref="Count"/> covers it. A point's
/// label set is published with its vector; its postings, and the label's start point when the label is new, right after
/// <see cref="Count"/> covers it, under the same lock.
/// </remarks>
public sealed partial class VamanaIndex
{
    /// <summary><see cref="_start"/> before the first point exists.</summary>
    private const uint NoStart = uint.MaxValue;

    /// <summary>Cache lines of each neighbour's vector prefetched before its distance is computed.</summary>
    private const int MaxPrefetchLines = 8;

    private readonly Metric _metric;
    private readonly int _dimensions;
    private readonly VamanaOptions _options;
    private readonly VamanaStore _store;
    private readonly LabelDirectory _labels = new();
    private readonly int _prefetchLines;

    /// <summary>Serialises appends (id assignment, vector write, store growth, <see cref="Count"/>) and builds.</summary>
    private readonly Lock _appendLock = new();

    private int _count;
    private uint _start = NoStart;

    /// <summary>An empty index for <paramref name="dimensions"/>-dimensional vectors compared with <paramref name="metric"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Dimensions not positive, or an option out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="metric"/> is not L2, InnerProduct or Cosine.</exception>
    public VamanaIndex(Metric metric, int dimensions, VamanaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (metric is not (Metric.L2 or Metric.InnerProduct or Metric.Cosine))
        {
            throw new ArgumentException($"a vamana index supports the L2, InnerProduct and Cosine metrics, not {metric}", nameof(metric));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        ValidateOptions(options);
        _metric = metric;
        _dimensions = dimensions;
        _options = options;
        _store = new VamanaStore(dimensions);
        _prefetchLines = Math.Min(MaxPrefetchLines, _store.LinesPerRow);
    }

    /// <summary>The distance the graph is built and searched with.</summary>
    public Metric Metric => _metric;

    /// <summary>Vector dimensions.</summary>
    public int Dimensions => _dimensions;

    /// <summary>Build parameters.</summary>
    public VamanaOptions Options => _options;

    /// <summary>Number of points (built and inserted); ids are 0..Count-1.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Bytes held by vectors, adjacency lists and labels: the allocated vector segments (rows padded to 64 bytes, capacity
    /// in whole segments of 4096 points) plus the neighbour arrays, the label sets and the label postings (approximately:
    /// arrays with their object headers, posting arrays at their allocated length).
    /// </summary>
    public long MemoryBytes => _store.MemoryBytes(Count) + _labels.MemoryBytes();

    /// <summary>
    /// Appends one point without labels and links it into the graph (search, RobustPrune, back-edges); returns its id.
    /// Safe to call concurrently with searches and with other inserts.
    /// </summary>
    /// <remarks>
    /// FreshDiskANN Algorithm 2: GreedySearch from the start point with L = <see cref="VamanaOptions.BuildListSize"/>,
    /// RobustPrune(p, V, <see cref="VamanaOptions.Alpha"/>, R), then p is added to each out-neighbour's list, which is
    /// pruned when it would exceed R. The first point of an empty index becomes the start point.
    /// </remarks>
    /// <exception cref="ArgumentException">The vector's length is not <see cref="Dimensions"/>.</exception>
    /// <exception cref="InvalidOperationException">The index already holds the maximum number of points.</exception>
    public uint Insert(ReadOnlySpan<float> vector) => AppendAndLink(vector, LabelSets.Empty, ReadOnlySpan<int>.Empty);

    /// <summary>
    /// Appends one point carrying <paramref name="labels"/> (any order, duplicates allowed; copied, sorted and
    /// de-duplicated; empty for none) and links it into the graph; returns its id. Safe to call concurrently with searches
    /// and with other inserts.
    /// </summary>
    /// <remarks>
    /// FreshDiskANN Algorithm 2 with Filtered-DiskANN's linking (Gollapudi et al., WWW 2023, Algorithm 4): the candidates
    /// are the expanded sets of the unfiltered GreedySearch from the medoid and of the filtered GreedySearch from the start
    /// points of the point's labels, pruned with FilteredRobustPrune, and the back edges are pruned the same way. The
    /// first point carrying a label becomes that label's start point. When the insert returns, the point is in the
    /// postings of each of its labels.
    /// </remarks>
    /// <exception cref="ArgumentException">The vector's length is not <see cref="Dimensions"/>.</exception>
    /// <exception cref="InvalidOperationException">The index already holds the maximum number of points.</exception>
    public uint Insert(ReadOnlySpan<float> vector, ReadOnlySpan<int> labels) => AppendAndLink(vector, null, labels);

    /// <summary>Point <paramref name="id"/>'s vector.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not below <see cref="Count"/>.</exception>
    public ReadOnlySpan<float> GetVector(uint id)
    {
        int count = Count;
        if (id >= (uint)count)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"the index holds {count} points");
        }

        return _store.Vector(id);
    }

    /// <summary>Out-neighbours of <paramref name="id"/> (a snapshot), for tests and diagnostics.</summary>
    internal ReadOnlySpan<uint> GetNeighbors(uint id) => _store.Neighbors(id);

    /// <summary>The start point of every search (the medoid after a build); <see cref="uint.MaxValue"/> when empty.</summary>
    internal uint StartPoint => Volatile.Read(ref _start);

    /// <summary>
    /// The insert behind both public overloads: appends the point with label set <paramref name="labelSet"/> (normalised),
    /// or, when it is null, with <paramref name="labels"/> normalised after the dimension check; then links it.
    /// </summary>
    private uint AppendAndLink(ReadOnlySpan<float> vector, int[]? labelSet, ReadOnlySpan<int> labels)
    {
        if (vector.Length != _dimensions)
        {
            ThrowDimensionMismatch(vector.Length, nameof(vector));
        }

        labelSet ??= LabelSets.Normalize(labels);
        uint id;
        lock (_appendLock)
        {
            int count = _count;
            if (count == int.MaxValue)
            {
                throw new InvalidOperationException($"the index already holds {count} points");
            }

            id = (uint)count;
            _store.EnsureCapacity(count + 1);
            vector.CopyTo(_store.WritableVector(id));
            if (labelSet.Length != 0)
            {
                _store.SetLabels(id, labelSet);
            }

            if (count == 0)
            {
                Volatile.Write(ref _start, id);
            }

            // Published: searches may now return the id, and the back edges below may make it reachable.
            Volatile.Write(ref _count, count + 1);

            // Postings and new start points only ever name published points.
            foreach (int label in labelSet)
            {
                _labels.GetOrAdd(label, id).Append(id);
            }
        }

        if (id != 0)
        {
            switch (_metric)
            {
                case Metric.L2:
                    LinkPoint<L2Kernel>(id, _options.Alpha, SearchScratch.Current);
                    break;
                case Metric.InnerProduct:
                    LinkPoint<InnerProductKernel>(id, _options.Alpha, SearchScratch.Current);
                    break;
                default:
                    LinkPoint<CosineKernel>(id, _options.Alpha, SearchScratch.Current);
                    break;
            }
        }

        return id;
    }

    /// <summary>The ranking distance from <paramref name="query"/> to point <paramref name="id"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Distance<TDistance>(ReadOnlySpan<float> query, uint id)
        where TDistance : struct, IDistance => TDistance.Distance(query, _store.Vector(id));

    private static void ValidateOptions(VamanaOptions options)
    {
        if (options.MaxDegree < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxDegree, "max_degree (R) must be at least 1");
        }

        if (options.BuildListSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BuildListSize, "l_build (L) must be at least 1");
        }

        if (!(options.Alpha >= 1f) || float.IsInfinity(options.Alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Alpha, "alpha must be a finite number of at least 1");
        }
    }

    [DoesNotReturn]
    private void ThrowDimensionMismatch(int length, string paramName) =>
        throw new ArgumentException($"expected {_dimensions} dimensions, not {length}", paramName);
}

using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using AnnSql.Index.Distance;

namespace AnnSql.Index.Vamana;

/// <summary>
/// An in-memory Vamana graph over float vectors with dense point ids 0..Count-1 (DiskANN, NeurIPS 2019, §2):
/// medoid start point, GreedySearch with list size L, RobustPrune with alpha, two build passes (alpha = 1, then alpha).
/// Points can be appended after the build with the FreshDiskANN insert (arXiv 2105.09613, Algorithm 2), concurrently
/// with searches, deleted (tombstoned, FreshDiskANN's DeleteList) and consolidated (FreshDiskANN Algorithm 4), and the ids of consolidated
/// points are reused by later inserts. Points may carry labels (sets of <see cref="int"/>s); the graph is then built as
/// Filtered-DiskANN's (Gollapudi et al., WWW 2023) and searches can be restricted to the points carrying any of a set of
/// labels, while unfiltered searches still start from the medoid and see the whole graph. The whole index can be saved to
/// and loaded from a stream.
/// </summary>
/// <remarks>
/// <para>
/// Concurrency: searches take no locks. Each point's out-neighbour list is an immutable array replaced atomically, so a
/// search reads a consistent snapshot; writers of one list serialise on its lock stripe. Assigning an id (appending, or
/// popping the free list) and writing the point's vector and labels is serialised by one short lock; the linking work of
/// an insert runs outside it. A point becomes reachable only through the back edges added after its vector is written and
/// <see cref="Count"/> covers it (or, for a reused id, its free mark is cleared). A point's label set is published with its
/// vector; its postings, and the label's start point when the label is new or has none, right after, under the same lock.
/// </para>
/// <para>
/// Deletes: <see cref="Delete"/> only sets the point's tombstone bit, lock-free, at any time. Searches still navigate
/// through tombstoned points but never return them; inserts make no new edges to them. <see cref="Consolidate"/> removes
/// the tombstoned points from the graph (Algorithm 4), moves start points off them, and recycles their ids onto a free list
/// that inserts pop before appending. Inserts share a reader-writer lock whose exclusive side <see cref="Build(float[], int,
/// int, IProgress{VamanaBuildProgress}?, CancellationToken)"/>, <see cref="Save"/> and the graph-rewriting phases of
/// <see cref="Consolidate"/> take; searches and deletes never take it.
/// </para>
/// <para>
/// Reclamation: a search that started before a consolidation may still hold a consolidated id. Searches and callers run
/// inside a <see cref="ReadScope"/> (<see cref="EnterReadScope"/>; both <c>Search</c> overloads open one internally): a
/// consolidation flips an epoch after unlinking the deleted points and waits until every scope of the previous epoch has
/// closed before it recycles their slots. Callers that keep ids or posting spans after <c>Search</c> or
/// <see cref="GetPostings"/> return, to look them up (vectors, labels, rows mapped to ids), must hold a scope across
/// that use, or the id may be recycled and reused for another point meanwhile.
/// </para>
/// </remarks>
[SuppressMessage(
    "Design",
    "CA1001:Types that own disposable fields should be disposable",
    Justification = "The reader-writer lock's only disposable state is the wait events it creates under contention, which "
        + "their finalizers release; an index lives as long as its table, and IDisposable would burden every holder.")]
public sealed partial class VamanaIndex
{
    /// <summary><see cref="_start"/> before the first point exists, or after a consolidation removed every live point.</summary>
    private const uint NoStart = LabelDirectory.NoStartPoint;

    /// <summary>Cache lines of each neighbour's vector prefetched before its distance is computed.</summary>
    private const int MaxPrefetchLines = 8;

    private readonly Metric _metric;
    private readonly int _dimensions;
    private readonly VamanaOptions _options;
    private readonly VamanaStore _store;
    private readonly LabelDirectory _labels = new();
    private readonly int _prefetchLines;

    /// <summary>
    /// Serialises id assignment (append or free-list pop), the vector and label writes, store growth, <see cref="Count"/>,
    /// the free list and posting appends.
    /// </summary>
    private readonly Lock _appendLock = new();

    /// <summary>
    /// Inserts take the shared side (they still run concurrently with each other); builds, saves and the graph-rewriting
    /// phases of a consolidation take the exclusive side. Searches and deletes never take it.
    /// </summary>
    private readonly ReaderWriterLockSlim _structureLock = new(LockRecursionPolicy.NoRecursion);

    /// <summary>Serialises consolidations (held across the epoch wait, which holds no <see cref="_structureLock"/> side).</summary>
    private readonly Lock _consolidationLock = new();

    private int _count;
    private uint _start = NoStart;

    /// <summary>Tombstoned points not yet consolidated.</summary>
    private int _deletedCount;

    /// <summary>Recycled ids, a stack: <see cref="_freeCount"/> entries, the last popped first. Under <see cref="_appendLock"/>.</summary>
    private uint[] _freeIds = [];

    private int _freeCount;

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

    /// <summary>
    /// Number of id slots (points built and inserted, including tombstoned points and free slots); ids are 0..Count-1.
    /// Never shrinks: consolidated ids are recycled, not removed.
    /// </summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Bytes held by vectors, adjacency lists and labels: the allocated vector segments (rows padded to 64 bytes, capacity
    /// in whole segments of 4096 points) plus the neighbour arrays, the label sets, the label postings, the tombstone and
    /// free-slot bitmaps and the free list (approximately: arrays with their object headers, posting arrays and the free
    /// list at their allocated length).
    /// </summary>
    public long MemoryBytes =>
        _store.MemoryBytes(Count) + _labels.MemoryBytes() + 24 + ((long)Volatile.Read(ref _freeIds).Length * sizeof(uint));

    /// <summary>
    /// Copies point <paramref name="id"/>'s out-neighbours into <paramref name="destination"/> (room for R ids) and returns
    /// how many; a consistent list even while inserts rewrite it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not below <see cref="Count"/>.</exception>
    public int CopyNeighbors(uint id, Span<uint> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, (uint)Count);
        uint[] neighbors = _store.Neighbors(id);
        neighbors.CopyTo(destination);
        return neighbors.Length;
    }

    /// <summary>
    /// Adds one point without labels and links it into the graph (search, RobustPrune, back-edges); returns its id: a free
    /// id recycled by <see cref="Consolidate"/> when there is one (so ids are no longer increasing once ids are reused),
    /// else <see cref="Count"/> (appended). Safe to call concurrently with searches, deletes and other inserts; waits while
    /// a build, a save or a consolidation holds the index exclusively.
    /// </summary>
    /// <remarks>
    /// FreshDiskANN Algorithm 2: GreedySearch from the start point with L = <see cref="VamanaOptions.BuildListSize"/>,
    /// RobustPrune(p, V, <see cref="VamanaOptions.Alpha"/>, R) over V without the tombstoned points, then p is added to each
    /// out-neighbour's list, which is pruned when it would exceed R. The first point of an empty index (or of one whose
    /// points were all deleted and consolidated) becomes the start point.
    /// </remarks>
    /// <exception cref="ArgumentException">The vector's length is not <see cref="Dimensions"/>.</exception>
    /// <exception cref="InvalidOperationException">The index already holds the maximum number of points.</exception>
    public uint Insert(ReadOnlySpan<float> vector) => AppendAndLink(vector, LabelSets.Empty, ReadOnlySpan<int>.Empty);

    /// <summary>
    /// Adds one point carrying <paramref name="labels"/> (any order, duplicates allowed; copied, sorted and
    /// de-duplicated; empty for none) and links it into the graph; returns its id, a recycled one when the free list is not
    /// empty, as <see cref="Insert(ReadOnlySpan{float})"/> does. Safe to call concurrently with searches, deletes and
    /// other inserts.
    /// </summary>
    /// <remarks>
    /// FreshDiskANN Algorithm 2 with Filtered-DiskANN's linking (Gollapudi et al., WWW 2023, Algorithm 4): the candidates
    /// are the expanded sets of the unfiltered GreedySearch from the medoid and of the filtered GreedySearch from the start
    /// points of the point's labels, pruned with FilteredRobustPrune, and the back edges are pruned the same way. The
    /// first point carrying a label (or the first after a consolidation removed all of the label's points) becomes that
    /// label's start point. When the insert returns, the point is in the postings of each of its labels.
    /// </remarks>
    /// <exception cref="ArgumentException">The vector's length is not <see cref="Dimensions"/>.</exception>
    /// <exception cref="InvalidOperationException">The index already holds the maximum number of points.</exception>
    public uint Insert(ReadOnlySpan<float> vector, ReadOnlySpan<int> labels) => AppendAndLink(vector, null, labels);

    /// <summary>
    /// Point <paramref name="id"/>'s vector (a tombstoned point keeps its vector; a free slot holds its last point's stale
    /// vector). A view into the index: hold a <see cref="ReadScope"/> while using it if the id may be deleted, consolidated
    /// and reused meanwhile.
    /// </summary>
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

    /// <summary>
    /// The start point of every search (the medoid after a build, moved by consolidations); <see cref="uint.MaxValue"/> when
    /// the index has no point (or no live point after a consolidation).
    /// </summary>
    internal uint StartPoint => Volatile.Read(ref _start);

    /// <summary>
    /// The insert behind both public overloads: takes a free id or appends one, writes the point with label set
    /// <paramref name="labelSet"/> (normalised), or, when it is null, with <paramref name="labels"/> normalised after the
    /// dimension check; then links it.
    /// </summary>
    private uint AppendAndLink(ReadOnlySpan<float> vector, int[]? labelSet, ReadOnlySpan<int> labels)
    {
        if (vector.Length != _dimensions)
        {
            ThrowDimensionMismatch(vector.Length, nameof(vector));
        }

        labelSet ??= LabelSets.Normalize(labels);
        uint id;
        bool isStart;
        _structureLock.EnterReadLock();
        try
        {
            lock (_appendLock)
            {
                int count = _count;
                int free = _freeCount;
                if (free != 0)
                {
                    // A slot recycled by a consolidation: no edge leads to it, its list and labels are empty, and no
                    // search or posting snapshot still holds it (the consolidation waited for their scopes).
                    id = _freeIds[free - 1];
                    vector.CopyTo(_store.WritableVector(id));
                    if (labelSet.Length != 0)
                    {
                        _store.SetLabels(id, labelSet);
                    }

                    // Published: interlocked, so the vector and labels are visible before any edge to the id.
                    _store.ClearFree(id);
                    Volatile.Write(ref _freeCount, free - 1);
                }
                else
                {
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
                }

                isStart = _start == NoStart;
                if (isStart)
                {
                    Volatile.Write(ref _start, id);
                }

                if (free == 0)
                {
                    // Published: searches may now return the id, and the back edges below may make it reachable.
                    Volatile.Write(ref _count, count + 1);
                }

                // Postings and new start points only ever name published points.
                foreach (int label in labelSet)
                {
                    _labels.GetOrAdd(label, id).Append(id);
                }
            }

            if (!isStart)
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
        }
        finally
        {
            _structureLock.ExitReadLock();
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

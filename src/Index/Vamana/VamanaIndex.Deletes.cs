using System.Numerics;
using System.Runtime.InteropServices;
using AnnSql.Index.Distance;

namespace AnnSql.Index.Vamana;

public sealed partial class VamanaIndex
{
    /// <summary>Ints between the two reader counters (and around them): 64 bytes, so they sit on different cache lines.</summary>
    private const int ReaderSlotStride = 16;

    /// <summary>Open <see cref="ReadScope"/>s of the even and odd epochs, at <see cref="ReaderSlot"/>(epoch).</summary>
    private readonly int[] _readers = new int[3 * ReaderSlotStride];

    /// <summary>The reclamation epoch; a consolidation increments it and waits for the readers of the previous one.</summary>
    private int _epoch;

    /// <summary>
    /// Tombstoned points: deleted by <see cref="Delete"/>, not yet consolidated. Exact whenever no delete or consolidation
    /// is in flight.
    /// </summary>
    public int DeletedCount => Math.Max(0, Volatile.Read(ref _deletedCount));

    /// <summary>Free ids: slots recycled by <see cref="Consolidate"/> that the next inserts will reuse.</summary>
    public int FreeCount => Volatile.Read(ref _freeCount);

    /// <summary>Points neither deleted nor free: <see cref="Count"/> − <see cref="DeletedCount"/> − <see cref="FreeCount"/>.</summary>
    public int LiveCount => Count - DeletedCount - FreeCount;

    /// <summary>
    /// Deletes point <paramref name="id"/> by tombstoning it (FreshDiskANN's DeleteList, arXiv 2105.09613): it is no
    /// longer returned by searches, which still navigate through it, and inserts make no new edges to it, until
    /// <see cref="Consolidate"/> removes it from the graph and recycles its id. Idempotent. Lock-free (one interlocked bit
    /// set): safe concurrently with searches, inserts and other deletes, and harmless during a consolidation (a point
    /// deleted after the consolidation started is consolidated by the next one).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="id"/> is not below <see cref="Count"/>, or is a free slot (recycled by a consolidation, not reused).
    /// </exception>
    public void Delete(uint id)
    {
        int count = Count;
        if (id >= (uint)count)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"the index holds {count} points");
        }

        if (_store.IsFree(id))
        {
            ThrowFreeSlot(id);
        }

        if (!_store.TryMarkDeleted(id))
        {
            return;
        }

        if (_store.IsFree(id))
        {
            // Raced with the consolidation that recycled the (already deleted) point: the slot is free, not deleted.
            _store.ClearDeleted(id);
            ThrowFreeSlot(id);
        }

        Interlocked.Increment(ref _deletedCount);
    }

    /// <summary>
    /// True when point <paramref name="id"/> is tombstoned (deleted, not yet consolidated); false for a live point and for
    /// a free slot (recycled by a consolidation). Lock-free.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not below <see cref="Count"/>.</exception>
    public bool IsDeleted(uint id)
    {
        int count = Count;
        if (id >= (uint)count)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"the index holds {count} points");
        }

        return _store.IsDeleted(id);
    }

    /// <summary>True when slot <paramref name="id"/> (below <see cref="Count"/>) is free, for tests and diagnostics.</summary>
    internal bool IsFree(uint id) => _store.IsFree(id);

    /// <summary>
    /// Opens a <see cref="ReadScope"/>: until it is disposed, no id is recycled by a consolidation, so ids from search
    /// results and posting spans taken inside it keep designating the same points. Both <c>Search</c> overloads open one
    /// internally; open one around a search or <see cref="GetPostings"/> call and the later use of its ids. Nestable,
    /// allocation-free, lock-free (one interlocked increment, retried if a consolidation flips the epoch meanwhile).
    /// </summary>
    /// <remarks>
    /// Epoch-based reclamation: ids of consolidated points are recycled only once every scope opened before the
    /// consolidation unlinked them has closed.
    /// </remarks>
    public ReadScope EnterReadScope()
    {
        while (true)
        {
            int epoch = Volatile.Read(ref _epoch);
            int slot = ReaderSlot(epoch);
            Interlocked.Increment(ref _readers[slot]);

            // The increment is a full fence: a consolidation that flipped the epoch before it either sees this reader
            // counted or this re-read sees the flip.
            if (Volatile.Read(ref _epoch) == epoch)
            {
                return new ReadScope(this, slot);
            }

            Interlocked.Decrement(ref _readers[slot]);
        }
    }

    /// <summary>Closes a scope opened in reader counter <paramref name="slot"/>.</summary>
    internal void ExitReadScope(int slot) => Interlocked.Decrement(ref _readers[slot]);

    /// <summary>
    /// Consolidates the deletes (FreshDiskANN, arXiv 2105.09613, Algorithm 4): removes the points tombstoned when it starts
    /// (D) from the graph, repairing on up to <paramref name="maxDegreeOfParallelism"/> threads every other point whose
    /// out-neighbours include one of them, moves start points off them, and recycles their ids onto the free list for
    /// inserts to reuse. Returns what it did; <c>default</c> at once when nothing is deleted.
    /// </summary>
    /// <remarks>
    /// <para>
    /// For every point p ∉ D with N(p) ∩ D ≠ ∅: C = (N(p) \ D) ∪ ⋃_{v ∈ N(p) ∩ D} (N(v) \ D) \ {p}, and
    /// N(p) = RobustPrune(p, C, alpha, R), FilteredRobustPrune when p has labels (Filtered-DiskANN, Algorithm 3). Points
    /// tombstoned after the start are repaired like live ones and dropped from candidate sets; they are consolidated by
    /// the next call. The medoid, when in D, is replaced by the live point nearest to the centroid of the live points
    /// (none when no point is live: the next insert becomes the start point); a label's start point in D by its live
    /// carrier nearest to the centroid of its live carriers (none when it has no live carrier: filtered searches for it
    /// find nothing until an insert carries it again). Posting lists are rebuilt without D.
    /// </para>
    /// <para>
    /// The repair holds the index exclusively: inserts, builds and saves wait; searches and deletes go on. It runs on the
    /// calling thread, helped by up to <paramref name="maxDegreeOfParallelism"/> − 1 thread-pool workers when the pool has
    /// them to spare, so a busy pool slows it down but never stalls it (and the inserts waiting for it). Then, holding
    /// nothing but the consolidation lock, it flips the read epoch and waits until every <see cref="ReadScope"/> opened
    /// before the flip has closed (no search or caller can still hold an id of D), and finally, exclusively again, clears
    /// the lists and labels of D, marks their ids free and pushes them on the free list (the lowest id is reused first).
    /// <see cref="Count"/> does not shrink. Consolidations are serialised. Cancellation is observed during the repair only:
    /// a cancelled consolidation leaves every tombstone in place and a valid graph (lists already repaired stay so).
    /// Never call it while holding a <see cref="ReadScope"/>.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDegreeOfParallelism"/> is not positive.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled during the repair.</exception>
    public VamanaConsolidation Consolidate(int maxDegreeOfParallelism, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDegreeOfParallelism);
        cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref _deletedCount) <= 0)
        {
            return default;
        }

        lock (_consolidationLock)
        {
            uint[] deleted;
            int repaired;
            _structureLock.EnterWriteLock();
            try
            {
                int count = _count;
                (ulong[] inD, deleted) = SnapshotTombstones(count);
                if (deleted.Length == 0)
                {
                    return default;
                }

                repaired = _metric switch
                {
                    Metric.L2 => RepairNeighbors<L2Kernel>(inD, count, maxDegreeOfParallelism, cancellationToken),
                    Metric.InnerProduct => RepairNeighbors<InnerProductKernel>(inD, count, maxDegreeOfParallelism, cancellationToken),
                    _ => RepairNeighbors<CosineKernel>(inD, count, maxDegreeOfParallelism, cancellationToken),
                };

                // Past this point the consolidation is not cancelled: start points and postings move off D, then D is
                // recycled.
                MoveStartPoints(inD, count, maxDegreeOfParallelism);
            }
            finally
            {
                _structureLock.ExitWriteLock();
            }

            // No edge, start point or posting list names D any more; wait for the searches and scopes that might.
            WaitForReadersOfPreviousEpoch();

            _structureLock.EnterWriteLock();
            try
            {
                Recycle(deleted);
            }
            finally
            {
                _structureLock.ExitWriteLock();
            }

            return new VamanaConsolidation(deleted.Length, repaired, deleted.Length);
        }
    }

    /// <summary>
    /// D: a bitmap over ids 0..count-1 of the points tombstoned now (free slots excluded) and their ids, ascending.
    /// </summary>
    private (ulong[] Bits, uint[] Ids) SnapshotTombstones(int count)
    {
        ulong[] bits = new ulong[(count + 63) / 64];
        int total = 0;
        for (int w = 0; w < bits.Length; w++)
        {
            ulong word = _store.TombstoneWord(w) & ~_store.FreeWord(w);
            if (w == bits.Length - 1 && (count & 63) != 0)
            {
                word &= (1UL << (count & 63)) - 1;
            }

            bits[w] = word;
            total += BitOperations.PopCount(word);
        }

        uint[] ids = new uint[total];
        int n = 0;
        for (int w = 0; w < bits.Length; w++)
        {
            for (ulong word = bits[w]; word != 0; word &= word - 1)
            {
                ids[n++] = (uint)((w * 64) + BitOperations.TrailingZeroCount(word));
            }
        }

        return (bits, ids);
    }

    /// <summary>
    /// Algorithm 4's loop: repairs, on the calling thread and up to <paramref name="maxDegreeOfParallelism"/> − 1 pool
    /// workers, every point outside D with an out-neighbour in D; returns how many. The calling thread works itself so the
    /// exclusive section never waits for a busy thread pool.
    /// </summary>
    private int RepairNeighbors<TDistance>(ulong[] inD, int count, int maxDegreeOfParallelism, CancellationToken cancellationToken)
        where TDistance : struct, IDistance
    {
        const int Chunk = 64;
        int repaired = 0;
        float alpha = _options.Alpha;
        CallerParallel.For(count, Chunk, maxDegreeOfParallelism, (start, end) =>
        {
            SearchScratch scratch = SearchScratch.Current;
            int done = 0;
            for (uint p = (uint)start; p < (uint)end; p++)
            {
                if (InSet(inD, p))
                {
                    continue;
                }

                uint[] neighbors = _store.Neighbors(p);
                foreach (uint v in neighbors)
                {
                    if (InSet(inD, v))
                    {
                        RepairPoint<TDistance>(p, neighbors, inD, alpha, scratch);
                        done++;
                        break;
                    }
                }
            }

            Interlocked.Add(ref repaired, done);
        }, cancellationToken);
        return repaired;
    }

    /// <summary>
    /// N(p) = RobustPrune(p, C, alpha, R) with C = (N(p) \ D) ∪ ⋃_{v ∈ N(p) ∩ D} (N(v) \ D) \ {p} (FilteredRobustPrune when p
    /// has labels); each candidate's distance to p is computed once.
    /// </summary>
    private void RepairPoint<TDistance>(uint p, uint[] neighbors, ulong[] inD, float alpha, SearchScratch scratch)
        where TDistance : struct, IDistance
    {
        ReadOnlySpan<float> point = _store.Vector(p);
        VisitedSet seen = scratch.Visited;
        seen.Reset(_store.Capacity);
        seen.Add(p);
        scratch.PoolCount = 0;
        foreach (uint v in neighbors)
        {
            if (!InSet(inD, v))
            {
                if (seen.Add(v))
                {
                    scratch.AddToPool(v, Distance<TDistance>(point, v));
                }

                continue;
            }

            // D's lists are not rewritten until they are recycled, after every repair.
            foreach (uint w in _store.Neighbors(v))
            {
                if (!InSet(inD, w) && seen.Add(w))
                {
                    scratch.AddToPool(w, Distance<TDistance>(point, w));
                }
            }
        }

        int[] labels = _store.Labels(p);
        lock (_store.LockFor(p))
        {
            int degree = labels.Length == 0
                ? RobustPrune<TDistance>(p, alpha, scratch)
                : FilteredRobustPrune<TDistance>(p, labels, alpha, scratch);
            _store.SetNeighbors(p, scratch.Pruned.AsSpan(0, degree).ToArray());
        }
    }

    /// <summary>
    /// Moves the medoid and the label start points off D and rebuilds the posting lists that hold an id of D (see
    /// <see cref="Consolidate"/>).
    /// </summary>
    private void MoveStartPoints(ulong[] inD, int count, int maxDegreeOfParallelism)
    {
        uint start = _start;
        if (start != NoStart && InSet(inD, start))
        {
            List<uint> live = new(count);
            for (uint id = 0; id < (uint)count; id++)
            {
                if (!InSet(inD, id) && !_store.IsFree(id) && !_store.IsDeleted(id))
                {
                    live.Add(id);
                }
            }

            uint moved = live.Count == 0
                ? NoStart
                : NearestToCentroid(CollectionsMarshal.AsSpan(live), new double[_dimensions], new float[_dimensions]);
            Volatile.Write(ref _start, moved);
        }

        LabelDirectory.Entry[] entries = _labels.Entries();
        CallerParallel.For(entries.Length, 1, maxDegreeOfParallelism, (start, end) =>
        {
            for (int e = start; e < end; e++)
            {
                RemoveFromLabel(entries[e], inD);
            }
        }, CancellationToken.None);
    }

    /// <summary>
    /// Rebuilds <paramref name="entry"/>'s postings without D and, when its start point is in D, moves it to the live
    /// carrier nearest to the centroid of the live carriers (none when there is none).
    /// </summary>
    private void RemoveFromLabel(LabelDirectory.Entry entry, ulong[] inD)
    {
        ReadOnlySpan<uint> postings = entry.Postings;
        int kept = 0;
        foreach (uint id in postings)
        {
            kept += InSet(inD, id) ? 0 : 1;
        }

        if (kept == postings.Length)
        {
            return;
        }

        uint[] remaining = new uint[kept];
        int n = 0;
        foreach (uint id in postings)
        {
            if (!InSet(inD, id))
            {
                remaining[n++] = id;
            }
        }

        entry.Replace(remaining);
        uint labelStart = entry.StartPoint;
        if (labelStart != NoStart && InSet(inD, labelStart))
        {
            uint[] live = Array.FindAll(remaining, id => !_store.IsDeleted(id));
            entry.StartPoint = live.Length == 0
                ? NoStart
                : live.Length <= 2 ? live[0] : NearestToCentroid(live, new double[_dimensions], new float[_dimensions]);
        }
    }

    /// <summary>
    /// Flips the read epoch and waits (spinning, then yielding and sleeping briefly) until every <see cref="ReadScope"/>
    /// opened in the previous epoch has closed. Called with no side of the structure lock held, so inserts run meanwhile.
    /// </summary>
    private void WaitForReadersOfPreviousEpoch()
    {
        int previous = Interlocked.Increment(ref _epoch) - 1;
        int slot = ReaderSlot(previous);
        SpinWait spin = default;
        while (Volatile.Read(ref _readers[slot]) != 0)
        {
            spin.SpinOnce();
        }
    }

    /// <summary>
    /// Recycles <paramref name="deleted"/> (ascending): empty neighbour lists, no labels, free instead of tombstoned, and
    /// pushed on the free list in descending order, so the lowest id is reused first.
    /// </summary>
    private void Recycle(uint[] deleted)
    {
        lock (_appendLock)
        {
            int free = _freeCount;
            if (_freeIds.Length < free + deleted.Length)
            {
                uint[] grown = new uint[Math.Max(free + deleted.Length, _freeIds.Length * 2)];
                _freeIds.AsSpan(0, free).CopyTo(grown);
                Volatile.Write(ref _freeIds, grown);
            }

            for (int i = deleted.Length - 1; i >= 0; i--)
            {
                uint v = deleted[i];
                lock (_store.LockFor(v))
                {
                    _store.SetNeighbors(v, []);
                }

                _store.ClearLabels(v);

                // Free before not-deleted: a racing Delete that sets the tombstone again sees the free mark and undoes it.
                _store.MarkFree(v);
                _store.ClearDeleted(v);
                _freeIds[free++] = v;
            }

            Interlocked.Add(ref _deletedCount, -deleted.Length);
            Volatile.Write(ref _freeCount, free);
        }
    }

    private static int ReaderSlot(int epoch) => (1 + (epoch & 1)) * ReaderSlotStride;

    private static bool InSet(ulong[] bits, uint id) => (bits[id >> 6] & (1UL << (int)(id & 63))) != 0;

    private static void ThrowFreeSlot(uint id) =>
        throw new ArgumentOutOfRangeException(nameof(id), id, $"id {id} is a free slot: its point was deleted and consolidated");
}

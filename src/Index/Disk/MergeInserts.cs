namespace AnnSql.Index.Disk;

/// <summary>
/// What StreamingMerge's insert phase decided (FreshDiskANN, arXiv 2105.09613, §5): each insert's slot, PQ code and
/// out-neighbours, and the back-edges its out-neighbours are to receive in the patch phase, sorted by target node.
/// </summary>
/// <remarks>
/// Insert i takes the i-th lowest free slot of the intermediate index, or, once those are used, slot
/// <c>Count + i − free slots</c> at the end, so slots follow insert order whatever the threads did. A back-edge is one
/// <see cref="ulong"/>, target id in the high half and insert number in the low half: sorting them groups each node's
/// pending in-edges in insert order, and the patch phase finds a node's group by binary search.
/// </remarks>
internal sealed class MergeInserts
{
    private readonly uint[] _reusedSlots;
    private readonly int _oldCount;
    private readonly byte[] _codes;
    private readonly int _chunks;
    private readonly uint[] _neighbors;
    private readonly int[] _degrees;
    private readonly int _maxDegree;
    private ulong[] _backEdges = [];

    /// <summary>Inserts occupying <paramref name="reusedSlots"/> (ascending) then slots from <paramref name="oldCount"/> on.</summary>
    public MergeInserts(uint[] reusedSlots, int oldCount, int inserts, int chunks, int maxDegree)
    {
        _reusedSlots = reusedSlots;
        _oldCount = oldCount;
        InsertCount = inserts;
        _chunks = chunks;
        _maxDegree = maxDegree;
        _codes = new byte[(long)inserts * chunks];
        _neighbors = new uint[(long)inserts * maxDegree];
        _degrees = new int[inserts];
        NewCount = checked(oldCount + (inserts - reusedSlots.Length));
    }

    /// <summary>Inserted vectors.</summary>
    public int InsertCount { get; }

    /// <summary>Node slots of the merged index.</summary>
    public int NewCount { get; }

    /// <summary>
    /// The merged index's medoid when the inserts were linked among themselves (no live node to link to); null when the
    /// intermediate index's medoid stays.
    /// </summary>
    public uint? Medoid { get; set; }

    /// <summary>Back-edges queued by <see cref="QueueBackEdges"/>.</summary>
    public int BackEdgeCount => _backEdges.Length;

    /// <summary>The slot of insert <paramref name="insert"/>.</summary>
    public uint SlotOf(int insert) =>
        insert < _reusedSlots.Length ? _reusedSlots[insert] : (uint)(_oldCount + (insert - _reusedSlots.Length));

    /// <summary>Whether slot <paramref name="id"/> was taken by an insert, and by which.</summary>
    public bool TryInsertOf(uint id, out int insert)
    {
        if (id >= (uint)_oldCount)
        {
            insert = _reusedSlots.Length + (int)(id - (uint)_oldCount);
            return insert < InsertCount;
        }

        insert = Array.BinarySearch(_reusedSlots, id);
        return insert >= 0;
    }

    /// <summary>The code of insert <paramref name="insert"/> (writable while the inserts are linked).</summary>
    public Span<byte> Code(int insert) => _codes.AsSpan(insert * _chunks, _chunks);

    /// <summary>Room for insert <paramref name="insert"/>'s out-neighbours (R ids).</summary>
    public Span<uint> NeighborRow(int insert) => _neighbors.AsSpan(insert * _maxDegree, _maxDegree);

    /// <summary>Sets insert <paramref name="insert"/>'s out-degree (its ids are in <see cref="NeighborRow"/>).</summary>
    public void SetDegree(int insert, int degree) => _degrees[insert] = degree;

    /// <summary>Insert <paramref name="insert"/>'s out-neighbours.</summary>
    public ReadOnlySpan<uint> Neighbors(int insert) => _neighbors.AsSpan(insert * _maxDegree, _degrees[insert]);

    /// <summary>Every insert's slot, in insert order.</summary>
    public uint[] Slots()
    {
        uint[] slots = new uint[InsertCount];
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i] = SlotOf(i);
        }

        return slots;
    }

    /// <summary>Queues each insert as a back-edge on each of its out-neighbours, once every insert is linked.</summary>
    public void QueueBackEdges()
    {
        long total = 0;
        foreach (int degree in _degrees)
        {
            total += degree;
        }

        ulong[] edges = new ulong[total];
        int n = 0;
        for (int i = 0; i < InsertCount; i++)
        {
            foreach (uint target in Neighbors(i))
            {
                edges[n++] = ((ulong)target << 32) | (uint)i;
            }
        }

        Array.Sort(edges);
        _backEdges = edges;
    }

    /// <summary>
    /// The pending in-edges of node <paramref name="id"/>: writes the inserts' slots to <paramref name="sources"/> (in
    /// insert order) and returns how many, at most sources.Length.
    /// </summary>
    public int PendingOf(uint id, Span<uint> sources)
    {
        ulong[] edges = _backEdges;
        int n = 0;
        for (int e = LowerBound(edges, (ulong)id << 32); e < edges.Length && (uint)(edges[e] >> 32) == id && n < sources.Length; e++)
        {
            sources[n++] = SlotOf((int)(uint)edges[e]);
        }

        return n;
    }

    /// <summary>The number of pending in-edges of node <paramref name="id"/>.</summary>
    public int PendingCount(uint id)
    {
        ulong[] edges = _backEdges;
        ulong key = (ulong)id << 32;
        int first = LowerBound(edges, key);
        int last = LowerBound(edges, key + (1UL << 32));
        return last - first;
    }

    private static int LowerBound(ulong[] values, ulong key)
    {
        int lo = 0;
        int hi = values.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (values[mid] < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}

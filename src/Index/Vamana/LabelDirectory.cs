using System.Numerics;

namespace AnnSql.Index.Vamana;

/// <summary>
/// The labels of a <see cref="VamanaIndex"/>: for each label its start point st(f) (Filtered-DiskANN, Gollapudi et al.,
/// WWW 2023, §3.2), or none once a consolidation removed the label's last live point, and its posting list, the ids of the
/// points carrying it in insertion order (ascending until ids are reused).
/// </summary>
/// <remarks>
/// Concurrency: one writer at a time (the index's append lock, or a consolidation holding the index exclusively), any
/// number of lock-free readers. The lookup is an open-addressing hash table of immutable-key <see cref="Entry"/> references
/// with linear probing: a new entry is fully built before it is published into its slot, and a grown table is filled
/// before it replaces the old one, so a reader always probes a consistent table and never sees a torn entry. Entries are
/// never removed (except by <see cref="Clear"/>, when a build is cancelled and no reader can use the index); a label whose
/// points are all deleted keeps its entry with no start point.
/// </remarks>
internal sealed class LabelDirectory
{
    /// <summary>The start point of a label that has no live point (set by a consolidation).</summary>
    public const uint NoStartPoint = uint.MaxValue;

    /// <summary>Slots of an empty directory; a power of two.</summary>
    private const int InitialSlots = 16;

    private Entry?[] _slots = new Entry?[InitialSlots];
    private int _count;

    /// <summary>Distinct labels held.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The entry of <paramref name="label"/>, or null when no point has carried it. Lock-free.</summary>
    public Entry? Find(int label)
    {
        Entry?[] slots = Volatile.Read(ref _slots);
        int mask = slots.Length - 1;
        for (int i = SlotOf(label, mask); ; i = (i + 1) & mask)
        {
            // The load factor stays at most 1/2, so an empty slot ends every probe.
            Entry? entry = Volatile.Read(ref slots[i]);
            if (entry is null || entry.Label == label)
            {
                return entry;
            }
        }
    }

    /// <summary>
    /// The entry of <paramref name="label"/>, created with start point <paramref name="startPoint"/> and no postings when
    /// it does not exist yet; an existing entry without a start point (<see cref="NoStartPoint"/>) gets
    /// <paramref name="startPoint"/> as its start point. Callers serialise writers.
    /// </summary>
    public Entry GetOrAdd(int label, uint startPoint)
    {
        Entry? existing = Find(label);
        if (existing is not null)
        {
            if (existing.StartPoint == NoStartPoint)
            {
                existing.StartPoint = startPoint;
            }

            return existing;
        }

        if ((_count + 1) * 2 > _slots.Length)
        {
            Entry?[] grown = new Entry?[_slots.Length * 2];
            foreach (Entry? entry in _slots)
            {
                if (entry is not null)
                {
                    Place(grown, entry);
                }
            }

            Volatile.Write(ref _slots, grown);
        }

        Entry created = new(label, startPoint);
        Place(_slots, created);
        Volatile.Write(ref _count, _count + 1);
        return created;
    }

    /// <summary>Every entry, in no particular order (a copy, for builds and diagnostics).</summary>
    public Entry[] Entries()
    {
        Entry?[] slots = Volatile.Read(ref _slots);
        List<Entry> entries = new(Count);
        for (int i = 0; i < slots.Length; i++)
        {
            Entry? entry = Volatile.Read(ref slots[i]);
            if (entry is not null)
            {
                entries.Add(entry);
            }
        }

        return [.. entries];
    }

    /// <summary>Drops every label (used when a build is cancelled). Callers serialise writers.</summary>
    public void Clear()
    {
        Volatile.Write(ref _slots, new Entry?[InitialSlots]);
        Volatile.Write(ref _count, 0);
    }

    /// <summary>Bytes held by the table, the entries and their posting arrays (with object headers).</summary>
    public long MemoryBytes()
    {
        const int ArrayOverhead = 24;
        const int EntryBytes = 40;
        Entry?[] slots = Volatile.Read(ref _slots);
        long bytes = ArrayOverhead + ((long)IntPtr.Size * slots.Length);
        foreach (Entry? entry in slots)
        {
            if (entry is not null)
            {
                bytes += EntryBytes + entry.PostingsBytes;
            }
        }

        return bytes;
    }

    private static void Place(Entry?[] slots, Entry entry)
    {
        int mask = slots.Length - 1;
        int i = SlotOf(entry.Label, mask);
        while (slots[i] is not null)
        {
            i = (i + 1) & mask;
        }

        Volatile.Write(ref slots[i], entry);
    }

    /// <summary>Fibonacci hashing: the multiply's well-mixed high bits, rotated down, so consecutive labels spread out.</summary>
    private static int SlotOf(int label, int mask) => (int)BitOperations.RotateLeft((uint)label * 0x9E3779B9u, 16) & mask;

    /// <summary>
    /// One label: its start point and its posting list. The list is a <see cref="PostingList"/> (an array and a count)
    /// that is only appended to: a full array is copied into a new, larger list, which is published before the new id is
    /// written into it and the count is published, so a reader that reads the list and then its count always finds that
    /// many valid ids. A consolidation replaces the whole list with a new one; readers of the old one keep a consistent
    /// snapshot.
    /// </summary>
    internal sealed class Entry
    {
        private uint _startPoint;
        private PostingList _postings = new(new uint[4], 0);

        /// <summary>An entry for <paramref name="label"/> with start point <paramref name="startPoint"/> and no postings.</summary>
        public Entry(int label, uint startPoint)
        {
            Label = label;
            _startPoint = startPoint;
        }

        /// <summary>The label.</summary>
        public int Label { get; }

        /// <summary>
        /// st(f): where filtered searches for this label start; <see cref="NoStartPoint"/> when the label has no live point.
        /// Set by the first insert carrying the label (or the first one after it lost its start point), a build, a
        /// consolidation or a load.
        /// </summary>
        public uint StartPoint
        {
            get => Volatile.Read(ref _startPoint);
            set => Volatile.Write(ref _startPoint, value);
        }

        /// <summary>Ids carrying the label, in insertion order: a snapshot that later appends and replacements do not change.</summary>
        public ReadOnlySpan<uint> Postings
        {
            get
            {
                PostingList list = Volatile.Read(ref _postings);
                return list.Ids.AsSpan(0, Volatile.Read(ref list.Count));
            }
        }

        /// <summary>Bytes of the posting array, with its header.</summary>
        public long PostingsBytes => 24 + ((long)Volatile.Read(ref _postings).Ids.Length * sizeof(uint));

        /// <summary>Appends <paramref name="id"/>. Callers serialise writers.</summary>
        public void Append(uint id)
        {
            PostingList list = _postings;
            int count = list.Count;
            if (count == list.Ids.Length)
            {
                uint[] grown = new uint[Math.Max(4, list.Ids.Length * 2)];
                list.Ids.CopyTo(grown, 0);
                list = new PostingList(grown, count);
                Volatile.Write(ref _postings, list);
            }

            list.Ids[count] = id;
            Volatile.Write(ref list.Count, count + 1);
        }

        /// <summary>
        /// Replaces the postings with <paramref name="ids"/> (owned by the entry from now on). Callers serialise writers.
        /// </summary>
        public void Replace(uint[] ids) => Volatile.Write(ref _postings, new PostingList(ids, ids.Length));

        /// <summary>A posting array and how many of its ids are valid; the array is never replaced, the count only grows.</summary>
        private sealed class PostingList(uint[] ids, int count)
        {
            public readonly uint[] Ids = ids;
            public int Count = count;
        }
    }
}

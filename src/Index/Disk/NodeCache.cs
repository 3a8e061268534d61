namespace AnnSql.Index.Disk;

/// <summary>
/// The hot-node cache of a <see cref="DiskIndex"/> (DiskANN §3.4: the nodes a few hops from the medoid, which every
/// search expands): their records, packed back to back in one array in load order, and an id → slot map (open addressing
/// with linear probing, at most half full). Immutable once built, so searches read it without locks.
/// </summary>
internal sealed class NodeCache
{
    private const uint Empty = uint.MaxValue;

    private readonly byte[] _records;
    private readonly int _recordBytes;
    private readonly uint[] _keys;
    private readonly int[] _slots;
    private readonly int _shift;

    /// <summary>
    /// Takes ownership of <paramref name="records"/>, whose first ids.Length × <paramref name="recordBytes"/> bytes hold the
    /// records of <paramref name="ids"/> (distinct) in order.
    /// </summary>
    public NodeCache(ReadOnlySpan<uint> ids, byte[] records, int recordBytes)
    {
        _records = records;
        _recordBytes = recordBytes;
        Count = ids.Length;
        int bits = 4;
        while ((1L << bits) < 2L * ids.Length)
        {
            bits++;
        }

        _keys = new uint[1 << bits];
        Array.Fill(_keys, Empty);
        _slots = new int[_keys.Length];
        _shift = 32 - bits;
        int mask = _keys.Length - 1;
        for (int i = 0; i < ids.Length; i++)
        {
            int slot = Hash(ids[i]);
            while (_keys[slot] != Empty)
            {
                slot = (slot + 1) & mask;
            }

            _keys[slot] = ids[i];
            _slots[slot] = i;
        }
    }

    /// <summary>Nodes held.</summary>
    public int Count { get; }

    /// <summary>Bytes of the records and the map.</summary>
    public long MemoryBytes => _records.LongLength + ((long)_keys.Length * sizeof(uint)) + ((long)_slots.Length * sizeof(int));

    /// <summary>The records, back to back.</summary>
    public byte[] Records => _records;

    /// <summary>Node <paramref name="id"/>'s record, or an empty span when it is not cached.</summary>
    public ReadOnlySpan<byte> Find(uint id) => TryFind(id, out int offset) ? _records.AsSpan(offset, _recordBytes) : default;

    /// <summary>Whether node <paramref name="id"/> is cached, and where its record starts in <see cref="Records"/>.</summary>
    public bool TryFind(uint id, out int offset)
    {
        uint[] keys = _keys;
        int mask = keys.Length - 1;
        int slot = Hash(id);
        while (true)
        {
            uint key = keys[slot];
            if (key == id)
            {
                offset = _slots[slot] * _recordBytes;
                return true;
            }

            if (key == Empty)
            {
                offset = -1;
                return false;
            }

            slot = (slot + 1) & mask;
        }
    }

    private int Hash(uint id) => (int)((id * 0x9E37_79B9u) >> _shift);
}

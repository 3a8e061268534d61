using System.Runtime.CompilerServices;

namespace AnnSql.Index.Disk;

/// <summary>
/// The visited set of one <see cref="DiskIndex"/> search: open addressing with linear probing over a power-of-two table of
/// ids (Fibonacci hashing), at most half full. Unlike the in-memory index's stamp array it costs memory in proportion to
/// the ids one search touches (about L × R), not to the index size, so every pooled search scratch stays small. Reset
/// clears only the slots the previous search filled.
/// </summary>
internal sealed class IdHashSet
{
    private const uint Empty = uint.MaxValue;
    private const int InitialBits = 10;

    private uint[] _slots;
    private int[] _filled;
    private int _count;
    private int _shift;

    public IdHashSet()
    {
        _slots = new uint[1 << InitialBits];
        Array.Fill(_slots, Empty);
        _filled = new int[_slots.Length / 2];
        _shift = 32 - InitialBits;
    }

    /// <summary>Ids in the set.</summary>
    public int Count => _count;

    /// <summary>Empties the set.</summary>
    public void Reset()
    {
        uint[] slots = _slots;
        foreach (int slot in _filled.AsSpan(0, _count))
        {
            slots[slot] = Empty;
        }

        _count = 0;
    }

    /// <summary>Adds <paramref name="id"/> (any value but <see cref="uint.MaxValue"/>); false when it was already in the set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Add(uint id)
    {
        if (_count == _filled.Length)
        {
            Grow();
        }

        uint[] slots = _slots;
        int mask = slots.Length - 1;
        int slot = (int)((id * 0x9E37_79B9u) >> _shift);
        while (true)
        {
            uint held = slots[slot];
            if (held == id)
            {
                return false;
            }

            if (held == Empty)
            {
                slots[slot] = id;
                _filled[_count++] = slot;
                return true;
            }

            slot = (slot + 1) & mask;
        }
    }

    /// <summary>Doubles the table and re-inserts the ids (they are listed through the filled slots).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow()
    {
        uint[] old = _slots;
        int[] oldFilled = _filled;
        int count = _count;
        _slots = new uint[old.Length * 2];
        Array.Fill(_slots, Empty);
        _filled = new int[_slots.Length / 2];
        _shift--;
        _count = 0;
        foreach (int slot in oldFilled.AsSpan(0, count))
        {
            Add(old[slot]);
        }
    }
}

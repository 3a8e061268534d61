namespace AnnSql.Index.Vamana;

/// <summary>
/// GreedySearch's candidate list (the set ℒ of DiskANN Algorithm 1, as DiskANN's <c>NeighborPriorityQueue</c>): at most
/// L neighbours kept sorted by <see cref="Neighbor.Precedes"/> in a fixed array, each with an "expanded" mark, plus a
/// cursor at the closest unexpanded one. Inserting is a binary search and a shift, which for L in the tens to hundreds
/// beats a heap because the list must be scanned in order anyway. Allocates only when a larger L than before is asked for.
/// </summary>
internal sealed class NeighborPriorityQueue
{
    private Neighbor[] _data = new Neighbor[65];
    private int _size;
    private int _capacity;
    private int _cursor;

    /// <summary>Neighbours held.</summary>
    public int Count => _size;

    /// <summary>True while some held neighbour has not been expanded.</summary>
    public bool HasUnexpanded => _cursor < _size;

    /// <summary>The held neighbours, closest first.</summary>
    public ReadOnlySpan<Neighbor> Items => _data.AsSpan(0, _size);

    /// <summary>Empties the list and bounds it to <paramref name="capacity"/> (L) entries.</summary>
    public void Reset(int capacity)
    {
        if (_data.Length < capacity + 1)
        {
            _data = new Neighbor[capacity + 1];
        }

        _capacity = capacity;
        _size = 0;
        _cursor = 0;
    }

    /// <summary>
    /// Offers a neighbour; keeps it when the list is not full or it ranks before the current last, which then drops out.
    /// The caller guarantees each id is offered once per search (the visited set).
    /// </summary>
    public void Insert(uint id, float distance)
    {
        Neighbor[] data = _data;
        int size = _size;
        if (size == _capacity)
        {
            ref Neighbor last = ref data[size - 1];
            if (!Neighbor.Precedes(distance, id, last.Distance, last.Id))
            {
                return;
            }
        }

        int lo = 0;
        int hi = size;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            ref Neighbor probe = ref data[mid];
            if (Neighbor.Precedes(probe.Distance, probe.Id, distance, id))
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        int kept = size == _capacity ? size - 1 : size;
        if (kept > lo)
        {
            Array.Copy(data, lo, data, lo + 1, kept - lo);
        }

        data[lo] = new Neighbor(id, distance);
        if (size < _capacity)
        {
            _size = size + 1;
        }

        if (lo < _cursor)
        {
            _cursor = lo;
        }
    }

    /// <summary>Marks the closest unexpanded neighbour expanded and returns it; <see cref="HasUnexpanded"/> must be true.</summary>
    public Neighbor ExpandClosest()
    {
        Neighbor[] data = _data;
        ref Neighbor closest = ref data[_cursor];
        closest.Expanded = true;
        Neighbor result = closest;
        int cursor = _cursor + 1;
        while (cursor < _size && data[cursor].Expanded)
        {
            cursor++;
        }

        _cursor = cursor;
        return result;
    }
}

namespace AnnSql.Index.Search;

/// <summary>
/// Bounded max-heap keeping the k smallest (distance, id) pairs: the exact top-k of a brute-force scan. Pairs are ordered
/// by distance, then by id, so ties go to the lower id and results match ground truth sorted the same way. NaN distances
/// sort after every number, as PostgreSQL orders float8 NaN. Allocates only in the constructor and when
/// <see cref="Reset(int)"/> asks for more than any earlier k.
/// </summary>
public sealed class TopKHeap
{
    private float[] _distances;
    private long[] _ids;
    private int _capacity;
    private int _count;

    /// <summary>Creates an empty heap that keeps at most <paramref name="k"/> pairs.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is negative.</exception>
    public TopKHeap(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        _distances = new float[k];
        _ids = new long[k];
        _capacity = k;
    }

    /// <summary>Number of pairs kept so far (at most <see cref="Capacity"/>).</summary>
    public int Count => _count;

    /// <summary>The k this heap keeps.</summary>
    public int Capacity => _capacity;

    /// <summary>
    /// Distance of the worst kept pair once the heap is full; <see cref="float.PositiveInfinity"/> until then. A candidate
    /// with a larger distance can be skipped without calling <see cref="TryAdd(float, long)"/>.
    /// </summary>
    public float WorstDistance => _count < _capacity ? float.PositiveInfinity : (_capacity == 0 ? float.NegativeInfinity : _distances[0]);

    /// <summary>
    /// Offers a pair. Returns true when it was kept: the heap was not full, or the pair precedes the current worst
    /// (smaller distance, or equal distance and lower id), which it then evicts.
    /// </summary>
    public bool TryAdd(float distance, long id)
    {
        if (_count < _capacity)
        {
            SiftUp(_count, distance, id);
            _count++;
            return true;
        }

        if (_capacity == 0 || !Precedes(distance, id, _distances[0], _ids[0]))
        {
            return false;
        }

        SiftDown(0, _count, distance, id);
        return true;
    }

    /// <summary>
    /// Writes the kept pairs nearest first (by distance, then id) into the spans and empties the heap; returns the count.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than <see cref="Count"/>.</exception>
    public int DrainSorted(Span<float> distances, Span<long> ids)
    {
        int n = _count;
        if (distances.Length < n || ids.Length < n)
        {
            throw new ArgumentException($"output spans hold {Math.Min(distances.Length, ids.Length)} pairs, heap has {n}");
        }

        // In-place heapsort: move the worst to the end, shrink, restore the heap; leaves the arrays in ascending order.
        for (int end = n - 1; end > 0; end--)
        {
            float d = _distances[end];
            long id = _ids[end];
            _distances[end] = _distances[0];
            _ids[end] = _ids[0];
            SiftDown(0, end, d, id);
        }

        _distances.AsSpan(0, n).CopyTo(distances);
        _ids.AsSpan(0, n).CopyTo(ids);
        _count = 0;
        return n;
    }

    /// <summary>Empties the heap and sets its bound to <paramref name="k"/>, reusing the arrays when they are large enough.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is negative.</exception>
    public void Reset(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (k > _distances.Length)
        {
            _distances = new float[k];
            _ids = new long[k];
        }

        _capacity = k;
        _count = 0;
    }

    /// <summary>True when (d1, id1) sorts strictly before (d2, id2): by distance with NaN last, then by id.</summary>
    private static bool Precedes(float d1, long id1, float d2, long id2)
    {
        if (d1 < d2)
        {
            return true;
        }

        if (d1 > d2)
        {
            return false;
        }

        // Equal, or at least one NaN.
        bool nan1 = float.IsNaN(d1);
        bool nan2 = float.IsNaN(d2);
        if (nan1 != nan2)
        {
            return nan2;
        }

        return id1 < id2;
    }

    /// <summary>Places (distance, id) at the hole <paramref name="index"/> and moves it up past better parents.</summary>
    private void SiftUp(int index, float distance, long id)
    {
        while (index > 0)
        {
            int parent = (index - 1) >> 1;
            if (!Precedes(_distances[parent], _ids[parent], distance, id))
            {
                break;
            }

            _distances[index] = _distances[parent];
            _ids[index] = _ids[parent];
            index = parent;
        }

        _distances[index] = distance;
        _ids[index] = id;
    }

    /// <summary>Places (distance, id) at the hole <paramref name="index"/> of a heap of <paramref name="size"/> and moves it down.</summary>
    private void SiftDown(int index, int size, float distance, long id)
    {
        while (true)
        {
            int child = (2 * index) + 1;
            if (child >= size)
            {
                break;
            }

            // Pick the worse child; the worst pair of the subtree must rise.
            int right = child + 1;
            if (right < size && Precedes(_distances[child], _ids[child], _distances[right], _ids[right]))
            {
                child = right;
            }

            if (!Precedes(distance, id, _distances[child], _ids[child]))
            {
                break;
            }

            _distances[index] = _distances[child];
            _ids[index] = _ids[child];
            index = child;
        }

        _distances[index] = distance;
        _ids[index] = id;
    }
}

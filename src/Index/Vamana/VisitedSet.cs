using System.Runtime.CompilerServices;

namespace AnnSql.Index.Vamana;

/// <summary>
/// The points a GreedySearch has computed a distance for, as one stamp per point: a point is in the set when its stamp
/// equals the current generation, so clearing is one increment. The array grows (rarely) when the index has grown.
/// </summary>
internal sealed class VisitedSet
{
    private uint[] _stamps = [];
    private uint _generation;

    /// <summary>Empties the set and makes room for points 0..<paramref name="capacity"/>-1.</summary>
    public void Reset(int capacity)
    {
        if (_stamps.Length < capacity)
        {
            _stamps = new uint[capacity];
            _generation = 0;
        }

        _generation++;
        if (_generation == 0)
        {
            // Wrapped after 2^32 searches: old stamps could match again.
            Array.Clear(_stamps);
            _generation = 1;
        }
    }

    /// <summary>Adds <paramref name="id"/>; returns false when it was already in the set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Add(uint id)
    {
        uint[] stamps = _stamps;
        if (id >= (uint)stamps.Length)
        {
            // A point appended by a concurrent insert after Reset.
            Grow(id);
            stamps = _stamps;
        }

        ref uint stamp = ref stamps[id];
        if (stamp == _generation)
        {
            return false;
        }

        stamp = _generation;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(uint id)
    {
        uint[] grown = new uint[Math.Max((long)id + 1, (long)_stamps.Length * 2)];
        Array.Copy(_stamps, grown, _stamps.Length);
        _stamps = grown;
    }
}

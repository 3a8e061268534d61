using System.Runtime.CompilerServices;

namespace AnnSql.Index.Vamana;

/// <summary>A point and its distance to the current query or pruned point; <see cref="Expanded"/> is GreedySearch's mark.</summary>
internal struct Neighbor(uint id, float distance)
{
    public uint Id = id;
    public float Distance = distance;
    public bool Expanded;

    /// <summary>
    /// True when (d1, id1) ranks strictly before (d2, id2): smaller distance first, NaN after every number (as
    /// +infinity, and after it), then lower id first. The one ordering of candidate lists, prune pools and results.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Precedes(float d1, uint id1, float d2, uint id2)
    {
        if (d1 < d2)
        {
            return true;
        }

        if (d1 > d2)
        {
            return false;
        }

        return PrecedesTieOrNaN(d1, id1, d2, id2);
    }

    private static bool PrecedesTieOrNaN(float d1, uint id1, float d2, uint id2)
    {
        bool nan1 = float.IsNaN(d1);
        bool nan2 = float.IsNaN(d2);
        if (nan1 != nan2)
        {
            return nan2;
        }

        return id1 < id2;
    }
}

/// <summary>Orders <see cref="Neighbor"/>s by <see cref="Neighbor.Precedes"/>, for span sorts without allocation.</summary>
internal readonly struct NeighborComparer : IComparer<Neighbor>
{
    public int Compare(Neighbor x, Neighbor y) =>
        Neighbor.Precedes(x.Distance, x.Id, y.Distance, y.Id) ? -1 : Neighbor.Precedes(y.Distance, y.Id, x.Distance, x.Id) ? 1 : 0;
}

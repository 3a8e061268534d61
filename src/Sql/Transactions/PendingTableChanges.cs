using AnnSql.Sql.Storage.Tables;

namespace AnnSql.Sql.Transactions;

/// <summary>
/// A transaction's uncommitted changes to one table: rows it inserted (addressed by negative pending ids -(i+1); a removed
/// entry is null) and the committed row ids it deleted. Only its own transaction sees them.
/// </summary>
public sealed class PendingTableChanges
{
    /// <summary>The table's row layout (<see cref="Catalog.TableInfo.Layout"/>) the inserted rows have.</summary>
    public int Layout { get; set; }

    public List<object?[]?> Inserted { get; } = [];

    public HashSet<long> Deleted { get; } = [];

    /// <summary>For committed rows this transaction updated: the row id and the index in <see cref="Inserted"/> of the new version.</summary>
    public Dictionary<long, int> Successors { get; } = [];

    public bool IsEmpty => Deleted.Count == 0 && Inserted.TrueForAll(r => r is null);

    /// <summary>The pending id of inserted row <paramref name="index"/>.</summary>
    public static long PendingId(int index) => -(index + 1L);

    public static int PendingIndex(long pendingId) => (int)(-pendingId - 1);

    // Per unique index, the key of every pending insert, so a bulk INSERT or COPY checks each row in O(1) instead of
    // scanning the rows inserted before it. Built lazily; dropped whenever an inserted row is replaced or removed.
    private Dictionary<UniqueIndex, KeyMap>? _keyMaps;
    private int _version;
    private int _keyMapsVersion;

    /// <summary>Replaces pending row <paramref name="index"/> (null removes it).</summary>
    public void ReplaceInserted(int index, object?[]? values)
    {
        Inserted[index] = values;
        _version++;
    }

    /// <summary>
    /// The index of a pending insert whose key in <paramref name="unique"/> is <paramref name="key"/>, other than
    /// <paramref name="skipRowId"/>; -1 when there is none.
    /// </summary>
    public int FindInserted(UniqueIndex unique, RowKey key, long? skipRowId)
    {
        if (_keyMaps is null || _keyMapsVersion != _version)
        {
            _keyMaps = [];
            _keyMapsVersion = _version;
        }

        if (!_keyMaps.TryGetValue(unique, out var map))
        {
            map = new KeyMap();
            _keyMaps[unique] = map;
        }

        for (; map.Indexed < Inserted.Count; map.Indexed++)
        {
            if (Inserted[map.Indexed] is { } row && unique.KeyOf(row) is { HasNull: false } rowKey)
            {
                map.Keys.TryAdd(rowKey, map.Indexed);
            }
        }

        return map.Keys.TryGetValue(key, out int found) && PendingId(found) != skipRowId && Inserted[found] is not null ? found : -1;
    }

    public PendingTableChanges Clone()
    {
        var copy = new PendingTableChanges { Layout = Layout };
        copy.Inserted.AddRange(Inserted);
        copy.Deleted.UnionWith(Deleted);
        foreach (var (rowId, index) in Successors)
        {
            copy.Successors[rowId] = index;
        }
        return copy;
    }

    /// <summary>
    /// Rewrites the inserted rows, when they have layout <paramref name="from"/>, into layout <paramref name="to"/> (ALTER
    /// TABLE in the same transaction). Rows of another layout are left for the commit to refuse.
    /// </summary>
    public void Rewrite(Func<object?[], object?[]> rewrite, int from, int to)
    {
        if (Layout != from)
        {
            return;
        }

        for (int i = 0; i < Inserted.Count; i++)
        {
            if (Inserted[i] is { } row)
            {
                Inserted[i] = rewrite(row);
            }
        }

        Layout = to;
        _version++;
    }

    private sealed class KeyMap
    {
        public Dictionary<RowKey, int> Keys { get; } = [];

        public int Indexed { get; set; }
    }
}

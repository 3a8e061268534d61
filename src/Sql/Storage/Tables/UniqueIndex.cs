using AnnSql.Sql.Catalog;

namespace AnnSql.Sql.Storage.Tables;

/// <summary>
/// A unique constraint's lookup structure over the committed live rows of a table: key → row version. Rows whose key has a
/// NULL never conflict (SQL semantics). Updated under the commit lock.
/// </summary>
public sealed class UniqueIndex(IndexInfo index, int[] keyOrdinals)
{
    private readonly Dictionary<RowKey, RowVersion> _map = [];

    public IndexInfo Index { get; } = index;

    public int[] KeyOrdinals { get; } = keyOrdinals;

    public RowKey KeyOf(object?[] values)
    {
        var key = new object?[KeyOrdinals.Length];
        for (int i = 0; i < key.Length; i++)
        {
            key[i] = values[KeyOrdinals[i]];
        }

        return new RowKey(key);
    }

    /// <summary>The live committed row holding <paramref name="key"/>, if any.</summary>
    public RowVersion? Find(RowKey key)
    {
        lock (_map)
        {
            return _map.TryGetValue(key, out var v) && v.DeletedSeq == 0 ? v : null;
        }
    }

    internal void Add(RowVersion row)
    {
        var key = KeyOf(row.Values);
        if (!key.HasNull)
        {
            lock (_map)
            {
                _map[key] = row;
            }
        }
    }

    internal void Remove(RowVersion row)
    {
        var key = KeyOf(row.Values);
        lock (_map)
        {
            if (_map.TryGetValue(key, out var v) && ReferenceEquals(v, row))
            {
                _map.Remove(key);
            }
        }
    }

    internal void Clear()
    {
        lock (_map)
        {
            _map.Clear();
        }
    }
}

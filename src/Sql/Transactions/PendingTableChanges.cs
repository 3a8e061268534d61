namespace AnnSql.Sql.Transactions;

/// <summary>
/// A transaction's uncommitted changes to one table: rows it inserted (addressed by negative pending ids -(i+1); a removed
/// entry is null) and the committed row ids it deleted. Only its own transaction sees them.
/// </summary>
public sealed class PendingTableChanges
{
    public List<object?[]?> Inserted { get; } = [];

    public HashSet<long> Deleted { get; } = [];

    public bool IsEmpty => Deleted.Count == 0 && Inserted.TrueForAll(r => r is null);

    /// <summary>The pending id of inserted row <paramref name="index"/>.</summary>
    public static long PendingId(int index) => -(index + 1L);

    public static int PendingIndex(long pendingId) => (int)(-pendingId - 1);

    public PendingTableChanges Clone()
    {
        var copy = new PendingTableChanges();
        copy.Inserted.AddRange(Inserted);
        copy.Deleted.UnionWith(Deleted);
        return copy;
    }
}

namespace AnnSql.Sql.Transactions;

/// <summary>
/// A session's transaction: explicit (BEGIN ... COMMIT) or implicit around one statement. Writes stay private until commit
/// (<see cref="Database.CommitAsync"/>); savepoints copy the pending changes so ROLLBACK TO restores them.
/// </summary>
public sealed class Transaction
{
    private readonly List<(string Name, Dictionary<uint, PendingTableChanges> State)> _savepoints = [];

    public Transaction(bool isExplicit) => IsExplicit = isExplicit;

    public bool IsExplicit { get; }

    /// <summary>A statement failed inside the block: everything until ROLLBACK fails with 25P02.</summary>
    public bool Failed { get; set; }

    public Dictionary<uint, PendingTableChanges> Changes { get; private set; } = [];

    public bool HasChanges => Changes.Values.Any(c => !c.IsEmpty);

    /// <summary>This transaction's pending changes to a table, created on first use.</summary>
    public PendingTableChanges For(uint tableOid)
    {
        if (!Changes.TryGetValue(tableOid, out var changes))
        {
            changes = new PendingTableChanges();
            Changes[tableOid] = changes;
        }

        return changes;
    }

    public PendingTableChanges? Find(uint tableOid) => Changes.GetValueOrDefault(tableOid);

    public void Savepoint(string name) => _savepoints.Add((name, CloneChanges()));

    /// <summary>ROLLBACK TO: restores the changes as of the savepoint, which stays defined. False when no such savepoint.</summary>
    public bool RollbackTo(string name)
    {
        int i = _savepoints.FindLastIndex(s => s.Name == name);
        if (i < 0)
        {
            return false;
        }

        _savepoints.RemoveRange(i + 1, _savepoints.Count - i - 1);
        Changes = _savepoints[i].State.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        Failed = false;
        return true;
    }

    /// <summary>RELEASE: forgets the savepoint and every later one. False when no such savepoint.</summary>
    public bool Release(string name)
    {
        int i = _savepoints.FindLastIndex(s => s.Name == name);
        if (i < 0)
        {
            return false;
        }

        _savepoints.RemoveRange(i, _savepoints.Count - i);
        return true;
    }

    private Dictionary<uint, PendingTableChanges> CloneChanges() => Changes.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
}

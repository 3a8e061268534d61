namespace AnnSql.Sql.Transactions;

/// <summary>
/// A session's transaction: explicit (BEGIN ... COMMIT) or implicit around one statement. Writes stay private until commit
/// (<see cref="Database.CommitAsync"/>); savepoints copy the pending changes so ROLLBACK TO restores them.
/// </summary>
public sealed class Transaction
{
    private readonly List<(string Name, Dictionary<uint, PendingTableChanges> State)> _savepoints = [];
    private ManualResetEventSlim? _finished;
    private volatile bool _isFinished;

    public Transaction(bool isExplicit) => IsExplicit = isExplicit;

    public bool IsExplicit { get; }

    /// <summary>A statement failed inside the block: everything until ROLLBACK fails with 25P02.</summary>
    public bool Failed { get; set; }

    public Dictionary<uint, PendingTableChanges> Changes { get; private set; } = [];

    /// <summary>The rows this transaction has locked (<see cref="RowLockTable"/>); guarded by the lock table.</summary>
    internal HashSet<(uint Table, long RowId)> LockedRows { get; } = [];

    /// <summary>The transaction whose row lock this one waits for, or null; guarded by the lock table.</summary>
    internal Transaction? WaitingFor { get; set; }

    /// <summary>True once the transaction has committed or rolled back and released its row locks.</summary>
    internal bool IsFinished => _isFinished;

    /// <summary>Set when the transaction ends; created on first wait, so a transaction nobody waits for allocates none.</summary>
    internal ManualResetEventSlim Finished
    {
        get
        {
            if (_finished is null)
            {
                Interlocked.CompareExchange(ref _finished, new ManualResetEventSlim(), null);
                if (_isFinished)
                {
                    _finished.Set();
                }
            }

            return _finished;
        }
    }

    /// <summary>True while a savepoint is defined (ROLLBACK TO can resume the transaction after an error).</summary>
    public bool HasSavepoints => _savepoints.Count > 0;

    public bool HasChanges => Changes.Values.Any(c => !c.IsEmpty);

    public PendingTableChanges? Find(uint tableOid) => Changes.GetValueOrDefault(tableOid);

    /// <summary>
    /// This transaction's pending changes to <paramref name="table"/>, created on first use with the table's row layout.
    /// </summary>
    /// <exception cref="Errors.SqlException">40001 when the transaction wrote rows of an older layout (a concurrent ALTER TABLE).</exception>
    public PendingTableChanges For(Catalog.TableInfo table)
    {
        if (!Changes.TryGetValue(table.Oid, out var changes))
        {
            changes = new PendingTableChanges { Layout = table.Layout };
            Changes[table.Oid] = changes;
        }
        else if (changes.Layout != table.Layout)
        {
            if (!changes.IsEmpty)
            {
                throw new Errors.SqlException(Errors.SqlState.SerializationFailure,
                    $"could not serialize access due to concurrent ALTER TABLE of relation \"{table.Name}\"");
            }

            changes.Layout = table.Layout;
        }

        return changes;
    }

    /// <summary>
    /// Rewrites this transaction's pending rows of table <paramref name="tableOid"/> in layout <paramref name="from"/>, those
    /// kept by savepoints included, into layout <paramref name="to"/>: the own transaction's ALTER TABLE.
    /// </summary>
    public void RewriteTable(uint tableOid, Func<object?[], object?[]> rewrite, int from, int to)
    {
        Changes.GetValueOrDefault(tableOid)?.Rewrite(rewrite, from, to);
        foreach (var (_, state) in _savepoints)
        {
            state.GetValueOrDefault(tableOid)?.Rewrite(rewrite, from, to);
        }
    }

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

    /// <summary>Marks the transaction ended and wakes its waiters.</summary>
    internal void MarkFinished()
    {
        _isFinished = true;
        Volatile.Read(ref _finished)?.Set();
    }

    private Dictionary<uint, PendingTableChanges> CloneChanges() => Changes.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
}

using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Transactions;

/// <summary>
/// Exclusive row locks, as PostgreSQL's FOR UPDATE tuple locks: UPDATE, DELETE and INSERT ... ON CONFLICT DO UPDATE lock
/// each committed row version they change, a second writer of the same version waits until the holder's transaction ends,
/// and every lock a transaction took is released when it commits or rolls back. A wait that would close a cycle of
/// waiting transactions fails at once with 40P01 (PostgreSQL finds the cycle after <c>deadlock_timeout</c>; the outcome,
/// one transaction of the cycle aborted, is the same).
/// </summary>
/// <remarks>
/// Locks are keyed by (table OID, row id) and live only in memory: after a restart no transaction is open, so none is
/// held. Waiting blocks the calling thread (statements execute synchronously) and honours the statement's cancellation.
/// </remarks>
public sealed class RowLockTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(uint Table, long RowId), Transaction> _owners = [];
    private int _waiting;

    /// <summary>Number of rows locked now, by all transactions.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _owners.Count;
            }
        }
    }

    /// <summary>Transactions waiting for a row lock now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>
    /// Locks row <paramref name="rowId"/> of table <paramref name="tableOid"/> for <paramref name="txn"/>, waiting while
    /// another open transaction holds it. Returns at once when <paramref name="txn"/> already holds it.
    /// </summary>
    /// <exception cref="SqlException">40P01 when waiting would deadlock.</exception>
    /// <exception cref="OperationCanceledException">The statement was cancelled while waiting.</exception>
    public void Acquire(Transaction txn, uint tableOid, long rowId, CancellationToken ct)
    {
        var key = (tableOid, rowId);
        while (true)
        {
            Transaction owner;
            lock (_lock)
            {
                if (!_owners.TryGetValue(key, out owner!) || owner.IsFinished)
                {
                    _owners[key] = txn;
                    txn.LockedRows.Add(key);
                    txn.WaitingFor = null;
                    return;
                }

                if (ReferenceEquals(owner, txn))
                {
                    return;
                }

                for (var t = owner; t is not null; t = t.WaitingFor)
                {
                    if (ReferenceEquals(t, txn))
                    {
                        txn.WaitingFor = null;
                        throw new SqlException(SqlState.DeadlockDetected, "deadlock detected",
                            detail: $"A transaction waits for a row of relation {tableOid} locked by a transaction that waits for it.",
                            hint: "See server log for query details.");
                    }
                }

                txn.WaitingFor = owner;
                _waiting++;
            }

            try
            {
                owner.Finished.Wait(ct);
            }
            finally
            {
                lock (_lock)
                {
                    txn.WaitingFor = null;
                    _waiting--;
                }
            }
        }
    }

    /// <summary>Releases every row lock <paramref name="txn"/> holds and wakes the transactions waiting for it.</summary>
    public void ReleaseAll(Transaction txn)
    {
        lock (_lock)
        {
            foreach (var key in txn.LockedRows)
            {
                if (_owners.TryGetValue(key, out var owner) && ReferenceEquals(owner, txn))
                {
                    _owners.Remove(key);
                }
            }

            txn.LockedRows.Clear();
            txn.WaitingFor = null;
        }

        txn.MarkFinished();
    }
}

namespace AnnSql.Sql.Storage.Tables;

/// <summary>
/// The committed row versions of one table, addressed by row id (slot index). Appends happen only at commit, under the
/// database's commit lock; readers take a lock-free snapshot of the slot array and filter by visibility, so readers never
/// block writers (DESIGN §2). Deleted slots stay until a vacuum compacts them; a null slot is a row that does not exist.
/// </summary>
public sealed class TableData
{
    private RowVersion?[] _slots = new RowVersion?[64];
    private long _count;
    private long _nextIdentity = 1;

    /// <summary>Number of slots (live, deleted and empty) currently published.</summary>
    public long SlotCount => Volatile.Read(ref _count);

    /// <summary>A snapshot of the published slots: every version visible to any current snapshot is in it.</summary>
    public ReadOnlySpan<RowVersion?> Slots
    {
        get
        {
            var slots = Volatile.Read(ref _slots);
            long count = Math.Min(Volatile.Read(ref _count), slots.Length);
            return slots.AsSpan(0, (int)count);
        }
    }

    /// <summary>Appends a committed version in a new slot and returns it. Caller holds the commit lock.</summary>
    internal RowVersion Append(object?[] values, long createdSeq)
    {
        long id = _count;
        return Place(id, values, createdSeq);
    }

    /// <summary>Places a version at a known row id (recovery and checkpoint load); slots in between stay empty.</summary>
    internal RowVersion Place(long rowId, object?[] values, long createdSeq)
    {
        if (rowId >= _slots.Length)
        {
            long size = Math.Max(_slots.Length * 2L, rowId + 1);
            var grown = new RowVersion?[size];
            Array.Copy(_slots, grown, _count);
            Volatile.Write(ref _slots, grown);
        }

        var version = new RowVersion(rowId, values, createdSeq);
        _slots[rowId] = version;
        if (rowId + 1 > _count)
        {
            Volatile.Write(ref _count, rowId + 1);
        }

        return version;
    }

    /// <summary>The version in slot <paramref name="rowId"/>, or null.</summary>
    public RowVersion? Get(long rowId)
    {
        var slots = Volatile.Read(ref _slots);
        return rowId >= 0 && rowId < Math.Min(SlotCount, slots.Length) ? slots[rowId] : null;
    }

    /// <summary>
    /// Empties the slots of row versions deleted at or before <paramref name="horizon"/> (no snapshot can see them any
    /// more); their row ids are not reused. Returns how many were removed. Caller holds the commit lock.
    /// </summary>
    internal long RemoveDead(long horizon)
    {
        var slots = _slots;
        long removed = 0;
        for (long i = 0; i < _count; i++)
        {
            if (slots[i] is { } row && row.DeletedSeq != 0 && row.DeletedSeq <= horizon)
            {
                Volatile.Write(ref slots[i], null);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Removes every row (TRUNCATE): replaces the slot array. Caller holds the commit lock.</summary>
    internal void Clear()
    {
        Volatile.Write(ref _slots, new RowVersion?[64]);
        Volatile.Write(ref _count, 0);
    }

    /// <summary>Next value of the table's identity/serial sequence (shared by all identity columns of the table).</summary>
    internal long NextIdentity() => Interlocked.Increment(ref _nextIdentity) - 1;

    /// <summary>The value the next <see cref="NextIdentity"/> returns; persisted by checkpoints.</summary>
    internal long IdentityCounter
    {
        get => Volatile.Read(ref _nextIdentity);
        set => Volatile.Write(ref _nextIdentity, value);
    }

    /// <summary>Makes sure the identity sequence never hands out <paramref name="used"/> or below again.</summary>
    internal void AdvanceIdentityPast(long used)
    {
        long current;
        do
        {
            current = Volatile.Read(ref _nextIdentity);
            if (current > used)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _nextIdentity, used + 1, current) != current);
    }
}

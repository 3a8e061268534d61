namespace AnnSql.Sql.Storage.Tables;

/// <summary>
/// One stored row version: its column values (see <see cref="Types.SqlType"/> for the CLR types), the commit sequence number
/// of the transaction that created it and of the one that deleted it (0 while live). A statement with snapshot S sees the
/// version when <c>CreatedSeq &lt;= S</c> and (<c>DeletedSeq == 0</c> or <c>DeletedSeq &gt; S</c>): MVCC-lite, DESIGN §2.
/// </summary>
public sealed class RowVersion(long rowId, object?[] values, long createdSeq)
{
    private long _deletedSeq;
    private long _successorId = -1;
    private long _predecessorId = -1;

    /// <summary>Stable row id: the row's slot in its table.</summary>
    public long RowId { get; } = rowId;

    public object?[] Values { get; } = values;

    public long CreatedSeq { get; } = createdSeq;

    public long DeletedSeq => Volatile.Read(ref _deletedSeq);

    /// <summary>True when a statement whose snapshot is <paramref name="snapshot"/> sees this version.</summary>
    public bool IsVisible(long snapshot)
    {
        if (CreatedSeq > snapshot)
        {
            return false;
        }

        long d = DeletedSeq;
        return d == 0 || d > snapshot;
    }

    /// <summary>
    /// The row id of the version an UPDATE replaced this one with, or -1 (never updated, deleted, or the link was not kept:
    /// it lives only in memory, for a concurrent writer that waited on this version to find the one it must re-check).
    /// </summary>
    public long SuccessorId => Volatile.Read(ref _successorId);

    /// <summary>
    /// The row id of the version this one replaced through an UPDATE, or -1; kept in memory only, so a statement whose
    /// snapshot predates the update can find, from a unique index (which holds only the newest version), the version it sees.
    /// </summary>
    public long PredecessorId => Volatile.Read(ref _predecessorId);

    internal void MarkDeleted(long seq) => Volatile.Write(ref _deletedSeq, seq);

    internal void SetSuccessor(long rowId) => Volatile.Write(ref _successorId, rowId);

    internal void SetPredecessor(long rowId) => Volatile.Write(ref _predecessorId, rowId);
}

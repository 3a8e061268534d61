namespace AnnSql.Sql.Storage;

/// <summary>One WAL record read back at recovery: its LSN (byte position of its header) and payload.</summary>
/// <param name="Lsn">Start LSN of the record; the next record starts at <see cref="EndLsn"/>.</param>
/// <param name="Payload">The bytes the engine appended (a fresh array owned by the caller).</param>
public readonly record struct WalRecord(ulong Lsn, ReadOnlyMemory<byte> Payload)
{
    /// <summary>LSN just past this record (what <see cref="WriteAheadLog.Append"/> returned for it).</summary>
    public ulong EndLsn => Lsn + (ulong)WriteAheadLog.HeaderSize + (ulong)Payload.Length;
}

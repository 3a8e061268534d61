namespace AnnSql.Sql.Storage;

/// <summary>Settings of a <see cref="WriteAheadLog"/>.</summary>
public sealed record WalOptions
{
    /// <summary>Default segment size: 64 MiB (PostgreSQL's default is 16 MiB; records here are bigger, with vectors).</summary>
    public const long DefaultSegmentSize = 64L * 1024 * 1024;

    /// <summary>
    /// Target size of a segment file in bytes. A record never spans two segments: when it does not fit, a new
    /// segment starts; a record bigger than this gets a segment of its own. Must be at least 4 KiB.
    /// </summary>
    public long SegmentSize { get; init; } = DefaultSegmentSize;

    /// <summary>
    /// LSN of the first record when the directory holds no segment yet (ignored otherwise). Must be ≥ 1; 0 is left
    /// free to mean "no LSN". An engine that lost its WAL but has a checkpoint passes the checkpoint's redo LSN.
    /// </summary>
    public ulong InitialLsn { get; init; } = 1;

    /// <summary>
    /// Once this many bytes are buffered and nobody has asked for a flush, a background write+fsync starts, so that
    /// appends without commits (bulk loads) do not grow memory without bound. Bytes.
    /// </summary>
    public int BackgroundFlushThreshold { get; init; } = 4 * 1024 * 1024;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(SegmentSize, 4096, nameof(SegmentSize));
        ArgumentOutOfRangeException.ThrowIfZero(InitialLsn, nameof(InitialLsn));
        ArgumentOutOfRangeException.ThrowIfLessThan(BackgroundFlushThreshold, 1, nameof(BackgroundFlushThreshold));
    }
}

using AnnSql.Sql.Storage;

namespace AnnSql.Sql;

public sealed partial class Database
{
    private readonly Lock _backupLock = new();
    private readonly List<BaseBackup> _backups = [];

    /// <summary>
    /// Starts a base backup (<c>BASE_BACKUP</c>): writes a checkpoint, then pins it until the backup is disposed — its folder,
    /// the disk index files present now and the log from its redo LSN on are not removed meanwhile. Queries, writes and
    /// later checkpoints go on. Every commit acknowledged before this call is before the log end the backup copies up to.
    /// </summary>
    /// <exception cref="IOException">the checkpoint could not be written.</exception>
    public async ValueTask<BaseBackup> StartBackupAsync(string label, CancellationToken ct)
    {
        DateTimeOffset started = DateTimeOffset.UtcNow;
        await _checkpointGate.WaitAsync(ct);
        try
        {
            await CheckpointLockedAsync(ct);
            if (!_checkpoints.TryOpenLatest(out CheckpointReader? checkpoint))
            {
                throw new InvalidOperationException("no checkpoint is current right after one was written");
            }

            // Disk files are immutable once published (builds and merges write a new generation through a .tmp name), so
            // those here now can be copied while the index goes on; the checkpoint's graph files name their generations.
            var indexFiles = new List<string>();
            if (Directory.Exists(IndexEnvironment.Directory))
            {
                foreach (string file in Directory.EnumerateFiles(IndexEnvironment.Directory))
                {
                    // Files being written (a build's or merge's .tmp, a merge's .tmp.merging) are not part of any generation.
                    if (!Path.GetFileName(file).Contains(DurableFile.TempSuffix, StringComparison.Ordinal))
                    {
                        indexFiles.Add(file);
                    }
                }
            }

            indexFiles.Sort(StringComparer.Ordinal);
            var backup = new BaseBackup(this, label, started, checkpoint, indexFiles);
            _checkpoints.Pin(checkpoint.Id);
            lock (_backupLock)
            {
                _backups.Add(backup);
            }

            return backup;
        }
        finally
        {
            _checkpointGate.Release();
        }
    }

    /// <summary>Releases what <paramref name="backup"/> pinned.</summary>
    internal void EndBackup(BaseBackup backup)
    {
        lock (_backupLock)
        {
            if (!_backups.Remove(backup))
            {
                return;
            }
        }

        _checkpoints.Unpin(backup.CheckpointId);
    }

    /// <summary>Makes everything logged so far durable and returns the log's end LSN (a record boundary).</summary>
    internal async ValueTask<ulong> FlushLogAsync(CancellationToken ct)
    {
        ulong end = _wal.EndLsn;
        await _wal.FlushAsync(end, ct);
        return end;
    }

    /// <summary>The log segments from <paramref name="startLsn"/> to <paramref name="endLsn"/> and the bytes of each to copy.</summary>
    internal List<(string Path, ulong Start, long Length)> LogSegmentsBetween(ulong startLsn, ulong endLsn)
        => _wal.SegmentsBetween(startLsn, endLsn);

    /// <summary>The lowest redo LSN of the backups in progress (their log must stay); <see cref="ulong.MaxValue"/> when none.</summary>
    private ulong OldestBackupRedoLsn()
    {
        lock (_backupLock)
        {
            ulong oldest = ulong.MaxValue;
            foreach (BaseBackup backup in _backups)
            {
                oldest = Math.Min(oldest, backup.RedoLsn);
            }

            return oldest;
        }
    }

    /// <summary>The names of the disk index files the backups in progress copy.</summary>
    private HashSet<string> BackupPinnedIndexFiles()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        lock (_backupLock)
        {
            foreach (BaseBackup backup in _backups)
            {
                foreach (string file in backup.IndexFiles)
                {
                    names.Add(Path.GetFileName(file));
                }
            }
        }

        return names;
    }
}

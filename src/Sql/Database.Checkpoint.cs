using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Storage;
using AnnSql.Sql.Storage.Tables;

namespace AnnSql.Sql;

public sealed partial class Database
{
    private const string CatalogFile = "catalog.json";

    /// <summary>
    /// Writes a checkpoint: the catalog and every row version visible at the checkpoint's sequence number, then lets the log
    /// before the redo LSN be recycled. Commits continue while the files are written; commits after the redo LSN are replayed
    /// from the log at the next start (DESIGN §2).
    /// </summary>
    public async ValueTask CheckpointAsync(CancellationToken ct)
    {
        await _checkpointGate.WaitAsync(ct);
        try
        {
            await CheckpointLockedAsync(ct);
        }
        finally
        {
            _checkpointGate.Release();
        }
    }

    /// <summary><see cref="CheckpointAsync"/> for a caller that holds the checkpoint gate.</summary>
    private async ValueTask CheckpointLockedAsync(CancellationToken ct)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        long snapshot;
        ulong redo;
        CatalogState catalog;
        Dictionary<uint, TableRuntime> tables;
        lock (_commitLock)
        {
            snapshot = _appliedSeq;
            redo = _wal.EndLsn;
            catalog = _catalog;
            tables = _tables;
        }

        await _wal.FlushAsync(redo, ct);
        using (var writer = _checkpoints.BeginCheckpoint(redo))
        {
            var meta = new CheckpointMetadata(catalog, snapshot,
                tables.ToDictionary(t => t.Key, t => t.Value.Data.IdentityCounter));
            using (var s = writer.CreateFile(CatalogFile))
            {
                JsonSerializer.Serialize(s, meta, JsonOptions);
            }

            foreach (var (oid, table) in tables)
            {
                using (var s = writer.CreateFile($"t{oid}.rows"))
                {
                    WriteRows(s, table, snapshot);
                }

                // Index files are derived state written after the rows: at recovery, points whose rows are gone are
                // tombstoned and rows past the index's watermark are inserted, so any moment of the index fits.
                foreach (var index in table.VectorIndexes)
                {
                    if (index.State == Indexing.VectorIndexState.Ready)
                    {
                        using var s = new BufferedStream(writer.CreateFile(IndexFileName(index.Info.Oid)), 1 << 20);
                        index.Save(s);
                    }
                }
            }

            writer.Commit();
        }

        // A base backup in progress still needs the log from its own checkpoint's redo LSN on.
        _wal.RecycleBefore(Math.Min(redo, OldestBackupRedoLsn()));
        RemoveUnusedIndexFiles();
        _lastCheckpointLsn = redo;
        _lastCheckpointTime = Environment.TickCount64;
        StorageMetrics.CheckpointDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    private static string IndexFileName(uint indexOid) => $"i{indexOid}.graph";

    /// <summary>
    /// After a checkpoint: deletes the disk index files that neither it nor a live index needs, those of indexes and tables
    /// dropped by now included.
    /// </summary>
    private void RemoveUnusedIndexFiles()
    {
        string directory = IndexEnvironment.Directory;
        if (!Directory.Exists(directory))
        {
            return;
        }

        var live = new HashSet<string>(StringComparer.Ordinal);
        var pinned = BackupPinnedIndexFiles();
        foreach (var table in Volatile.Read(ref _tables).Values)
        {
            foreach (var index in table.VectorIndexes)
            {
                live.Add($"i{index.Info.Oid}.");
                index.RemoveUnusedFiles(pinned);
            }
        }

        foreach (string file in Directory.EnumerateFiles(directory, "i*"))
        {
            string name = Path.GetFileName(file);
            int dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0 && !live.Contains(name[..(dot + 1)]) && !pinned.Contains(name))
            {
                try
                {
                    File.Delete(file);
                }
                catch (IOException e)
                {
                    LogIndexFileRemovalFailed(_logger, e, name);
                }
            }
        }
    }

    /// <summary>Wakes the background worker when the log has grown past <see cref="DatabaseOptions.CheckpointWalBytes"/>.</summary>
    private void RequestCheckpointIfDue()
    {
        if (CheckpointDue(byTime: false))
        {
            WakeBackground();
        }
    }

    /// <summary>
    /// A checkpoint is due when the log written since the last one passes <see cref="DatabaseOptions.CheckpointWalBytes"/>,
    /// or, with <paramref name="byTime"/>, when <see cref="DatabaseOptions.CheckpointInterval"/> has passed and anything was
    /// logged (PostgreSQL's max_wal_size and checkpoint_timeout).
    /// </summary>
    private bool CheckpointDue(bool byTime)
    {
        ulong written = _wal.EndLsn - _lastCheckpointLsn;
        return written > (ulong)_options.CheckpointWalBytes
            || (byTime && written > 0 && Environment.TickCount64 - _lastCheckpointTime >= (long)_options.CheckpointInterval.TotalMilliseconds);
    }

    private static void WriteRows(Stream stream, TableRuntime table, long snapshot)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        var columns = table.Info.Columns;
        foreach (var row in table.Data.Slots)
        {
            if (row is null || !row.IsVisible(snapshot))
            {
                continue;
            }

            BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(8), row.RowId);
            buffer.Advance(8);
            RowCodec.Write(buffer, columns, row.Values);
            if (buffer.WrittenCount > 1 << 20)
            {
                stream.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }

        stream.Write(buffer.WrittenSpan);
    }

    private void Recover()
    {
        ulong redo = _wal.StartLsn;
        _replayTruncated = [];
        if (_checkpoints.TryOpenLatest(out var reader))
        {
            CheckpointMetadata meta;
            using (var s = reader.OpenFile(CatalogFile))
            {
                meta = JsonSerializer.Deserialize<CheckpointMetadata>(s, JsonOptions)
                    ?? throw new InvalidDataException("empty checkpoint catalog");
            }

            ApplyCatalog(CatalogChange.Of(meta.Catalog));
            foreach (var (oid, table) in _tables)
            {
                using var s = reader.OpenFile($"t{oid}.rows");
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                var data = ms.GetBuffer().AsSpan(0, (int)ms.Length);
                int offset = 0;
                while (offset < data.Length)
                {
                    long rowId = BinaryPrimitives.ReadInt64LittleEndian(data[offset..]);
                    offset += 8;
                    var values = RowCodec.Read(data, ref offset, table.Info.Columns);
                    table.Data.Place(rowId, values, 0);
                }

                if (meta.IdentityCounters.TryGetValue(oid, out long counter))
                {
                    table.Data.IdentityCounter = counter;
                }
            }

            _appliedSeq = meta.Sequence;
            redo = reader.RedoLsn;
        }

        foreach (var record in _wal.ReadFrom(redo))
        {
            ReplayRecord(record.Payload.Span);
        }

        _visibleSeq = _appliedSeq;
        foreach (var (oid, table) in _tables)
        {
            // No statement can read a generation an ALTER TABLE replayed from the log replaced.
            table.ReleasePrevious();
            table.RebuildUniqueIndexes();

            // Fresh index runtimes, their label counts taken from the recovered rows; each loads its graph from the
            // checkpoint, or is built after recovery.
            foreach (var index in table.SyncVectorIndexes(reset: true))
            {
                if (reader is not null && reader.Contains(IndexFileName(index.Info.Oid)) && !_replayTruncated.Contains(oid))
                {
                    LoadIndex(reader, index);
                }
            }
        }

        _replayTruncated = null;
        _lastCheckpointLsn = redo;
        _lastCheckpointTime = Environment.TickCount64;
    }

    private void LoadIndex(CheckpointReader reader, Indexing.VectorIndex index)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            using var s = reader.OpenFile(IndexFileName(index.Info.Oid));
            index.Load(new BufferedStream(s, 1 << 20));
            LogIndexLoaded(_logger, index.Info.Name, index.Points, clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            LogIndexLoadFailed(_logger, e, index.Info.Name);
        }
    }

    /// <summary>What a checkpoint stores besides rows: the catalog, the commit sequence it reflects, identity counters.</summary>
    private sealed record CheckpointMetadata(CatalogState Catalog, long Sequence, Dictionary<uint, long> IdentityCounters);
}

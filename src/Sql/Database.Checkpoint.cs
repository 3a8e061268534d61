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
                    using var s = writer.CreateFile($"t{oid}.rows");
                    WriteRows(s, table, snapshot);
                }

                writer.Commit();
            }

            _wal.RecycleBefore(redo);
            _lastCheckpointLsn = redo;
        }
        finally
        {
            _checkpointGate.Release();
        }
    }

    private async ValueTask MaybeCheckpointAsync(CancellationToken ct)
    {
        if (_wal.EndLsn - _lastCheckpointLsn > (ulong)_options.CheckpointWalBytes && _checkpointGate.CurrentCount > 0)
        {
            await CheckpointAsync(ct);
        }
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

        foreach (var table in _tables.Values)
        {
            table.RebuildUniqueIndexes();

            // Fresh index runtimes: their label counts are taken from the recovered rows; the graphs are built after recovery.
            table.SyncVectorIndexes(reset: true);
        }

        _visibleSeq = _appliedSeq;
        _lastCheckpointLsn = redo;
    }

    /// <summary>What a checkpoint stores besides rows: the catalog, the commit sequence it reflects, identity counters.</summary>
    private sealed record CheckpointMetadata(CatalogState Catalog, long Sequence, Dictionary<uint, long> IdentityCounters);
}

using System.Formats.Tar;
using System.Text;
using AnnSql.Index.Storage;

namespace AnnSql.Sql.Storage;

/// <summary>
/// A base backup in progress (from <see cref="Database.StartBackupAsync"/>): its checkpoint, the disk index files and the log
/// from the checkpoint's redo LSN stay on disk until it is disposed. <see cref="WriteAsync"/> streams it as an uncompressed
/// tar (PAX) laid out as a data directory: <c>checkpoint/&lt;id&gt;/…</c>, <c>checkpoint/CURRENT</c>, <c>index/…</c>,
/// <c>wal/…</c> up to the log end read after the data was sent, and <see cref="BackupLabel.FileName"/> last, which lists every
/// other file with its size and CRC32C and so marks the archive complete. Recovery on the extracted directory loads the
/// checkpoint and replays the log, as after a crash (PostgreSQL's base backup plus the WAL it needs, pg_basebackup -X fetch).
/// </summary>
public sealed class BaseBackup : IAsyncDisposable
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode EntryFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly Database _database;
    private readonly CheckpointReader _checkpoint;
    private int _disposed;

    internal BaseBackup(Database database, string label, DateTimeOffset startTime, CheckpointReader checkpoint, IReadOnlyList<string> indexFiles)
    {
        _database = database;
        _checkpoint = checkpoint;
        Label = label;
        StartTime = startTime;
        IndexFiles = indexFiles;
    }

    /// <summary>The label given to BASE_BACKUP.</summary>
    public string Label { get; }

    /// <summary>When the backup was asked for.</summary>
    public DateTimeOffset StartTime { get; }

    /// <summary>Id of the pinned checkpoint.</summary>
    public string CheckpointId => _checkpoint.Id;

    /// <summary>The pinned checkpoint's redo LSN: the archive holds the log from here.</summary>
    public ulong RedoLsn => _checkpoint.RedoLsn;

    /// <summary>Full paths of the disk index files the archive holds.</summary>
    internal IReadOnlyList<string> IndexFiles { get; }

    /// <summary>
    /// Writes the archive to <paramref name="output"/> (which it does not close) and returns its label. Each checkpoint file is
    /// checked against its manifest as it is sent.
    /// </summary>
    /// <exception cref="InvalidDataException">a checkpoint file does not match its manifest.</exception>
    /// <exception cref="IOException">a file cannot be read, or <paramref name="output"/> cannot be written.</exception>
    public async ValueTask<BackupLabel> WriteAsync(Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        var files = new List<BackupFileEntry>();
        BackupLabel label;
        var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await using (tar)
        {
            string folder = $"checkpoint/{CheckpointId}/";
            await AddDirectoryAsync(tar, "checkpoint/", ct);
            await AddDirectoryAsync(tar, folder, ct);
            foreach (string name in _checkpoint.FileNames)
            {
                _checkpoint.TryGetEntry(name, out CheckpointFileEntry expected);
                var entry = await AddFileAsync(tar, Path.Combine(_checkpoint.FolderPath, name), folder + name, -1, files, ct);
                if (entry.Size != expected.Size || entry.Crc != expected.Crc)
                {
                    throw new InvalidDataException(
                        $"checkpoint file \"{folder + name}\" is damaged: {entry.Size} bytes, CRC32C {entry.Crc:X8}; its manifest says {expected.Size}, {expected.Crc:X8}");
                }
            }

            await AddFileAsync(tar, Path.Combine(_checkpoint.FolderPath, CheckpointManifest.FileName), folder + CheckpointManifest.FileName, -1, files, ct);
            await AddBytesAsync(tar, $"checkpoint/{CheckpointStore.CurrentFileName}", Encoding.ASCII.GetBytes(CheckpointId + "\n"), files, ct);

            await AddDirectoryAsync(tar, $"{Database.IndexDirectoryName}/", ct);
            foreach (string path in IndexFiles)
            {
                await AddFileAsync(tar, path, $"{Database.IndexDirectoryName}/{Path.GetFileName(path)}", -1, files, ct);
            }

            // Read after the data was sent: every commit acknowledged before the backup began lies before it.
            ulong end = await _database.FlushLogAsync(ct);
            await AddDirectoryAsync(tar, "wal/", ct);
            foreach ((string path, _, long length) in _database.LogSegmentsBetween(RedoLsn, end))
            {
                await AddFileAsync(tar, path, "wal/" + Path.GetFileName(path), length, files, ct);
            }

            label = new BackupLabel(Label, StartTime, CheckpointId, RedoLsn, end, _database.Options.ServerVersion, files);
            await AddBytesAsync(tar, BackupLabel.FileName, label.Serialize(), null, ct);
        }

        await output.FlushAsync(ct);
        return label;
    }

    /// <summary>Releases the checkpoint, index files and log the backup pinned.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _database.EndBackup(this);
        }

        return ValueTask.CompletedTask;
    }

    private static async ValueTask AddDirectoryAsync(TarWriter tar, string name, CancellationToken ct)
    {
        var entry = new PaxTarEntry(TarEntryType.Directory, name) { Mode = DirectoryMode };
        await tar.WriteEntryAsync(entry, ct);
    }

    /// <summary>Adds the first <paramref name="length"/> bytes of a file (all of it when negative) and lists it.</summary>
    private static async ValueTask<BackupFileEntry> AddFileAsync(
        TarWriter tar, string path, string name, long length, List<BackupFileEntry> files, CancellationToken ct)
    {
        long size = length >= 0 ? length : new FileInfo(path).Length;
        using var data = new BackupFileStream(path, size);
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = EntryFileMode,
            ModificationTime = File.GetLastWriteTimeUtc(path),
            DataStream = data,
        };
        await tar.WriteEntryAsync(entry, ct);
        if (data.Position != size)
        {
            throw new IOException($"\"{path}\" was not sent whole");
        }

        var listed = new BackupFileEntry(name, size, data.Crc);
        files.Add(listed);
        return listed;
    }

    private static async ValueTask AddBytesAsync(TarWriter tar, string name, byte[] bytes, List<BackupFileEntry>? files, CancellationToken ct)
    {
        using var data = new MemoryStream(bytes, writable: false);
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = EntryFileMode, DataStream = data };
        await tar.WriteEntryAsync(entry, ct);
        files?.Add(new BackupFileEntry(name, bytes.Length, Crc32C.Compute(bytes)));
    }
}

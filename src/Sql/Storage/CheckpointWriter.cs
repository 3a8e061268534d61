using System.Buffers;
using AnnSql.Index.Storage;

namespace AnnSql.Sql.Storage;

/// <summary>
/// One checkpoint being written (from <see cref="CheckpointStore.BeginCheckpoint"/>). Files are written as
/// <c>name.tmp</c> in the checkpoint's folder; <see cref="Commit"/> makes them durable and switches
/// <c>CURRENT</c>. Disposing without <see cref="Commit"/> deletes the folder and leaves the previous checkpoint in force.
/// Not thread-safe.
/// </summary>
public sealed class CheckpointWriter : IDisposable
{
    private readonly CheckpointStore _store;
    private readonly string _folder;
    private readonly List<(string Name, FileStream Stream)> _files = [];
    private bool _committed;
    private bool _disposed;

    internal CheckpointWriter(CheckpointStore store, string id, string folder, ulong redoLsn)
    {
        _store = store;
        _folder = folder;
        Id = id;
        RedoLsn = redoLsn;
    }

    /// <summary>Id of the checkpoint (16 hex digits, increasing).</summary>
    public string Id { get; }

    /// <summary>WAL LSN replay starts from after this checkpoint is loaded.</summary>
    public ulong RedoLsn { get; }

    /// <summary>
    /// Creates a file of the checkpoint and returns a stream to write it (seeking is allowed). The caller may
    /// dispose the stream; <see cref="Commit"/> closes it otherwise. Names: 1–128 of <c>[A-Za-z0-9._-]</c>, not
    /// starting with '.', not <c>manifest</c>, not ending in <c>.tmp</c>, unique (ignoring case).
    /// </summary>
    /// <exception cref="ArgumentException">the name is not allowed or already used.</exception>
    /// <exception cref="InvalidOperationException">the checkpoint was committed or disposed.</exception>
    public Stream CreateFile(string name)
    {
        ThrowIfFinished();
        ValidateName(name);
        foreach ((string existing, _) in _files)
        {
            if (string.Equals(existing, name, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"checkpoint file \"{name}\" was already created", nameof(name));
            }
        }

        var stream = new FileStream(TempPath(name), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 81920);
        _files.Add((name, stream));
        return stream;
    }

    /// <summary>
    /// Makes the checkpoint durable and current: fsyncs and checksums each file, renames it to its final name, writes
    /// the manifest atomically, switches <c>CURRENT</c> atomically, then deletes older checkpoints. Until
    /// <c>CURRENT</c> is switched, a crash leaves the previous checkpoint in force.
    /// </summary>
    /// <exception cref="IOException">a write, fsync or rename failed; the previous checkpoint stays current.</exception>
    /// <exception cref="InvalidOperationException">already committed or disposed.</exception>
    public void Commit()
    {
        ThrowIfFinished();
        var entries = new List<CheckpointFileEntry>(_files.Count);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            foreach ((string name, FileStream stream) in _files)
            {
                stream.Dispose();
                string tempPath = TempPath(name);
                long size = 0;
                uint crc = Crc32C.Seed;
                using (var file = new FileStream(tempPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 0))
                {
                    int read;
                    while ((read = file.Read(buffer)) > 0)
                    {
                        crc = Crc32C.Append(crc, buffer.AsSpan(0, read));
                        size += read;
                    }

                    file.Flush(flushToDisk: true);
                }

                File.Move(tempPath, Path.Combine(_folder, name), overwrite: true);
                entries.Add(new CheckpointFileEntry(name, size, Crc32C.Finish(crc)));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var manifest = new CheckpointManifest(Id, RedoLsn, entries);

        // Also fsyncs the folder, which makes the renames above durable.
        DurableFile.WriteAtomically(Path.Combine(_folder, CheckpointManifest.FileName), manifest.Serialize());
        _store.Publish(Id);
        _committed = true;
        _disposed = true;
        _store.WriterFinished();
    }

    /// <summary>Abandons the checkpoint unless it was committed: closes its files and deletes its folder.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach ((_, FileStream stream) in _files)
        {
            stream.Dispose();
        }

        if (!_committed)
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A leftover folder is not current and is deleted by the next BeginCheckpoint.
            }
            catch (UnauthorizedAccessException)
            {
                // Same.
            }
        }

        _store.WriterFinished();
    }

    private string TempPath(string name) => Path.Combine(_folder, name + DurableFile.TempSuffix);

    private void ThrowIfFinished()
    {
        if (_disposed)
        {
            throw new InvalidOperationException(_committed ? "the checkpoint was already committed" : "the checkpoint was abandoned");
        }
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        bool valid = name.Length <= 128 && name[0] != '.' && name != CheckpointManifest.FileName
            && !name.EndsWith(DurableFile.TempSuffix, StringComparison.OrdinalIgnoreCase);
        foreach (char c in name)
        {
            valid &= char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
        }

        if (!valid)
        {
            throw new ArgumentException($"invalid checkpoint file name \"{name}\"", nameof(name));
        }
    }
}

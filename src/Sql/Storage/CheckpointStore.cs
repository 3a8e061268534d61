using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace AnnSql.Sql.Storage;

/// <summary>
/// Checkpoints in <c>checkpoint/</c>: each is a folder <c>&lt;16 hex digit id&gt;/</c> of files the engine writes
/// plus a manifest, and <c>CURRENT</c> names the one in force. Switching <c>CURRENT</c> with
/// <see cref="DurableFile.WriteAtomically(string, ReadOnlySpan{byte})"/> is the commit point, so a crash at any moment
/// leaves either the previous checkpoint or the new one usable (the role of PostgreSQL's pg_control checkpoint
/// pointer, docs/15/wal-internals.html). Startup loads <see cref="TryOpenLatest"/> and replays the WAL from its
/// <see cref="CheckpointReader.RedoLsn"/>. One checkpoint is written at a time.
/// </summary>
public sealed class CheckpointStore
{
    /// <summary>Name of the file naming the current checkpoint.</summary>
    public const string CurrentFileName = "CURRENT";

    private readonly Lock _pinLock = new();
    private readonly Dictionary<string, int> _pins = new(StringComparer.Ordinal);
    private int _writerActive;

    /// <summary>Uses (creating if needed) <paramref name="checkpointDirectory"/>.</summary>
    public CheckpointStore(string checkpointDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointDirectory);
        DirectoryPath = Path.GetFullPath(checkpointDirectory);
        Directory.CreateDirectory(DirectoryPath);
    }

    /// <summary>Full path of the checkpoints' directory.</summary>
    public string DirectoryPath { get; }

    /// <summary>
    /// Starts a checkpoint whose state reflects every WAL record before <paramref name="redoLsn"/>: replay after
    /// loading it starts there. Leftovers of checkpoints that were never committed are deleted first.
    /// </summary>
    /// <exception cref="InvalidOperationException">another checkpoint is being written.</exception>
    /// <exception cref="IOException">the folder cannot be created.</exception>
    public CheckpointWriter BeginCheckpoint(ulong redoLsn)
    {
        if (Interlocked.Exchange(ref _writerActive, 1) != 0)
        {
            throw new InvalidOperationException("a checkpoint is already being written");
        }

        try
        {
            string? current = ReadCurrentId();
            ulong highest = current is null ? 0 : ParseId(current);
            foreach (string folder in Directory.EnumerateDirectories(DirectoryPath))
            {
                string name = Path.GetFileName(folder);
                if (TryParseId(name, out ulong id) && id > highest)
                {
                    highest = id;
                }
            }

            DeleteFoldersExcept(current);
            string newId = (highest + 1).ToString("X16", CultureInfo.InvariantCulture);
            string path = Path.Combine(DirectoryPath, newId);
            Directory.CreateDirectory(path);
            return new CheckpointWriter(this, newId, path, redoLsn);
        }
        catch
        {
            Volatile.Write(ref _writerActive, 0);
            throw;
        }
    }

    /// <summary>Opens the current checkpoint; false when none was ever committed.</summary>
    /// <exception cref="InvalidDataException">
    /// <c>CURRENT</c> or the manifest it points to is damaged or missing. Starting empty instead would lose data.
    /// </exception>
    public bool TryOpenLatest([NotNullWhen(true)] out CheckpointReader? reader)
    {
        reader = null;
        string? id = ReadCurrentId();
        if (id is null)
        {
            return false;
        }

        string folder = Path.Combine(DirectoryPath, id);
        string manifestPath = Path.Combine(folder, CheckpointManifest.FileName);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(manifestPath);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"checkpoint {id} named by {CurrentFileName} has no manifest \"{manifestPath}\"", ex);
        }

        CheckpointManifest manifest = CheckpointManifest.Parse(bytes, manifestPath);
        if (manifest.Id != id)
        {
            throw new InvalidDataException($"checkpoint manifest \"{manifestPath}\" belongs to checkpoint {manifest.Id}, not {id}");
        }

        reader = new CheckpointReader(folder, manifest);
        return true;
    }

    internal void Publish(string id)
    {
        DurableFile.FsyncDirectory(DirectoryPath);
        DurableFile.WriteAtomically(Path.Combine(DirectoryPath, CurrentFileName), Encoding.ASCII.GetBytes(id + "\n"));
        try
        {
            DeleteFoldersExcept(id);
        }
        catch (IOException)
        {
            // Old folders are only garbage now; the next BeginCheckpoint retries.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }

    internal void WriterFinished() => Volatile.Write(ref _writerActive, 0);

    /// <summary>
    /// Keeps checkpoint <paramref name="id"/>'s folder from being deleted when a newer checkpoint is published, until as many
    /// <see cref="Unpin"/> calls (a base backup reads it meanwhile). The caller makes sure the folder still exists.
    /// </summary>
    internal void Pin(string id)
    {
        lock (_pinLock)
        {
            _pins[id] = _pins.GetValueOrDefault(id) + 1;
        }
    }

    /// <summary>Releases one <see cref="Pin"/>; the folder goes at the next publication once no pin is left.</summary>
    internal void Unpin(string id)
    {
        lock (_pinLock)
        {
            if (_pins.TryGetValue(id, out int count))
            {
                if (count <= 1)
                {
                    _pins.Remove(id);
                }
                else
                {
                    _pins[id] = count - 1;
                }
            }
        }
    }

    private bool IsPinned(string id)
    {
        lock (_pinLock)
        {
            return _pins.ContainsKey(id);
        }
    }

    private string? ReadCurrentId()
    {
        string path = Path.Combine(DirectoryPath, CurrentFileName);
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.ASCII);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        string id = text.TrimEnd('\n');
        if (!TryParseId(id, out _))
        {
            throw new InvalidDataException($"\"{path}\" is damaged: expected a checkpoint id, found \"{text}\"");
        }

        return id;
    }

    private void DeleteFoldersExcept(string? keep)
    {
        foreach (string folder in Directory.EnumerateDirectories(DirectoryPath))
        {
            string name = Path.GetFileName(folder);
            if (TryParseId(name, out _) && name != keep && !IsPinned(name))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static ulong ParseId(string id) => ulong.Parse(id, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    private static bool TryParseId(string name, out ulong id)
    {
        id = 0;
        return name.Length == 16 && ulong.TryParse(name, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out id);
    }
}

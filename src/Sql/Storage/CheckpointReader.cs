using AnnSql.Index.Storage;

namespace AnnSql.Sql.Storage;

/// <summary>
/// The committed checkpoint in force (from <see cref="CheckpointStore.TryOpenLatest"/>): its redo LSN and files.
/// Each file is checked against the manifest's size and CRC32C when opened, so damage is reported instead of
/// loaded.
/// </summary>
public sealed class CheckpointReader
{
    private readonly string _folder;
    private readonly Dictionary<string, CheckpointFileEntry> _files;

    internal CheckpointReader(string folder, CheckpointManifest manifest)
    {
        _folder = folder;
        Id = manifest.Id;
        RedoLsn = manifest.RedoLsn;
        _files = new Dictionary<string, CheckpointFileEntry>(StringComparer.Ordinal);
        var names = new List<string>(manifest.Files.Count);
        foreach (CheckpointFileEntry file in manifest.Files)
        {
            _files[file.Name] = file;
            names.Add(file.Name);
        }

        FileNames = names;
    }

    /// <summary>Id of the checkpoint.</summary>
    public string Id { get; }

    /// <summary>Replay the WAL from this LSN after loading the checkpoint.</summary>
    public ulong RedoLsn { get; }

    /// <summary>Names of the checkpoint's files, in the order they were created.</summary>
    public IReadOnlyList<string> FileNames { get; }

    /// <summary>Full path of the checkpoint's folder.</summary>
    internal string FolderPath => _folder;

    /// <summary>The manifest's size and CRC32C of file <paramref name="name"/>.</summary>
    internal bool TryGetEntry(string name, out CheckpointFileEntry entry) => _files.TryGetValue(name, out entry);

    /// <summary>Whether the checkpoint has a file called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _files.ContainsKey(name);

    /// <summary>
    /// Opens a file of the checkpoint for reading, positioned at 0, after reading it once to check its size and
    /// CRC32C against the manifest.
    /// </summary>
    /// <exception cref="FileNotFoundException">the checkpoint has no file of that name.</exception>
    /// <exception cref="InvalidDataException">the file is missing, or its size or checksum does not match.</exception>
    public Stream OpenFile(string name)
    {
        if (!_files.TryGetValue(name, out CheckpointFileEntry entry))
        {
            throw new FileNotFoundException($"checkpoint {Id} has no file \"{name}\"", name);
        }

        string path = Path.Combine(_folder, name);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 81920);
        }
        catch (FileNotFoundException ex)
        {
            throw new InvalidDataException($"checkpoint file \"{path}\" is missing", ex);
        }

        try
        {
            Verify(stream, entry, path);
            stream.Position = 0;
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static void Verify(FileStream stream, CheckpointFileEntry entry, string path)
    {
        if (stream.Length != entry.Size)
        {
            throw new InvalidDataException($"checkpoint file \"{path}\" is damaged: {stream.Length} bytes, expected {entry.Size}");
        }

        uint crc = Crc32C.Compute(stream);
        if (crc != entry.Crc)
        {
            throw new InvalidDataException($"checkpoint file \"{path}\" is damaged: CRC32C {crc:X8}, expected {entry.Crc:X8}");
        }
    }
}

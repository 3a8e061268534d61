using System.Formats.Tar;
using System.IO.Compression;

namespace AnnSql.Tools.Backup;

/// <summary>How a base backup is stored: extracted into a directory, or as a tar, gzip-compressed tar or zstd-compressed tar.</summary>
public enum BackupArchiveKind
{
    /// <summary>Extracted: the directory is a data directory.</summary>
    Directory,

    /// <summary>An uncompressed tar (<c>.tar</c>).</summary>
    Tar,

    /// <summary>A gzip-compressed tar (<c>.tar.gz</c>, <c>.tgz</c>).</summary>
    Gzip,

    /// <summary>A zstd-compressed tar (<c>.tar.zst</c>, <c>.tzst</c>).</summary>
    Zstd,
}

/// <summary>What an extraction wrote: regular files, their bytes, and the name of the last file in the archive.</summary>
public readonly record struct ExtractSummary(int Files, long Bytes, string? LastFile);

/// <summary>
/// Reading and writing base backup archives (the tar a server's BASE_BACKUP streams): choosing the form from a path,
/// compressing and decompressing (gzip from the BCL, zstd from ZstdSharp), and extracting safely (names stay inside the target,
/// only files and directories, each file fsynced; the directories are left to the caller).
/// </summary>
public static class BackupArchive
{
    /// <summary>Name of the backup's last file, whose presence marks a complete archive.</summary>
    public const string LabelFileName = "backup_label";

    /// <summary>The form a backup target takes from its name: <c>.tar</c>, <c>.tar.gz</c>/<c>.tgz</c>, <c>.tar.zst</c>/<c>.tzst</c>, else a directory.</summary>
    public static BackupArchiveKind KindOf(string target)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(target)).ToLowerInvariant();
        return name switch
        {
            _ when name.EndsWith(".tar.gz", StringComparison.Ordinal) || name.EndsWith(".tgz", StringComparison.Ordinal) => BackupArchiveKind.Gzip,
            _ when name.EndsWith(".tar.zst", StringComparison.Ordinal) || name.EndsWith(".tzst", StringComparison.Ordinal) => BackupArchiveKind.Zstd,
            _ when name.EndsWith(".tar", StringComparison.Ordinal) => BackupArchiveKind.Tar,
            _ => BackupArchiveKind.Directory,
        };
    }

    /// <summary>Creates <paramref name="path"/> (it must not exist) and returns a stream that writes a tar into it in <paramref name="kind"/>'s form.</summary>
    /// <exception cref="IOException">the file exists or cannot be created.</exception>
    public static Stream CreateFile(string path, BackupArchiveKind kind)
    {
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        return kind switch
        {
            BackupArchiveKind.Gzip => new GZipStream(file, CompressionLevel.Fastest, leaveOpen: false),
            BackupArchiveKind.Zstd => new ZstdSharp.CompressionStream(file, level: 3, leaveOpen: false),
            BackupArchiveKind.Tar => file,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "a directory is not an archive file"),
        };
    }

    /// <summary>Opens an archive file and returns its tar stream, decompressing gzip or zstd as its first bytes say.</summary>
    /// <exception cref="IOException">the file cannot be opened.</exception>
    public static Stream OpenFile(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        Span<byte> magic = stackalloc byte[4];
        int read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        file.Position = 0;
        if (read >= 2 && magic[0] == 0x1F && magic[1] == 0x8B)
        {
            return new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
        }

        if (read == 4 && magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F && magic[3] == 0xFD)
        {
            return new ZstdSharp.DecompressionStream(file, leaveOpen: false);
        }

        return file;
    }

    /// <summary>
    /// Extracts the tar read from <paramref name="tar"/> into <paramref name="directory"/> (created if missing), fsyncing each
    /// file.
    /// </summary>
    /// <exception cref="InvalidDataException">the archive is damaged or cut short, or an entry would land outside the directory or is not a file or directory.</exception>
    /// <exception cref="IOException">a file cannot be written.</exception>
    public static async Task<ExtractSummary> ExtractAsync(Stream tar, string directory, CancellationToken ct)
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        Directory.CreateDirectory(root);
        int files = 0;
        long bytes = 0;
        string? last = null;
        await using var reader = new TarReader(tar, leaveOpen: true);
        try
        {
            while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                string path = SafePath(root, entry.Name);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(path);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
                        {
                            if (entry.DataStream is { } data)
                            {
                                await data.CopyToAsync(output, 1 << 20, ct);
                            }

                            if (output.Length != entry.Length)
                            {
                                throw new InvalidDataException($"\"{entry.Name}\" is cut short: {output.Length} of {entry.Length} bytes");
                            }

                            output.Flush(flushToDisk: true);
                        }

                        files++;
                        bytes += entry.Length;
                        last = entry.Name;
                        break;
                    default:
                        throw new InvalidDataException($"\"{entry.Name}\" is a {entry.EntryType} entry; a backup holds only files and directories");
                }
            }
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("the archive is cut short", e);
        }

        return new ExtractSummary(files, bytes, last);
    }

    /// <summary>Copies the files under <paramref name="source"/> into <paramref name="destination"/> (a backup kept as a directory).</summary>
    /// <exception cref="IOException">a file cannot be read or written.</exception>
    public static async Task<ExtractSummary> CopyDirectoryAsync(string source, string destination, CancellationToken ct)
    {
        string from = Path.GetFullPath(source);
        string to = Path.GetFullPath(destination);
        Directory.CreateDirectory(to);
        int files = 0;
        long bytes = 0;
        foreach (string dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file);
            if (relative == "annsql.lock")
            {
                continue;
            }

            await using (var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            await using (var output = new FileStream(Path.Combine(to, relative), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                await input.CopyToAsync(output, 1 << 20, ct);
                output.Flush(flushToDisk: true);
                bytes += output.Length;
            }

            files++;
        }

        return new ExtractSummary(files, bytes, File.Exists(Path.Combine(from, LabelFileName)) ? LabelFileName : null);
    }

    /// <summary>
    /// Removes what a failed backup or restore wrote into <paramref name="directory"/>: the directory itself when
    /// <paramref name="created"/> (it did not exist before), else everything in it (it was empty before). A half-written
    /// directory must not be left where a server could start on it.
    /// </summary>
    /// <exception cref="IOException">an entry cannot be removed.</exception>
    public static void RemoveWritten(string directory, bool created)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        if (created)
        {
            Directory.Delete(directory, recursive: true);
            return;
        }

        foreach (string entry in Directory.EnumerateFileSystemEntries(directory))
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }
    }

    /// <summary>Whether <paramref name="directory"/> is missing or empty.</summary>
    public static bool IsMissingOrEmpty(string directory) =>
        !Directory.Exists(directory) || !Directory.EnumerateFileSystemEntries(directory).Any();

    private static string SafePath(string root, string name)
    {
        string path = Path.GetFullPath(Path.Combine(root, name));
        if (Path.IsPathRooted(name) || !(path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            throw new InvalidDataException($"archive entry \"{name}\" lies outside the target directory");
        }

        return Path.TrimEndingDirectorySeparator(path);
    }
}

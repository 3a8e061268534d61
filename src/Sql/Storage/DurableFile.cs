namespace AnnSql.Sql.Storage;

/// <summary>
/// Crash-safe whole-file replacement: write <c>path.tmp</c>, fsync it, rename it over <c>path</c>, fsync the directory.
/// After a crash a reader sees either the old contents or the new ones, never a mix; this is the sequence PostgreSQL
/// uses for its control file and durable_rename() (src/backend/storage/file/fd.c).
/// Not meant for several writers of the same path at once (they share the temp name).
/// </summary>
public static class DurableFile
{
    /// <summary>Suffix of the temporary file written before the rename.</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>Atomically replaces (or creates) <paramref name="path"/> with <paramref name="contents"/>.</summary>
    /// <exception cref="IOException">a write, fsync or rename failed; the previous contents are intact.</exception>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> contents)
    {
        string fullPath = Path.GetFullPath(path);
        string tempPath = fullPath + TempSuffix;
        try
        {
            using (var stream = new FileStream(tempPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }

            Publish(tempPath, fullPath);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    /// <summary>
    /// Atomically replaces (or creates) <paramref name="path"/> with what <paramref name="write"/> writes to the
    /// stream it is given. The stream must not be disposed by the callback.
    /// </summary>
    /// <exception cref="IOException">a write, fsync or rename failed; the previous contents are intact.</exception>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string fullPath = Path.GetFullPath(path);
        string tempPath = fullPath + TempSuffix;
        try
        {
            using (var stream = new FileStream(tempPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 81920))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            Publish(tempPath, fullPath);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    /// <summary>
    /// Makes creations, renames and deletions of entries in <paramref name="directory"/> durable (fsync of the
    /// directory on Linux). A no-op on other systems: Windows' NTFS journals metadata, and macOS is not a target.
    /// </summary>
    /// <exception cref="IOException">the directory could not be opened or fsynced.</exception>
    public static void FsyncDirectory(string directory)
    {
        if (OperatingSystem.IsLinux())
        {
            NativeMethods.FsyncDirectoryLinux(Path.GetFullPath(directory));
        }
    }

    private static void Publish(string tempPath, string fullPath)
    {
        File.Move(tempPath, fullPath, overwrite: true);
        FsyncDirectory(Path.GetDirectoryName(fullPath)!);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp file is overwritten by the next attempt.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }
}

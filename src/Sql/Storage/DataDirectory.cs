using System.Globalization;
using System.Text;

namespace AnnSql.Sql.Storage;

/// <summary>
/// The server's data directory, held exclusively for the life of this object through <c>annsql.lock</c>
/// (the counterpart of PostgreSQL's postmaster.pid). The lock is a FileShare.None handle, which .NET implements on
/// Unix with an advisory flock(LOCK_EX), so it excludes other processes and other handles in this process, and
/// the kernel drops it when the process dies (no stale lock after a crash). The file holds the owner's pid for
/// humans; it is never deleted, since deleting it would race with the next owner.
/// </summary>
public sealed class DataDirectory : IDisposable
{
    /// <summary>Name of the lock file inside the data directory.</summary>
    public const string LockFileName = "annsql.lock";

    private FileStream? _lock;

    private DataDirectory(string path, FileStream lockStream)
    {
        Path = path;
        _lock = lockStream;
        WalDirectory = System.IO.Path.Combine(path, "wal");
        CheckpointDirectory = System.IO.Path.Combine(path, "checkpoint");
    }

    /// <summary>Full path of the data directory.</summary>
    public string Path { get; }

    /// <summary>Full path of the write-ahead log's directory (<c>wal</c>).</summary>
    public string WalDirectory { get; }

    /// <summary>Full path of the checkpoints' directory (<c>checkpoint</c>).</summary>
    public string CheckpointDirectory { get; }

    /// <summary>Full path of the lock file.</summary>
    public string LockFilePath => System.IO.Path.Combine(Path, LockFileName);

    /// <summary>
    /// Creates <paramref name="path"/> (and its <c>wal</c> and <c>checkpoint</c> subdirectories) if missing and
    /// locks it.
    /// </summary>
    /// <exception cref="DataDirectoryLockedException">another server holds the directory.</exception>
    /// <exception cref="IOException">the directory or lock file cannot be created or written.</exception>
    /// <exception cref="UnauthorizedAccessException">no permission to create or lock it.</exception>
    public static DataDirectory Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path));
        Directory.CreateDirectory(fullPath);
        string lockPath = System.IO.Path.Combine(fullPath, LockFileName);

        FileStream lockStream;
        try
        {
            lockStream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        }
        catch (IOException ex) when (IsSharingViolation(ex))
        {
            throw new DataDirectoryLockedException(fullPath, lockPath, ex);
        }

        try
        {
            byte[] pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            lockStream.SetLength(0);
            lockStream.Write(pid);
            lockStream.Flush(flushToDisk: true);
            var directory = new DataDirectory(fullPath, lockStream);
            Directory.CreateDirectory(directory.WalDirectory);
            Directory.CreateDirectory(directory.CheckpointDirectory);
            DurableFile.FsyncDirectory(fullPath);
            return directory;
        }
        catch
        {
            lockStream.Dispose();
            throw;
        }
    }

    /// <summary>Releases the lock (the lock file stays).</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _lock, null)?.Dispose();
    }

    private static bool IsSharingViolation(IOException ex)
    {
        // Windows: ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION. Unix: .NET reports flock's EWOULDBLOCK with the
        // raw errno as HResult (11 on Linux, 35 on macOS and the BSDs). Other I/O errors are reported as they are.
        const int SharingViolation = unchecked((int)0x80070020);
        const int LockViolation = unchecked((int)0x80070021);
        if (OperatingSystem.IsWindows())
        {
            return ex.HResult is SharingViolation or LockViolation;
        }

        return ex.HResult == (OperatingSystem.IsLinux() ? 11 : 35);
    }
}

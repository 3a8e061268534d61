namespace AnnSql.Sql.Storage;

/// <summary>
/// Thrown by <see cref="DataDirectory.Open"/> when another server (another process, or another
/// <see cref="DataDirectory"/> in this process) holds the data directory's lock file, like PostgreSQL's
/// postmaster.pid check ("lock file ... already exists").
/// </summary>
public sealed class DataDirectoryLockedException : IOException
{
    /// <summary>Creates the exception for <paramref name="directory"/> locked through <paramref name="lockFile"/>.</summary>
    public DataDirectoryLockedException(string directory, string lockFile, Exception? innerException)
        : base($"data directory \"{directory}\" is in use by another server (lock file {lockFile})", innerException)
    {
        DirectoryPath = directory;
        LockFilePath = lockFile;
    }

    /// <summary>Full path of the data directory.</summary>
    public string DirectoryPath { get; }

    /// <summary>Full path of the lock file that is held.</summary>
    public string LockFilePath { get; }
}

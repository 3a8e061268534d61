using System.Runtime.InteropServices;

namespace AnnSql.Sql.Storage;

/// <summary>libc calls that .NET does not expose: fsync of a directory (FileStream cannot open one).</summary>
internal static class NativeMethods
{
    private const int ORdOnly = 0;
    private const int OCloExec = 0x80000;
    private const int EIntr = 4;
    private const int EInval = 22;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);

    /// <summary>O_DIRECTORY differs between Linux architectures (asm-generic vs arm64 fcntl.h).</summary>
    private static int ODirectory => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.X86 => 0x10000,
        Architecture.Arm64 or Architecture.Arm => 0x4000,
        _ => 0,
    };

    /// <summary>
    /// open(dir, O_RDONLY|O_DIRECTORY) + fsync + close, so that creations, renames and unlinks inside
    /// <paramref name="directory"/> survive a power loss. EINVAL from fsync is ignored, as PostgreSQL's
    /// fsync_fname_ext does, because some file systems cannot fsync directories.
    /// </summary>
    /// <exception cref="IOException">open or fsync failed.</exception>
    public static void FsyncDirectoryLinux(string directory)
    {
        byte[] path = new byte[System.Text.Encoding.UTF8.GetMaxByteCount(directory.Length) + 1];
        int length = System.Text.Encoding.UTF8.GetBytes(directory, path);
        path[length] = 0;

        int fd;
        do
        {
            fd = Open(path, ORdOnly | ODirectory | OCloExec);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == EIntr);

        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"could not open directory \"{directory}\" to fsync it: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != EInval)
                {
                    throw new IOException($"could not fsync directory \"{directory}\": {Marshal.GetPInvokeErrorMessage(errno)}");
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }
}

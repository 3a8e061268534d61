using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AnnSql.Index.Disk;

/// <summary>
/// Opens a file for reads that bypass the page cache. .NET passes <c>FileOptions</c> 0x20000000 (FILE_FLAG_NO_BUFFERING)
/// through to Windows but on Linux drops it (checked with .NET 10 on ext4: a read at offset 1 still succeeds), so on
/// Linux the file is opened with open(2) and O_DIRECT and wrapped in a <see cref="SafeFileHandle"/>, which
/// <see cref="RandomAccess"/> reads with pread(2).
/// </summary>
internal static partial class DirectFile
{
    private const int ReadOnly = 0;
    private const int CloseOnExec = 0x80000;

    /// <summary>FILE_FLAG_NO_BUFFERING, which .NET hands to CreateFile on Windows.</summary>
    private const FileOptions NoBuffering = (FileOptions)0x20000000;

    /// <summary>
    /// A read-only handle on <paramref name="path"/> with O_DIRECT (Linux; kept only when a read at an unaligned offset
    /// fails, the sign that it is in effect) or FILE_FLAG_NO_BUFFERING (Windows), or null when the platform or the file
    /// system does not offer one (then the caller opens the file buffered, which also
    /// reports a missing file or a denied access as .NET does).
    /// </summary>
    public static SafeFileHandle? TryOpen(string path, FileShare share)
    {
        if (OperatingSystem.IsLinux())
        {
            // O_DIRECT differs between architectures (asm-generic 040000; arm 0200000); others are not tried.
            int direct = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 or Architecture.X86 => 0x4000,
                Architecture.Arm64 or Architecture.Arm => 0x10000,
                _ => 0,
            };
            if (direct == 0)
            {
                return null;
            }

            // EINVAL when the file system has no O_DIRECT (tmpfs before Linux 6.6, some overlays); ENOENT and EACCES are
            // reported by the buffered open that follows.
            int descriptor = Open(path, ReadOnly | CloseOnExec | direct);
            if (descriptor < 0)
            {
                return null;
            }

            SafeFileHandle handle = new(descriptor, ownsHandle: true);
            if (!RefusesUnalignedReads(handle))
            {
                // Accepted but without effect: tmpfs from Linux 6.6 takes O_DIRECT and still reads through the page cache.
                handle.Dispose();
                return null;
            }

            return handle;
        }

        if (OperatingSystem.IsWindows())
        {
            try
            {
                return File.OpenHandle(path, FileMode.Open, FileAccess.Read, share, FileOptions.RandomAccess | NoBuffering);
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether a read at byte offset 1 fails (EINVAL), as it does when O_DIRECT is in effect; on an empty file nothing
    /// can be told and it says no.
    /// </summary>
    private static bool RefusesUnalignedReads(SafeFileHandle handle)
    {
        using AlignedBuffer probe = new(DiskIndex.SectorBytes);
        try
        {
            RandomAccess.Read(handle, probe.Span, 1);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);
}

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AnnSql.Index.Disk;

/// <summary>
/// Reads issued together through Linux native asynchronous I/O (io_setup(2), io_submit(2), io_getevents(2)), as
/// DiskANN's <c>LinuxAlignedFileReader</c> issues a beam step's reads: with O_DIRECT the device serves the W reads of a
/// step at once, so a step costs about one read's latency instead of W. One instance serves one thread at a time; it owns
/// a kernel AIO context of <see cref="Capacity"/> requests, released by <see cref="Dispose"/> or, if forgotten, by the
/// finalizer of its handle.
/// </summary>
/// <remarks>
/// The syscalls are made through libc's <c>syscall</c> (glibc has no wrappers and libaio is not assumed). Buffers, lengths
/// and offsets must meet O_DIRECT's alignment when the file has it; buffers must not move (native memory) until
/// <see cref="ReadAll"/> returns, which it does only after every submitted read completed, even when it throws.
/// </remarks>
internal sealed unsafe partial class LinuxAio : IDisposable
{
    private const int IocbBytes = 64;
    private const int EventBytes = 32;
    private const ushort CommandPread = 0;
    private const int InterruptedSystemCall = 4;

    private readonly ContextHandle _context;
    private byte* _iocbs;
    private nint* _iocbPointers;
    private byte* _events;
    private int _count;

    private LinuxAio(ContextHandle context, int capacity)
    {
        _context = context;
        Capacity = capacity;
        _iocbs = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * IocbBytes));
        _iocbPointers = (nint*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(nint)));
        _events = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * EventBytes));
    }

    ~LinuxAio() => FreeNative();

    /// <summary>Requests one batch may hold.</summary>
    public int Capacity { get; }

    /// <summary>
    /// An AIO context for batches of up to <paramref name="capacity"/> reads, or null where there is none: not Linux on
    /// x64 or arm64, a kernel without AIO (ENOSYS), or the system-wide limit <c>fs.aio-max-nr</c> reached (EAGAIN).
    /// </summary>
    public static LinuxAio? TryCreate(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        if (!OperatingSystem.IsLinux() || Numbers.Setup < 0)
        {
            return null;
        }

        nint context = 0;
        if (Syscall(Numbers.Setup, capacity, (nint)(&context), 0, 0, 0) != 0)
        {
            return null;
        }

        return new LinuxAio(new ContextHandle(context), capacity);
    }

    /// <summary>
    /// Queues a read of <paramref name="length"/> bytes at byte <paramref name="offset"/> of <paramref name="file"/> into
    /// the native memory at <paramref name="buffer"/>. The caller keeps <paramref name="file"/> open until
    /// <see cref="ReadAll"/> returns.
    /// </summary>
    /// <exception cref="InvalidOperationException">The batch already holds <see cref="Capacity"/> reads.</exception>
    public void Add(SafeFileHandle file, byte* buffer, int length, long offset)
    {
        if (_count == Capacity)
        {
            throw new InvalidOperationException($"an AIO batch holds at most {Capacity} reads");
        }

        // struct iocb (linux/aio_abi.h, little-endian): aio_data at 0, aio_lio_opcode at 16, aio_fildes at 20, aio_buf at 24,
        // aio_nbytes at 32, aio_offset at 40; the rest stays zero.
        byte* iocb = _iocbs + (_count * IocbBytes);
        NativeMemory.Clear(iocb, IocbBytes);
        *(ulong*)iocb = (ulong)_count;
        *(ushort*)(iocb + 16) = CommandPread;
        *(uint*)(iocb + 20) = (uint)file.DangerousGetHandle();
        *(ulong*)(iocb + 24) = (ulong)buffer;
        *(ulong*)(iocb + 32) = (ulong)length;
        *(long*)(iocb + 40) = offset;
        _iocbPointers[_count] = (nint)iocb;
        _count++;
    }

    /// <summary>
    /// Submits the queued reads together and waits for all of them; the batch is empty afterwards. Returns once every
    /// submitted read has completed, whatever happened.
    /// </summary>
    /// <exception cref="IOException">A submission or a read failed (the errno).</exception>
    /// <exception cref="InvalidDataException">A read came back short (a truncated file).</exception>
    public void ReadAll()
    {
        int count = _count;
        _count = 0;
        int submitted = 0;
        Exception? failure = null;
        while (submitted < count)
        {
            long result = Syscall(Numbers.Submit, _context.Value, count - submitted, (nint)(_iocbPointers + submitted), 0, 0);
            if (result <= 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (result < 0 && errno == InterruptedSystemCall)
                {
                    continue;
                }

                failure = new IOException($"io_submit failed after {submitted} of {count} reads (errno {errno})");
                break;
            }

            submitted += (int)result;
        }

        int completed = 0;
        while (completed < submitted)
        {
            long result = Syscall(Numbers.GetEvents, _context.Value, submitted - completed, submitted - completed, (nint)_events, 0);
            if (result < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == InterruptedSystemCall)
                {
                    continue;
                }

                // The reads still use the buffers: without their completions they cannot be released safely.
                Environment.FailFast($"io_getevents failed with {submitted - completed} reads in flight (errno {errno})");
            }

            for (int i = 0; i < result; i++)
            {
                // struct io_event: data at 0, obj at 8, res at 16, res2 at 24.
                byte* @event = _events + (i * EventBytes);
                long read = *(long*)(@event + 16);
                byte* iocb = _iocbs + ((int)*(ulong*)@event * IocbBytes);
                long expected = *(long*)(iocb + 32);
                if (read != expected && failure is null)
                {
                    long offset = *(long*)(iocb + 40);
                    failure = read < 0
                        ? new IOException($"read of {expected} bytes at offset {offset} failed (errno {-read})")
                        : DiskIndexHeader.Invalid($"truncated: {expected} bytes at offset {offset} read as {read}");
                }
            }

            completed += (int)result;
        }

        if (failure is not null)
        {
            throw failure;
        }
    }

    /// <summary>Destroys the AIO context and frees the request memory.</summary>
    public void Dispose()
    {
        _context.Dispose();
        FreeNative();
        GC.SuppressFinalize(this);
    }

    private void FreeNative()
    {
        NativeMemory.Free(_iocbs);
        NativeMemory.Free(_iocbPointers);
        NativeMemory.Free(_events);
        _iocbs = null;
        _iocbPointers = null;
        _events = null;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint a, nint b, nint c, nint d, nint e);

    /// <summary>The architecture's syscall numbers (asm/unistd.h); -1 where unknown.</summary>
    private static class Numbers
    {
        public static readonly long Setup = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 206,
            Architecture.Arm64 => 0,
            _ => -1,
        };

        public static readonly long Destroy = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 207 : 1;

        public static readonly long Submit = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 209 : 2;

        public static readonly long GetEvents = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 208 : 4;
    }

    /// <summary>An aio_context_t, destroyed with io_destroy(2).</summary>
    private sealed class ContextHandle : SafeHandle
    {
        public ContextHandle(nint context)
            : base(0, ownsHandle: true) => SetHandle(context);

        public nint Value => handle;

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle() => Syscall(Numbers.Destroy, handle, 0, 0, 0, 0) == 0;
    }
}

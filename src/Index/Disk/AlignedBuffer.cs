using System.Runtime.InteropServices;

namespace AnnSql.Index.Disk;

/// <summary>
/// Native memory aligned to <see cref="DiskIndex.SectorBytes"/>, as O_DIRECT reads require of their buffers (the
/// address, like the file offset and the length, must be a multiple of the logical block size). Zeroed when allocated.
/// Owned by one thread at a time; freed by <see cref="Dispose"/> or, if forgotten, by the finalizer.
/// </summary>
internal sealed unsafe class AlignedBuffer : IDisposable
{
    private void* _pointer;

    /// <summary>Allocates <paramref name="length"/> bytes (a positive multiple of the sector size).</summary>
    public AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if (length % DiskIndex.SectorBytes != 0)
        {
            throw new ArgumentException($"{length} bytes is not a whole number of {DiskIndex.SectorBytes}-byte sectors", nameof(length));
        }

        _pointer = NativeMemory.AlignedAlloc((nuint)length, DiskIndex.SectorBytes);
        NativeMemory.Clear(_pointer, (nuint)length);
        Length = length;
    }

    ~AlignedBuffer() => Free();

    /// <summary>Bytes of the buffer.</summary>
    public int Length { get; }

    /// <summary>The whole buffer.</summary>
    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer == null, this);

            // SAFETY: _pointer holds Length bytes from AlignedAlloc until Free, and the buffer is not freed while its one
            // user holds a span (it disposes it only when done).
            return new Span<byte>(_pointer, Length);
        }
    }

    /// <summary>Frees the memory.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (_pointer != null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
        }
    }
}

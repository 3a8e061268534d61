using Microsoft.Win32.SafeHandles;

namespace AnnSql.Index.Disk;

/// <summary>
/// A forward-only read stream over <paramref name="length"/> bytes of a file from a sector-aligned
/// <paramref name="offset"/>, fetched in whole sectors into an aligned buffer so that it works on an O_DIRECT handle.
/// The file must extend to the end of the last sector the range touches.
/// </summary>
internal sealed class SectorReadStream(SafeFileHandle handle, long offset, long length) : Stream
{
    private const int ChunkBytes = 1 << 20;

    private readonly AlignedBuffer _buffer = new(ChunkBytes);
    private long _fetched;
    private int _start;
    private int _end;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _fetched - (_end - _start);
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> destination)
    {
        if (_start == _end)
        {
            long left = length - _fetched;
            if (left <= 0 || destination.IsEmpty)
            {
                return 0;
            }

            int bytes = (int)Math.Min(ChunkBytes, DiskIndexHeader.RoundUpToSector(left));
            Span<byte> chunk = _buffer.Span[..bytes];
            int read = RandomAccess.Read(handle, chunk, offset + _fetched);
            if (read < bytes)
            {
                throw DiskIndexHeader.Invalid($"truncated: {bytes} bytes at offset {offset + _fetched} read as {read}");
            }

            _start = 0;
            _end = (int)Math.Min(bytes, left);
            _fetched += _end;
        }

        int n = Math.Min(destination.Length, _end - _start);
        _buffer.Span.Slice(_start, n).CopyTo(destination);
        _start += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _buffer.Dispose();
        }

        base.Dispose(disposing);
    }
}

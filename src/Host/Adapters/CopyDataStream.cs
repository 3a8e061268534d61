using AnnSql.Wire.Handlers;

namespace AnnSql.Host.Adapters;

/// <summary>
/// A write-only stream whose writes become CopyData messages of a COPY OUT (BASE_BACKUP's archive); it flushes to the
/// transport every <see cref="FlushBytes"/> so a slow client holds the producer back instead of filling memory.
/// </summary>
internal sealed class CopyDataStream(IPgResponder responder) : Stream
{
    /// <summary>Largest CopyData payload written (PostgreSQL's walsender sends at most this much per message too).</summary>
    private const int MaxMessageBytes = 1 << 16;

    private const int FlushBytes = 1 << 20;

    private long _unflushed;

    /// <summary>Bytes written so far.</summary>
    public long BytesWritten { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = Math.Min(buffer.Length, MaxMessageBytes);
            responder.WriteCopyData(buffer[..n]);
            buffer = buffer[n..];
            BytesWritten += n;
            _unflushed += n;
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        if (_unflushed >= FlushBytes)
        {
            await FlushAsync(cancellationToken);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        _unflushed = 0;
        await responder.FlushAsync(cancellationToken);
    }

    public override void Flush()
    {
        // Synchronous writes stay buffered (Wire spills large output to the transport); FlushAsync applies back-pressure.
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

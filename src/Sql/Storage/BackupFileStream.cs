using AnnSql.Index.Storage;

namespace AnnSql.Sql.Storage;

/// <summary>
/// A read-only view of the first <see cref="Length"/> bytes of a file that computes their CRC32C as they are read, for a
/// base backup's tar entries: a log segment still being appended is copied up to a flushed LSN, and every file's checksum
/// goes into the backup label in the same pass. Reads are sequential (the position can only be set to where it is).
/// </summary>
internal sealed class BackupFileStream : Stream
{
    private readonly FileStream _file;
    private readonly long _length;
    private long _position;
    private uint _crc = Crc32C.Seed;

    /// <exception cref="InvalidDataException">the file is shorter than <paramref name="length"/>.</exception>
    public BackupFileStream(string path, long length)
    {
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);
        if (_file.Length < length)
        {
            long actual = _file.Length;
            _file.Dispose();
            throw new InvalidDataException($"\"{path}\" holds {actual} bytes, fewer than the {length} to back up");
        }

        _length = length;
    }

    /// <summary>The CRC32C of the bytes read so far (all of them once the stream is at its end).</summary>
    public uint Crc => Crc32C.Finish(_crc);

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set
        {
            if (value != _position)
            {
                throw new NotSupportedException("a backup file is read sequentially");
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int wanted = (int)Math.Min(buffer.Length, _length - _position);
        if (wanted <= 0)
        {
            return 0;
        }

        int read = _file.Read(buffer[..wanted]);
        if (read == 0)
        {
            throw new EndOfStreamException("a file being backed up was truncated");
        }

        _crc = Crc32C.Append(_crc, buffer[..read]);
        _position += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int wanted = (int)Math.Min(buffer.Length, _length - _position);
        if (wanted <= 0)
        {
            return 0;
        }

        int read = await _file.ReadAsync(buffer[..wanted], cancellationToken);
        if (read == 0)
        {
            throw new EndOfStreamException("a file being backed up was truncated");
        }

        _crc = Crc32C.Append(_crc, buffer.Span[..read]);
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        Position = target;
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }
}

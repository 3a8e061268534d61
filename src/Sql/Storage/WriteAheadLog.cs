using System.Buffers;
using System.Buffers.Binary;
using AnnSql.Index.Storage;

namespace AnnSql.Sql.Storage;

/// <summary>
/// The single write-ahead log of the SQL engine (PostgreSQL's WAL: docs/15/wal-intro.html). The engine appends its
/// own logical records (DDL, rows, deletes, commits) and acknowledges a commit only after
/// <see cref="FlushAsync"/> has returned for the commit record's LSN. At startup it loads the latest checkpoint and
/// replays <see cref="ReadFrom"/> the checkpoint's redo LSN (ARIES-style redo).
/// </summary>
/// <remarks>
/// <para>
/// LSN = byte position in the logical log. A record is a 16-byte little-endian header — uint32 payload length,
/// uint32 CRC32C over the length field and the payload, uint64 LSN of the record — followed by the payload. Records
/// live in segment files <c>&lt;16 hex digits of the segment's first LSN&gt;.wal</c> and never span two of them.
/// </para>
/// <para>
/// Group commit: appends go to an in-memory buffer. One flusher at a time takes the whole buffer, writes it and
/// fsyncs, then completes every flush waiting for an LSN now durable; flushes asked for during that fsync share the
/// next round. All waiters of a round await one shared task, so a commit costs no thread and no allocation of its own.
/// </para>
/// <para>
/// Failure policy: if a write or fsync fails, every waiter gets the exception and the log refuses all further use.
/// After a failed fsync Linux may already have dropped the dirty pages and cleared the error, so a retry can report
/// success for data that never reached the disk ("fsyncgate", 2018); PostgreSQL therefore PANICs
/// (data_sync_retry = off). The only safe way on is a restart that replays the log from what is known durable.
/// </para>
/// </remarks>
public sealed partial class WriteAheadLog : IAsyncDisposable
{
    /// <summary>Size of a record header in bytes.</summary>
    public const int HeaderSize = 16;

    /// <summary>Largest payload accepted, in bytes (1 GiB, PostgreSQL's MaxAllocSize); longer ones are rejected.</summary>
    public const int MaxPayloadLength = 1 << 30;

    /// <summary>File name extension of segments.</summary>
    public const string SegmentExtension = ".wal";

    private const int InitialBufferSize = 64 * 1024;
    private const int RetainedBufferLimit = 8 * 1024 * 1024;

    private readonly string _directory;
    private readonly WalOptions _options;
    private readonly Lock _gate = new();

    // Guarded by _gate.
    private readonly List<ulong> _segments;
    private readonly Queue<ulong> _pendingSegmentStarts = new();
    private byte[] _buffer;
    private int _bufferLength;
    private ulong _bufferStartLsn;
    private byte[]? _spare;
    private ulong _endLsn;
    private ulong _appendSegmentStart;
    private ulong _durableLsn;
    private Exception? _failure;
    private bool _disposed;

    private long _fsyncCount;
    private long _bytesWritten;

    private WriteAheadLog(string directory, WalOptions options, List<ulong> segments, FileStream current, ulong endLsn, string? recoveryMessage)
    {
        _directory = directory;
        _options = options;
        _segments = segments;
        _segmentStream = current;
        _appendSegmentStart = segments[^1];
        _endLsn = endLsn;
        _bufferStartLsn = endLsn;
        _durableLsn = endLsn;
        _requestedLsn = endLsn;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        RecoveryMessage = recoveryMessage;
    }

    /// <summary>LSN the next appended record will get (one past the last appended byte).</summary>
    public ulong EndLsn
    {
        get
        {
            lock (_gate)
            {
                return _endLsn;
            }
        }
    }

    /// <summary>Every record ending at or before this LSN is written and fsynced.</summary>
    public ulong DurableLsn => Volatile.Read(ref _durableLsn);

    /// <summary>First LSN still held in the log (start of the oldest segment not recycled).</summary>
    public ulong StartLsn
    {
        get
        {
            lock (_gate)
            {
                return _segments[0];
            }
        }
    }

    /// <summary>Number of fsync calls made on segment files (directory fsyncs not counted).</summary>
    public long FsyncCount => Interlocked.Read(ref _fsyncCount);

    /// <summary>Bytes written to segment files, headers included.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>
    /// What <see cref="Open"/> discarded, for the server log (e.g. "discarded invalid WAL tail at LSN ...: CRC32C
    /// mismatch"); null when the log ended cleanly.
    /// </summary>
    public string? RecoveryMessage { get; }

    /// <summary>
    /// Opens (creating if needed) the log in <paramref name="walDirectory"/>. Recovery: every segment is read and
    /// checked; at the first record with a bad CRC, an impossible length, a wrong LSN or a short read (a torn tail)
    /// the log ends — later segments are deleted and that segment is truncated, so new appends follow the last good
    /// record, as PostgreSQL does at the end of redo.
    /// </summary>
    /// <exception cref="InvalidDataException">a segment is missing between two others (the log was damaged).</exception>
    /// <exception cref="IOException">the files cannot be read, truncated or created.</exception>
    public static WriteAheadLog Open(string walDirectory, WalOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(walDirectory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string directory = Path.GetFullPath(walDirectory);
        Directory.CreateDirectory(directory);

        List<ulong> segments = ListSegments(directory);
        string? recoveryMessage = null;
        ulong endLsn;
        if (segments.Count == 0)
        {
            endLsn = options.InitialLsn;
            using (new FileStream(SegmentPath(directory, endLsn), FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0))
            {
            }

            DurableFile.FsyncDirectory(directory);
            segments.Add(endLsn);
        }
        else
        {
            endLsn = Recover(directory, segments, out recoveryMessage);
        }

        var current = new FileStream(SegmentPath(directory, segments[^1]), FileMode.Open, FileAccess.Write, FileShare.Read, bufferSize: 0);
        try
        {
            current.Seek(0, SeekOrigin.End);
            return new WriteAheadLog(directory, options, segments, current, endLsn, recoveryMessage);
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Buffers one record; nothing is written or fsynced until a flush (thread-safe). Returns the record's end LSN:
    /// pass it to <see cref="FlushAsync"/> before acknowledging what the record describes.
    /// </summary>
    /// <exception cref="ArgumentException">the payload is longer than <see cref="MaxPayloadLength"/>.</exception>
    /// <exception cref="IOException">an earlier write or fsync failed; the log is unusable until restart.</exception>
    /// <exception cref="ObjectDisposedException">the log was disposed.</exception>
    public ulong Append(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxPayloadLength)
        {
            throw new ArgumentException($"WAL record payload of {payload.Length} bytes exceeds the maximum of {MaxPayloadLength}", nameof(payload));
        }

        Span<byte> lengthField = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(lengthField, (uint)payload.Length);
        uint crc = RecordCrc(lengthField, payload);
        int recordLength = HeaderSize + payload.Length;

        lock (_gate)
        {
            ThrowIfUnusable();
            ulong lsn = _endLsn;
            if (lsn > _appendSegmentStart && lsn - _appendSegmentStart + (ulong)recordLength > (ulong)_options.SegmentSize)
            {
                _appendSegmentStart = lsn;
                _pendingSegmentStarts.Enqueue(lsn);
            }

            EnsureCapacity(recordLength);
            Span<byte> record = _buffer.AsSpan(_bufferLength, recordLength);
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)payload.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], crc);
            BinaryPrimitives.WriteUInt64LittleEndian(record[8..], lsn);
            payload.CopyTo(record[HeaderSize..]);
            _bufferLength += recordLength;
            _endLsn = lsn + (ulong)recordLength;

            if (_bufferLength >= _options.BackgroundFlushThreshold)
            {
                RequestFlushLocked(_endLsn);
            }

            return _endLsn;
        }
    }

    /// <summary>Appends one record and waits until it is durable; returns its end LSN.</summary>
    /// <exception cref="IOException">the write or fsync failed (now or earlier).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> fired; the record may still become durable.</exception>
    public async ValueTask<ulong> AppendAndFlushAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        ulong end = Append(payload.Span);
        await FlushAsync(end, ct);
        return end;
    }

    /// <summary>Flushes what is buffered, waits for the flusher to stop and closes the current segment.</summary>
    /// <exception cref="IOException">the final write or fsync failed.</exception>
    public async ValueTask DisposeAsync()
    {
        ulong end;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            end = _endLsn;
        }

        try
        {
            if (Volatile.Read(ref _failure) is null)
            {
                await FlushCoreAsync(end, CancellationToken.None);
            }
        }
        finally
        {
            Task flusher;
            lock (_gate)
            {
                flusher = _flusherTask;
            }

            await flusher;
            _segmentStream.Dispose();
            lock (_gate)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = [];
                if (_spare is not null)
                {
                    ArrayPool<byte>.Shared.Return(_spare);
                    _spare = null;
                }
            }
        }
    }

    internal static uint RecordCrc(ReadOnlySpan<byte> lengthField, ReadOnlySpan<byte> payload)
        => Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Seed, lengthField), payload));

    internal static string SegmentPath(string directory, ulong start)
        => Path.Combine(directory, start.ToString("X16", System.Globalization.CultureInfo.InvariantCulture) + SegmentExtension);

    private void ThrowIfUnusable()
    {
        if (_failure is not null)
        {
            throw new IOException("the write-ahead log is unusable after a failed write or fsync; restart the server to recover", _failure);
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
    }

    private void EnsureCapacity(int recordLength)
    {
        if (_buffer.Length - _bufferLength >= recordLength)
        {
            return;
        }

        long wanted = Math.Max((long)_buffer.Length * 2, (long)_bufferLength + recordLength);
        byte[] bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(wanted, Array.MaxLength));
        if (bigger.Length - _bufferLength < recordLength)
        {
            ArrayPool<byte>.Shared.Return(bigger);
            throw new InvalidOperationException($"WAL buffer cannot hold {recordLength} more bytes; flush more often");
        }

        _buffer.AsSpan(0, _bufferLength).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}

using System.Buffers;
using System.Diagnostics;

namespace AnnSql.Sql.Storage;

/// <summary>Group commit: one flusher, rounds of write + fsync shared by all waiters.</summary>
public sealed partial class WriteAheadLog
{
    // Guarded by _gate.
    private ulong _requestedLsn;
    private TaskCompletionSource? _inFlightRound;
    private ulong _inFlightEnd;
    private TaskCompletionSource? _nextRound;
    private bool _flusherActive;
    private Task _flusherTask = Task.CompletedTask;

    // Owned by the running flusher (or by Open/DisposeAsync when none runs).
    private FileStream _segmentStream;
    private bool _segmentDirty;
    private readonly List<ulong> _batchBoundaries = [];

    /// <summary>Test seam: runs before each segment fsync; throwing from it simulates a failed fsync.</summary>
    internal Action? BeforeFsync { get; set; }

    /// <summary>
    /// Returns once every record ending at or before <paramref name="upToLsn"/> is written and fsynced. Concurrent
    /// callers share one write + fsync (group commit); callers arriving during an fsync wait for the next round.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="upToLsn"/> is past <see cref="EndLsn"/>.</exception>
    /// <exception cref="IOException">the write or fsync failed (now or earlier); the log is unusable until restart.</exception>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="ct"/> fired. Only the wait is canceled: the round goes on, and the records may become durable.
    /// </exception>
    /// <exception cref="ObjectDisposedException">the log was disposed before the records were durable.</exception>
    public ValueTask FlushAsync(ulong upToLsn, CancellationToken ct)
    {
        if (Volatile.Read(ref _durableLsn) >= upToLsn)
        {
            return default;
        }

        lock (_gate)
        {
            if (_disposed && _durableLsn < upToLsn)
            {
                return ValueTask.FromException(new ObjectDisposedException(GetType().FullName));
            }
        }

        return FlushCoreAsync(upToLsn, ct);
    }

    private ValueTask FlushCoreAsync(ulong upToLsn, CancellationToken ct)
    {
        Task wait;
        lock (_gate)
        {
            if (_durableLsn >= upToLsn)
            {
                return default;
            }

            if (_failure is not null)
            {
                return ValueTask.FromException(
                    new IOException("the write-ahead log is unusable after a failed write or fsync; restart the server to recover", _failure));
            }

            ArgumentOutOfRangeException.ThrowIfGreaterThan(upToLsn, _endLsn);
            if (_inFlightRound is not null && upToLsn <= _inFlightEnd)
            {
                wait = _inFlightRound.Task;
            }
            else
            {
                _nextRound ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _nextRound.Task;
                RequestFlushLocked(upToLsn);
            }
        }

        return ct.CanBeCanceled ? new ValueTask(wait.WaitAsync(ct)) : new ValueTask(wait);
    }

    private void RequestFlushLocked(ulong upToLsn)
    {
        if (upToLsn > _requestedLsn)
        {
            _requestedLsn = upToLsn;
        }

        if (!_flusherActive)
        {
            _flusherActive = true;
            _flusherTask = Task.Run(FlushLoop);
        }
    }

    private void FlushLoop()
    {
        while (true)
        {
            byte[] batch;
            int batchLength;
            ulong batchStart;
            ulong batchEnd;
            TaskCompletionSource? round;
            lock (_gate)
            {
                if (_failure is not null || (_requestedLsn <= _durableLsn && _nextRound is null))
                {
                    _flusherActive = false;
                    return;
                }

                batch = _buffer;
                batchLength = _bufferLength;
                batchStart = _bufferStartLsn;
                batchEnd = _endLsn;
                _buffer = _spare ?? ArrayPool<byte>.Shared.Rent(InitialBufferSize);
                _spare = null;
                _bufferLength = 0;
                _bufferStartLsn = batchEnd;
                _batchBoundaries.Clear();
                while (_pendingSegmentStarts.Count > 0)
                {
                    _batchBoundaries.Add(_pendingSegmentStarts.Dequeue());
                }

                round = _nextRound;
                _nextRound = null;
                _inFlightRound = round;
                _inFlightEnd = batchEnd;
            }

            try
            {
                WriteBatch(batch.AsSpan(0, batchLength), batchStart);
            }
            catch (Exception ex)
            {
                TaskCompletionSource? next;
                lock (_gate)
                {
                    _failure = ex;
                    next = _nextRound;
                    _nextRound = null;
                    _inFlightRound = null;
                    _flusherActive = false;
                    ArrayPool<byte>.Shared.Return(batch);
                }

                round?.TrySetException(ex);
                next?.TrySetException(ex);
                return;
            }

            lock (_gate)
            {
                Volatile.Write(ref _durableLsn, batchEnd);
                _inFlightRound = null;
                if (_spare is null && batch.Length <= RetainedBufferLimit)
                {
                    _spare = batch;
                }
                else
                {
                    ArrayPool<byte>.Shared.Return(batch);
                }
            }

            round?.TrySetResult();
        }
    }

    /// <summary>Writes one batch, switching segments at the boundaries Append chose, and fsyncs what it touched.</summary>
    private void WriteBatch(ReadOnlySpan<byte> batch, ulong batchStart)
    {
        ulong position = batchStart;
        foreach (ulong boundary in _batchBoundaries)
        {
            int before = checked((int)(boundary - position));
            WriteToSegment(batch[..before]);
            batch = batch[before..];
            position = boundary;

            // The old segment is complete and durable before the next one exists, so recovery never finds a later
            // segment behind a torn one unless the disk itself damaged it.
            FsyncSegmentIfDirty();
            _segmentStream.Dispose();
            string path = SegmentPath(_directory, boundary);
            _segmentStream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
            lock (_gate)
            {
                _segments.Add(boundary);
            }

            DurableFile.FsyncDirectory(_directory);
        }

        WriteToSegment(batch);
        FsyncSegmentIfDirty();
    }

    private void WriteToSegment(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        _segmentStream.Write(bytes);
        _segmentDirty = true;
        Interlocked.Add(ref _bytesWritten, bytes.Length);
        StorageMetrics.WalBytes.Add(bytes.Length);
    }

    private void FsyncSegmentIfDirty()
    {
        if (!_segmentDirty)
        {
            return;
        }

        BeforeFsync?.Invoke();
        long started = Stopwatch.GetTimestamp();
        _segmentStream.Flush(flushToDisk: true);
        StorageMetrics.WalFsyncDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        Interlocked.Increment(ref _fsyncCount);
        _segmentDirty = false;
    }
}

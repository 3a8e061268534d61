using System.Globalization;

namespace AnnSql.Sql.Storage;

/// <summary>Recovery: finding the end of the log, reading it back, recycling old segments.</summary>
public sealed partial class WriteAheadLog
{
    /// <summary>
    /// Reads the records from <paramref name="startLsn"/> on, in order, up to <see cref="DurableLsn"/> as it is when
    /// this is called. <paramref name="startLsn"/> is normally the checkpoint's redo LSN (ARIES-style redo); records
    /// that start before it in its segment are skipped. Meant for recovery: each payload is a fresh array.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// <paramref name="startLsn"/> lies before <see cref="StartLsn"/> (that part of the log was recycled), or — while
    /// enumerating — a record that <see cref="Open"/> had validated is now damaged.
    /// </exception>
    public IEnumerable<WalRecord> ReadFrom(ulong startLsn)
    {
        ulong[] segments;
        ulong limit;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            segments = [.. _segments];
            limit = _durableLsn;
        }

        if (startLsn < segments[0])
        {
            throw new InvalidDataException(
                $"WAL from LSN {startLsn:X16} is no longer available: the oldest segment starts at {segments[0]:X16}");
        }

        int first = segments.Length - 1;
        while (segments[first] > startLsn)
        {
            first--;
        }

        return startLsn >= limit ? [] : Iterate(_directory, segments, first, startLsn, limit);
    }

    /// <summary>
    /// Deletes whole segments that end at or before <paramref name="lsn"/> (all their records are covered by a
    /// checkpoint whose redo LSN is <paramref name="lsn"/>), oldest first, fsyncing the directory after each so a
    /// crash can only leave a shorter prefix missing, never a hole. The segment being written is always kept.
    /// </summary>
    /// <exception cref="IOException">a segment could not be deleted.</exception>
    public void RecycleBefore(ulong lsn)
    {
        List<ulong> doomed = [];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int count = 0;
            while (count < _segments.Count - 1 && _segments[count + 1] <= lsn)
            {
                doomed.Add(_segments[count]);
                count++;
            }

            _segments.RemoveRange(0, count);
        }

        foreach (ulong start in doomed)
        {
            File.Delete(SegmentPath(_directory, start));
            DurableFile.FsyncDirectory(_directory);
        }
    }

    /// <summary>
    /// The segment files holding the log from <paramref name="startLsn"/> to <paramref name="endLsn"/> (a record boundary
    /// at or before <see cref="DurableLsn"/>), oldest first, each with its first LSN and the number of bytes of it that lie
    /// before <paramref name="endLsn"/>: a base backup copies that prefix, which later appends do not change.
    /// </summary>
    /// <exception cref="InvalidDataException"><paramref name="startLsn"/> lies before <see cref="StartLsn"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="endLsn"/> is past <see cref="DurableLsn"/> or before <paramref name="startLsn"/>.</exception>
    internal List<(string Path, ulong Start, long Length)> SegmentsBetween(ulong startLsn, ulong endLsn)
    {
        ulong[] segments;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            segments = [.. _segments];
            ArgumentOutOfRangeException.ThrowIfGreaterThan(endLsn, _durableLsn);
            ArgumentOutOfRangeException.ThrowIfLessThan(endLsn, startLsn);
        }

        if (startLsn < segments[0])
        {
            throw new InvalidDataException(
                $"WAL from LSN {startLsn:X16} is no longer available: the oldest segment starts at {segments[0]:X16}");
        }

        int first = segments.Length - 1;
        while (segments[first] > startLsn)
        {
            first--;
        }

        var result = new List<(string Path, ulong Start, long Length)>();
        for (int i = first; i < segments.Length && (i == first || segments[i] < endLsn); i++)
        {
            ulong stop = i + 1 < segments.Length ? Math.Min(segments[i + 1], endLsn) : endLsn;
            result.Add((SegmentPath(_directory, segments[i]), segments[i], (long)(stop - segments[i])));
        }

        return result;
    }

    private static IEnumerable<WalRecord> Iterate(string directory, ulong[] segments, int first, ulong startLsn, ulong limit)
    {
        for (int i = first; i < segments.Length; i++)
        {
            using var reader = new WalSegmentReader(SegmentPath(directory, segments[i]), segments[i]);
            while (true)
            {
                if (reader.Position >= limit)
                {
                    yield break;
                }

                WalReadStatus status = reader.Read();
                if (status == WalReadStatus.EndOfSegment)
                {
                    break;
                }

                if (status == WalReadStatus.Invalid)
                {
                    throw new InvalidDataException(
                        $"WAL record at LSN {reader.Position:X16} is damaged ({reader.InvalidReason}) although it was valid at startup");
                }

                if (reader.RecordLsn >= startLsn)
                {
                    yield return new WalRecord(reader.RecordLsn, reader.Payload.ToArray());
                }
            }
        }
    }

    private static List<ulong> ListSegments(string directory)
    {
        List<ulong> segments = [];
        foreach (string path in Directory.EnumerateFiles(directory, "*" + SegmentExtension))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            if (name.Length == 16 && ulong.TryParse(name, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong start))
            {
                segments.Add(start);
            }
        }

        segments.Sort();
        return segments;
    }

    /// <summary>
    /// Reads every segment to find the end of the log; discards everything from the first invalid record on.
    /// Returns the end LSN and leaves <paramref name="segments"/> holding the segments that remain.
    /// </summary>
    private static ulong Recover(string directory, List<ulong> segments, out string? message)
    {
        message = null;
        ulong expected = segments[0];
        for (int i = 0; i < segments.Count; i++)
        {
            ulong start = segments[i];
            if (start != expected)
            {
                throw new InvalidDataException(
                    $"WAL segment {SegmentPath(directory, start)} starts at LSN {start:X16} but the previous segment ends at {expected:X16}; " +
                    "a segment is missing or was truncated");
            }

            string path = SegmentPath(directory, start);
            WalReadStatus status;
            string? reason;
            using (var reader = new WalSegmentReader(path, start))
            {
                do
                {
                    status = reader.Read();
                }
                while (status == WalReadStatus.Record);

                expected = reader.Position;
                reason = reader.InvalidReason;
            }

            if (status == WalReadStatus.Invalid)
            {
                int later = segments.Count - i - 1;
                message = $"discarded invalid WAL tail at LSN {expected:X16} ({reason})" +
                    (later > 0 ? $" and {later} later segment(s)" : string.Empty);

                // Later segments go first (newest first), then the tail: a crash in between repeats the same
                // recovery instead of leaving a gap.
                for (int j = segments.Count - 1; j > i; j--)
                {
                    File.Delete(SegmentPath(directory, segments[j]));
                }

                segments.RemoveRange(i + 1, later);
                DurableFile.FsyncDirectory(directory);
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0))
                {
                    stream.SetLength((long)(expected - start));
                    stream.Flush(flushToDisk: true);
                }

                break;
            }
        }

        return expected;
    }
}

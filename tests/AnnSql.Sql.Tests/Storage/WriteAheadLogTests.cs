using AnnSql.Sql.Storage;
using Xunit.Abstractions;
using static AnnSql.Sql.Tests.Storage.WalTestData;

namespace AnnSql.Sql.Tests.Storage;

public sealed class WriteAheadLogTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Records_of_random_sizes_round_trip_across_segments_and_reopen()
    {
        const int Seed = 1234;
        using var dir = new TempDirectory();
        List<byte[]> payloads = RandomPayloads(Seed, 400, 1500);
        payloads.Insert(150, new byte[10_000]); // bigger than a segment: gets one of its own
        Random.Shared.NextBytes(payloads[150]);

        List<ulong> ends;
        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments))
        {
            Assert.Equal(1UL, wal.StartLsn);
            Assert.Equal(1UL, wal.EndLsn);
            ends = await AppendAllAsync(wal, payloads);
            Assert.Equal(wal.EndLsn, wal.DurableLsn);
            Assert.Equal(ends[^1], wal.EndLsn);
            AssertPayloads(payloads, ReadAll(wal), $"seed {Seed}, before reopen");
            Assert.Equal((long)(wal.EndLsn - 1), wal.BytesWritten);
        }

        string[] segments = SegmentFiles(dir.Path);
        Assert.True(segments.Length > 10, $"expected many segments, found {segments.Length}");
        for (int i = 0; i < segments.Length; i++)
        {
            long length = new FileInfo(segments[i]).Length;
            bool holdsOversized = SegmentStart(segments[i]) == ends[149];
            Assert.True(length <= 4096 || holdsOversized, $"segment {segments[i]} has {length} bytes");
            if (i + 1 < segments.Length)
            {
                Assert.Equal(SegmentStart(segments[i + 1]), SegmentStart(segments[i]) + (ulong)length);
            }
        }

        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments))
        {
            Assert.Null(wal.RecoveryMessage);
            Assert.Equal(ends[^1], wal.EndLsn);
            List<WalRecord> records = ReadAll(wal);
            AssertPayloads(payloads, records, $"seed {Seed}, after reopen");
            Assert.Equal(ends, records.Select(r => r.EndLsn).ToList());

            // Reading from the middle starts exactly at that record.
            List<WalRecord> tail = wal.ReadFrom(ends[199]).ToList();
            AssertPayloads(payloads[200..], tail, $"seed {Seed}, from record 200");
            Assert.Empty(wal.ReadFrom(wal.EndLsn));
        }
    }

    [Fact]
    public async Task A_torn_last_record_is_discarded_at_every_offset_and_appends_continue()
    {
        const int Seed = 77;
        using var dir = new TempDirectory();
        string original = dir.Combine("original");
        List<byte[]> payloads = RandomPayloads(Seed, 30, 600);
        payloads[^1] = new byte[90];
        new Random(Seed).NextBytes(payloads[^1]);
        await using (WriteAheadLog wal = WriteAheadLog.Open(original, SmallSegments))
        {
            await AppendAllAsync(wal, payloads);
        }

        string lastSegment = SegmentFiles(original)[^1];
        long fileLength = new FileInfo(lastSegment).Length;
        long recordOffset = fileLength - WriteAheadLog.HeaderSize - payloads[^1].Length;
        Assert.True(recordOffset >= 0);
        ulong recordLsn = SegmentStart(lastSegment) + (ulong)recordOffset;

        for (long cut = recordOffset; cut < fileLength; cut++)
        {
            string context = $"seed {Seed}, cut at byte {cut} of {fileLength} (record at {recordOffset})";
            string copy = dir.Combine("cut-" + cut);
            CopyDirectory(original, copy);
            using (var stream = new FileStream(Path.Combine(copy, Path.GetFileName(lastSegment)), FileMode.Open))
            {
                stream.SetLength(cut);
            }

            await using (WriteAheadLog wal = WriteAheadLog.Open(copy, SmallSegments))
            {
                Assert.Equal(recordLsn, wal.EndLsn);
                Assert.Equal(cut == recordOffset, wal.RecoveryMessage is null);
                AssertPayloads(payloads[..^1], ReadAll(wal), context);
                Assert.Equal(recordOffset, new FileInfo(Path.Combine(copy, Path.GetFileName(lastSegment))).Length);
                wal.Append("after-1"u8);
                await wal.AppendAndFlushAsync("after-2"u8.ToArray(), CancellationToken.None);
            }

            await using (WriteAheadLog wal = WriteAheadLog.Open(copy, SmallSegments))
            {
                Assert.Null(wal.RecoveryMessage);
                AssertPayloads([.. payloads[..^1], "after-1"u8.ToArray(), "after-2"u8.ToArray()], ReadAll(wal), context);
            }

            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public async Task A_torn_first_record_of_a_segment_leaves_an_empty_segment_to_append_to()
    {
        using var dir = new TempDirectory();
        byte[] big = new byte[5000];
        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments))
        {
            await AppendAllAsync(wal, [[1, 2, 3], big]);
        }

        string last = SegmentFiles(dir.Path)[^1];
        Assert.Equal(WriteAheadLog.HeaderSize + big.Length, new FileInfo(last).Length);
        foreach (long cut in new long[] { 4000, 9, 0 })
        {
            using (var stream = new FileStream(last, FileMode.Open))
            {
                stream.SetLength(cut);
            }

            await using WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments);
            Assert.Equal(SegmentStart(last), wal.EndLsn);
            AssertPayloads([[1, 2, 3]], ReadAll(wal), $"cut at {cut}");
        }

        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments))
        {
            await AppendAllAsync(wal, [[4]]);
        }

        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments))
        {
            AssertPayloads([[1, 2, 3], [4]], ReadAll(wal), "after append");
        }
    }

    [Theory]
    [InlineData(WriteAheadLog.HeaderSize + 3, "CRC32C")] // a payload bit
    [InlineData(0, "CRC32C")] // a length bit (covered by the CRC)
    [InlineData(9, "claims LSN")] // an LSN bit
    public async Task A_damaged_record_ends_the_log_before_it_and_later_segments_are_deleted(int byteInRecord, string reason)
    {
        const int Seed = 99;
        using var dir = new TempDirectory();
        List<byte[]> payloads = RandomPayloads(Seed, 60, 400);
        for (int i = 0; i < payloads.Count; i++)
        {
            payloads[i] = [.. payloads[i], 1, 2, 3, 4]; // at least 4 payload bytes
        }

        const int Damaged = 20;
        ulong damagedLsn;
        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments))
        {
            await AppendAllAsync(wal, payloads);
            damagedLsn = ReadAll(wal)[Damaged].Lsn;
        }

        string[] before = SegmentFiles(dir.Path);
        string segment = before.Last(s => SegmentStart(s) <= damagedLsn);
        using (var stream = new FileStream(segment, FileMode.Open))
        {
            stream.Position = (long)(damagedLsn - SegmentStart(segment)) + byteInRecord;
            int b = stream.ReadByte();
            stream.Position--;
            stream.WriteByte((byte)(b ^ 0x10));
        }

        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments))
        {
            Assert.Contains(reason, wal.RecoveryMessage, StringComparison.Ordinal);
            Assert.Equal(damagedLsn, wal.EndLsn);
            AssertPayloads(payloads[..Damaged], ReadAll(wal), $"seed {Seed}");
            Assert.Equal(segment, SegmentFiles(dir.Path)[^1]);
            Assert.True(before.Length > SegmentFiles(dir.Path).Length);
            await AppendAllAsync(wal, [[42]]);
        }

        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments))
        {
            AssertPayloads([.. payloads[..Damaged], [42]], ReadAll(wal), $"seed {Seed}, after append");
        }
    }

    [Fact]
    public async Task Concurrent_committers_share_fsyncs_and_every_record_is_durable()
    {
        const int Writers = 32;
        const int PerWriter = 100;
        using var dir = new TempDirectory();
        long fsyncs;
        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, new WalOptions()))
        {
            Task[] writers = new Task[Writers];
            for (int w = 0; w < Writers; w++)
            {
                int writer = w;
                writers[w] = Task.Run(async () =>
                {
                    for (int i = 0; i < PerWriter; i++)
                    {
                        byte[] payload = [(byte)writer, (byte)i, .. new byte[writer + i]];
                        ulong end = await wal.AppendAndFlushAsync(payload, CancellationToken.None);
                        Assert.True(wal.DurableLsn >= end);
                    }
                });
            }

            await Task.WhenAll(writers);
            fsyncs = wal.FsyncCount;
            Assert.Equal(wal.EndLsn, wal.DurableLsn);
        }

        output.WriteLine($"{fsyncs} fsyncs for {Writers * PerWriter} commits");
        Assert.True(fsyncs < Writers * PerWriter, $"{fsyncs} fsyncs for {Writers * PerWriter} commits");
        Assert.True(fsyncs > 0);

        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, new WalOptions()))
        {
            List<WalRecord> records = ReadAll(wal);
            Assert.Equal(Writers * PerWriter, records.Count);
            int[] next = new int[Writers];
            foreach (WalRecord record in records)
            {
                byte[] payload = record.Payload.ToArray();
                int writer = payload[0];
                Assert.Equal(next[writer], payload[1]);
                Assert.Equal(2 + writer + payload[1], payload.Length);
                next[writer]++;
            }

            Assert.All(next, n => Assert.Equal(PerWriter, n));
        }
    }

    [Fact]
    public async Task RecycleBefore_deletes_only_whole_segments_that_end_by_the_lsn()
    {
        using var dir = new TempDirectory();
        List<byte[]> payloads = RandomPayloads(5, 200, 500);
        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments))
        {
            await AppendAllAsync(wal, payloads);
            ulong[] starts = SegmentFiles(dir.Path).Select(SegmentStart).ToArray();
            Assert.True(starts.Length >= 6);

            wal.RecycleBefore(starts[3] - 1); // segment 2 ends at starts[3]: kept
            Assert.Equal(starts[2..], SegmentFiles(dir.Path).Select(SegmentStart).ToArray());
            Assert.Equal(starts[2], wal.StartLsn);

            wal.RecycleBefore(starts[3] + 1); // inside segment 3: segment 2 goes, 3 stays
            Assert.Equal(starts[3..], SegmentFiles(dir.Path).Select(SegmentStart).ToArray());
            Assert.Throws<InvalidDataException>(() => wal.ReadFrom(starts[0]));

            List<WalRecord> fromThree = wal.ReadFrom(starts[3]).ToList();
            Assert.Equal(starts[3], fromThree[0].Lsn);

            wal.RecycleBefore(ulong.MaxValue); // the segment being written is never deleted
            Assert.Single(SegmentFiles(dir.Path));
            await AppendAllAsync(wal, [[7, 7]]);
        }

        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments))
        {
            List<WalRecord> records = ReadAll(wal);
            Assert.Equal([7, 7], records[^1].Payload.ToArray());
        }
    }

    [Fact]
    public async Task A_new_log_starts_at_the_initial_lsn()
    {
        using var dir = new TempDirectory();
        await using WriteAheadLog wal = WriteAheadLog.Open(dir.Path, new WalOptions { InitialLsn = 0x1000 });
        Assert.Equal(0x1000UL, wal.EndLsn);
        ulong end = await wal.AppendAndFlushAsync(new byte[10], CancellationToken.None);
        Assert.Equal(0x1000UL + WriteAheadLog.HeaderSize + 10, end);
        Assert.True(File.Exists(Path.Combine(dir.Path, "0000000000001000.wal")));
    }

    [Fact]
    public async Task Misuse_is_rejected()
    {
        using var dir = new TempDirectory();
        WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments);
        ulong end = wal.Append([1]);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await wal.FlushAsync(end + 1, CancellationToken.None));
        await wal.FlushAsync(end, CancellationToken.None);
        await wal.FlushAsync(end, CancellationToken.None); // already durable
        await wal.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => wal.Append([2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => WriteAheadLog.Open(dir.Path, new WalOptions { SegmentSize = 100 }));
    }

    [Fact]
    public async Task Dispose_makes_unflushed_appends_durable()
    {
        using var dir = new TempDirectory();
        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments))
        {
            wal.Append([1]);
            wal.Append([2]);
        }

        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments))
        {
            AssertPayloads([[1], [2]], ReadAll(wal), "after dispose");
        }
    }

    [Fact]
    public async Task A_large_unflushed_buffer_is_written_in_the_background()
    {
        using var dir = new TempDirectory();
        await using WriteAheadLog wal = WriteAheadLog.Open(dir.Path, new WalOptions { BackgroundFlushThreshold = 1024 });
        ulong start = wal.DurableLsn;
        for (int i = 0; i < 100; i++)
        {
            wal.Append(new byte[100]);
        }

        for (int attempt = 0; attempt < 500 && wal.DurableLsn == start; attempt++)
        {
            await Task.Delay(10);
        }

        Assert.True(wal.DurableLsn > start, "no background flush happened");
    }

    [Fact]
    public async Task A_missing_middle_segment_is_reported_not_papered_over()
    {
        using var dir = new TempDirectory();
        await using (WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments))
        {
            await AppendAllAsync(wal, RandomPayloads(3, 50, 500));
        }

        string[] segments = SegmentFiles(dir.Path);
        File.Delete(segments[1]);
        var ex = Assert.Throws<InvalidDataException>(() => WriteAheadLog.Open(dir.Path, SmallSegments));
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
        Assert.Equal(segments.Length - 1, SegmentFiles(dir.Path).Length);
    }

    [Fact]
    public async Task A_failed_fsync_fails_every_waiter_and_makes_the_log_unusable()
    {
        using var dir = new TempDirectory();
        await using WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments);
        await wal.AppendAndFlushAsync(new byte[] { 1 }, CancellationToken.None);
        var failure = new IOException("simulated EIO");
        wal.BeforeFsync = () => throw failure;

        Task<ulong>[] commits = Enumerable.Range(0, 8)
            .Select(i => wal.AppendAndFlushAsync(new byte[] { (byte)i }, CancellationToken.None).AsTask())
            .ToArray();
        foreach (Task<ulong> commit in commits)
        {
            Assert.Same(failure, await Assert.ThrowsAsync<IOException>(() => commit));
        }

        var append = Assert.Throws<IOException>(() => wal.Append([2]));
        Assert.Same(failure, append.InnerException);
        Assert.Contains("unusable", append.Message, StringComparison.Ordinal);
        var flush = await Assert.ThrowsAsync<IOException>(async () => await wal.FlushAsync(wal.EndLsn, CancellationToken.None));
        Assert.Same(failure, flush.InnerException);
    }

    [Fact]
    public async Task Canceling_a_wait_does_not_cancel_the_flush()
    {
        using var dir = new TempDirectory();
        await using WriteAheadLog wal = WriteAheadLog.Open(dir.Path, SmallSegments);
        using var release = new ManualResetEventSlim();
        wal.BeforeFsync = () => release.Wait();
        ulong end = wal.Append([1]);
        using var cts = new CancellationTokenSource();
        ValueTask wait = wal.FlushAsync(end, cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await wait);
        release.Set();
        await wal.FlushAsync(end, CancellationToken.None);
        Assert.Equal(end, wal.DurableLsn);
    }
}

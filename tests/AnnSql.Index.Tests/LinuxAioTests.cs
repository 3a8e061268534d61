using System.Runtime.InteropServices;
using AnnSql.Index.Disk;
using Microsoft.Win32.SafeHandles;
using Xunit.Abstractions;

namespace AnnSql.Index.Tests;

/// <summary>
/// Linux native AIO batches against pread(2) on the same file, with and without O_DIRECT: the bytes of every read, a
/// short read at the end of the file, and reuse of one context for many batches. Where the platform has no AIO the test
/// says so and checks that nothing was created.
/// </summary>
public sealed unsafe class LinuxAioTests(ITestOutputHelper output) : IDisposable
{
    private const int Sector = DiskIndex.SectorBytes;
    private const int Sectors = 64;

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"annsql-aio-{Guid.NewGuid():N}.bin");

    [Fact]
    public void A_batch_reads_the_bytes_pread_reads_and_a_short_read_is_a_truncated_file()
    {
        byte[] contents = new byte[Sectors * Sector];
        new Random(7).NextBytes(contents);
        File.WriteAllBytes(_path, contents);

        using LinuxAio? aio = LinuxAio.TryCreate(8);
        if (aio is null)
        {
            output.WriteLine($"no Linux AIO on {Environment.OSVersion} ({RuntimeInformation.ProcessArchitecture}): beam reads fall back to one after another");
            Assert.False(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64);
            return;
        }

        Assert.Equal(8, aio.Capacity);
        foreach (bool directIo in new[] { true, false })
        {
            using SafeFileHandle handle = DiskIndex.OpenHandle(_path, directIo, out bool direct);
            output.WriteLine($"O_DIRECT requested {directIo}, in effect {direct}");
            byte* buffer = (byte*)NativeMemory.AlignedAlloc(8 * Sector, Sector);
            try
            {
                var random = new Random(11);
                for (int batch = 0; batch < 50; batch++)
                {
                    int reads = 1 + random.Next(8);
                    int[] sectors = new int[reads];
                    for (int i = 0; i < reads; i++)
                    {
                        sectors[i] = random.Next(Sectors);
                        aio.Add(handle, buffer + (i * Sector), Sector, (long)sectors[i] * Sector);
                    }

                    aio.ReadAll();
                    for (int i = 0; i < reads; i++)
                    {
                        Assert.True(
                            new ReadOnlySpan<byte>(buffer + (i * Sector), Sector).SequenceEqual(contents.AsSpan(sectors[i] * Sector, Sector)),
                            $"batch {batch}, read {i} of sector {sectors[i]}");
                    }
                }

                // The last sector and one past the end: the second comes back empty, a truncated file.
                aio.Add(handle, buffer, Sector, (long)(Sectors - 1) * Sector);
                aio.Add(handle, buffer + Sector, Sector, (long)Sectors * Sector);
                Assert.Throws<InvalidDataException>(aio.ReadAll);
                Assert.True(new ReadOnlySpan<byte>(buffer, Sector).SequenceEqual(contents.AsSpan((Sectors - 1) * Sector, Sector)));

                // The context is still usable after a failed batch.
                aio.Add(handle, buffer, Sector, 0);
                aio.ReadAll();
                Assert.True(new ReadOnlySpan<byte>(buffer, Sector).SequenceEqual(contents.AsSpan(0, Sector)));
            }
            finally
            {
                NativeMemory.AlignedFree(buffer);
            }
        }

        using (SafeFileHandle handle = DiskIndex.OpenHandle(_path, directIo: false, out _))
        {
            byte[] managed = new byte[9 * Sector];
            fixed (byte* buffer = managed)
            {
                for (int i = 0; i < 8; i++)
                {
                    aio.Add(handle, buffer + (i * Sector), Sector, (long)i * Sector);
                }

                byte* ninth = buffer + (8 * Sector);
                Assert.Throws<InvalidOperationException>(() => aio.Add(handle, ninth, Sector, 8L * Sector));
                aio.ReadAll();
            }

            Assert.True(managed.AsSpan(0, 8 * Sector).SequenceEqual(contents.AsSpan(0, 8 * Sector)));
        }
    }

    public void Dispose() => File.Delete(_path);
}

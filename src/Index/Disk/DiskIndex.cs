using System.Buffers.Binary;
using System.Runtime.InteropServices;
using AnnSql.Index.Distance;
using AnnSql.Index.Quantization;
using AnnSql.Index.Vamana;
using Microsoft.Win32.SafeHandles;

namespace AnnSql.Index.Disk;

/// <summary>
/// An SSD-resident Vamana index (DiskANN, Subramanya et al., NeurIPS 2019, §3): the graph and the full-precision vectors
/// live in one file of 4 KiB sectors, one record per node (vector, degree, neighbour ids); only the PQ codes, the
/// codebooks, a cache of hot nodes and the tombstones are in memory. Search is beam search over PQ distances reading the
/// expanded nodes' sectors, re-ranked with the full-precision vectors just read.
/// </summary>
/// <remarks>
/// File: sector 0 is the header; node i's record starts in sector 1 + i / NodesPerSector at offset
/// (i mod NodesPerSector) × record bytes when a record fits in a sector, otherwise at sector 1 + i × SectorsPerNode; the
/// tail section after the last node sector holds the quantizer, the codes and the free slots. Opening reads the header
/// and the tail only. Reads use RandomAccess on 4 KiB-aligned buffers, with O_DIRECT where the file system allows it.
/// Searches, <see cref="ReadNode"/> and <see cref="Delete"/> are safe to run concurrently.
/// A record is float32[Dimensions], uint32 degree, uint32[R] neighbour ids (the first degree of them used), all
/// little-endian; <see cref="DiskIndexWriter"/> documents the tail.
/// </remarks>
public sealed partial class DiskIndex : IDisposable
{
    /// <summary>Bytes of a sector: the unit of layout and of reads.</summary>
    public const int SectorBytes = 4096;

    private readonly string _path;
    private readonly SafeFileHandle _handle;
    private readonly bool _directIo;
    private readonly DiskIndexHeader _header;
    private readonly long _fileBytes;
    private readonly ProductQuantizer _quantizer;
    private readonly byte[] _codes;
    private readonly ulong[] _deleted;
    private readonly ulong[] _free;
    private readonly int _freeCount;
    private readonly DiskSearchScratch?[] _scratchPool;
    private int _deletedCount;
    private NodeCache? _cache;

    /// <summary>References keeping the file open: the owner's (dropped by Dispose) plus one per reader.</summary>
    private int _references = 1;
    private int _disposed;

    private DiskIndex(
        string path, SafeFileHandle handle, bool directIo, DiskIndexHeader header, long fileBytes, ProductQuantizer quantizer,
        byte[] codes, ulong[] free, int freeCount)
    {
        _path = path;
        _handle = handle;
        _directIo = directIo;
        _header = header;
        _fileBytes = fileBytes;
        _quantizer = quantizer;
        _codes = codes;
        _free = free;
        _freeCount = freeCount;
        _deleted = new ulong[free.Length];
        _scratchPool = new DiskSearchScratch?[Math.Max(Environment.ProcessorCount, 4)];
    }

    /// <summary>
    /// Opens the index file at <paramref name="path"/>, reading its header sector and tail section (quantizer, codes, free
    /// slots), not the node records. With <paramref name="directIo"/> the file is opened with O_DIRECT when the file
    /// system accepts it (<see cref="DirectIo"/> says whether it did).
    /// </summary>
    /// <exception cref="InvalidDataException">Not an index file, an unknown version, a truncated file or a bad checksum.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    /// <exception cref="PlatformNotSupportedException">A big-endian machine (records are read in place).</exception>
    public static DiskIndex Open(string path, bool directIo = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the disk index file is read in place and needs a little-endian machine");
        }

        string fullPath = System.IO.Path.GetFullPath(path);
        using AlignedBuffer sector = new(SectorBytes);
        SafeFileHandle handle = OpenHandle(fullPath, directIo, out bool direct);
        try
        {
            long fileBytes = RandomAccess.GetLength(handle);
            if (fileBytes < SectorBytes)
            {
                throw DiskIndexHeader.Invalid($"truncated: {fileBytes} bytes is less than the header sector");
            }

            if (!direct || !TryReadHeaderSector(handle, sector.Span))
            {
                if (direct)
                {
                    // The file system took O_DIRECT at open but refuses the reads (some FUSE and overlay file systems).
                    handle.Dispose();
                    handle = OpenHandle(fullPath, directIo: false, out direct);
                }

                ReadExactly(handle, sector.Span, 0);
            }

            DiskIndexHeader header = DiskIndexHeader.Read(sector.Span);
            long end = header.TailOffset + DiskIndexHeader.RoundUpToSector(header.TailLength);
            if (fileBytes < end)
            {
                throw DiskIndexHeader.Invalid($"truncated: {fileBytes} bytes, the header describes {end}");
            }

            (ProductQuantizer quantizer, byte[] codes, ulong[] free, int freeCount) = ReadTail(handle, header);
            return new DiskIndex(fullPath, handle, direct, header, fileBytes, quantizer, codes, free, freeCount);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The file's path.</summary>
    public string Path => _path;

    /// <summary>The metric of the graph and of the full-precision distances.</summary>
    public Metric Metric => _header.Metric;

    /// <summary>Vector dimensions.</summary>
    public int Dimensions => _header.Dimensions;

    /// <summary>R, the largest out-degree a record has room for.</summary>
    public int MaxDegree => _header.MaxDegree;

    /// <summary>Node slots (ids 0..Count-1), free ones included.</summary>
    public int Count => _header.Count;

    /// <summary>The search start point.</summary>
    public uint Medoid => _header.Medoid;

    /// <summary>The codebooks the codes were made with.</summary>
    public ProductQuantizer Quantizer => _quantizer;

    /// <summary>Whether reads bypass the page cache (O_DIRECT).</summary>
    public bool DirectIo => _directIo;

    /// <summary>Nodes per 4 KiB sector (0 when one node spans several sectors).</summary>
    public int NodesPerSector => _header.NodesPerSector;

    /// <summary>Sectors one node record spans (1 when several nodes share a sector).</summary>
    public int SectorsPerNode => _header.SectorsPerNode;

    /// <summary>Bytes of one node record: Dimensions × 4 + 4 + R × 4.</summary>
    public int RecordBytes => _header.RecordBytes;

    /// <summary>Bytes of the file.</summary>
    public long FileBytes => _fileBytes;

    /// <summary>Free slots (written with <see cref="DiskIndexWriter.AppendFree"/>).</summary>
    public int FreeCount => _freeCount;

    /// <summary>Tombstoned nodes.</summary>
    public int DeletedCount => Volatile.Read(ref _deletedCount);

    /// <summary>Nodes neither free nor tombstoned.</summary>
    public int LiveCount => Count - FreeCount - DeletedCount;

    /// <summary>Nodes in the hot-node cache.</summary>
    public int CachedNodes => Volatile.Read(ref _cache)?.Count ?? 0;

    /// <summary>Resident bytes: codebooks, codes, the cache, the tombstone and free-slot bitmaps (not the OS page cache).</summary>
    public long MemoryBytes =>
        _quantizer.MemoryBytes + _codes.LongLength + (Volatile.Read(ref _cache)?.MemoryBytes ?? 0)
        + (((long)_deleted.Length + _free.Length) * sizeof(ulong));

    /// <summary>The PQ code of node <paramref name="id"/> (Quantizer.Chunks bytes).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not below <see cref="Count"/>.</exception>
    public ReadOnlySpan<byte> Code(uint id)
    {
        CheckId(id);
        return _codes.AsSpan((int)id * _header.Chunks, _header.Chunks);
    }

    /// <summary>All codes, row-major (Count × Chunks bytes), for <see cref="ProductQuantizer.Distances"/>.</summary>
    public ReadOnlySpan<byte> Codes => _codes;

    /// <summary>Whether slot <paramref name="id"/> is free.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not below <see cref="Count"/>.</exception>
    public bool IsFree(uint id)
    {
        CheckId(id);
        return IsSet(_free, id);
    }

    /// <summary>
    /// Tombstones node <paramref name="id"/>: searches still pass through it but never return it. Idempotent; a free slot
    /// is left as it is (it holds no point). Lock-free (an atomic OR on the bitmap word).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not below <see cref="Count"/>.</exception>
    public void Delete(uint id)
    {
        CheckId(id);
        if (IsSet(_free, id))
        {
            return;
        }

        ulong mask = 1UL << (int)(id & 63);
        ulong before = Interlocked.Or(ref _deleted[id >> 6], mask);
        if ((before & mask) == 0)
        {
            Interlocked.Increment(ref _deletedCount);
        }
    }

    /// <summary>Whether node <paramref name="id"/> is tombstoned.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not below <see cref="Count"/>.</exception>
    public bool IsDeleted(uint id)
    {
        CheckId(id);
        return IsSet(_deleted, id);
    }

    /// <summary>
    /// Reads node <paramref name="id"/>'s record (cache or file): its vector into <paramref name="vector"/> (Dimensions
    /// floats) and its neighbours into <paramref name="neighbors"/> (room for MaxDegree); returns the degree.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not below <see cref="Count"/>.</exception>
    /// <exception cref="ArgumentException">A vector span shorter than Dimensions or a neighbour span shorter than the degree.</exception>
    /// <exception cref="InvalidDataException">The record is damaged (a degree above R or a neighbour id out of range).</exception>
    /// <exception cref="ObjectDisposedException">The index was disposed.</exception>
    public int ReadNode(uint id, Span<float> vector, Span<uint> neighbors)
    {
        CheckId(id);
        if (vector.Length < Dimensions)
        {
            throw new ArgumentException($"room for {vector.Length} floats, the vectors have {Dimensions} dimensions", nameof(vector));
        }

        AcquireOrThrow();
        DiskSearchScratch? scratch = null;
        try
        {
            NodeCache? cache = Volatile.Read(ref _cache);
            ReadOnlySpan<byte> record = cache is null ? default : cache.Find(id);
            if (record.IsEmpty)
            {
                scratch = RentScratch();
                Span<byte> buffer = scratch.EnsureBeam(1, MaxDegree);
                ReadExactly(_handle, buffer, _header.NodeSectorOffset(id));
                record = buffer.Slice(_header.OffsetInSector(id), _header.RecordBytes);
            }

            ReadOnlySpan<uint> recordNeighbors = NeighborsOf(record);
            if (neighbors.Length < recordNeighbors.Length)
            {
                throw new ArgumentException(
                    $"room for {neighbors.Length} neighbours, node {id} has {recordNeighbors.Length}", nameof(neighbors));
            }

            VectorOf(record).CopyTo(vector);
            recordNeighbors.CopyTo(neighbors);
            return recordNeighbors.Length;
        }
        finally
        {
            if (scratch is not null)
            {
                ReturnScratch(scratch);
            }

            Release();
        }
    }

    /// <summary>
    /// Takes a reference that keeps the file open until <see cref="Release"/>: false once <see cref="Dispose"/> ran. Callers
    /// that may race a Dispose (a scan holding an index generation that a merge replaces) search between the two.
    /// </summary>
    public bool TryAcquire()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        return TryAddReference();
    }

    /// <summary>Drops a reference taken by <see cref="TryAcquire"/>; the last one after Dispose closes the file.</summary>
    /// <exception cref="InvalidOperationException">More releases than references.</exception>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            Close();
        }
        else if (left < 0)
        {
            Interlocked.Increment(ref _references);
            throw new InvalidOperationException("the disk index was released more times than it was acquired");
        }
    }

    /// <summary>Closes the file once no reference is held; later searches throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> for random reads, with O_DIRECT when <paramref name="directIo"/> and the file system
    /// accepts it (<paramref name="direct"/> says whether the handle has it), otherwise buffered.
    /// </summary>
    internal static SafeFileHandle OpenHandle(string path, bool directIo, out bool direct)
    {
        const FileShare Share = FileShare.Read | FileShare.Delete;
        SafeFileHandle? handle = directIo ? DirectFile.TryOpen(path, Share) : null;
        direct = handle is not null;
        return handle ?? File.OpenHandle(path, FileMode.Open, FileAccess.Read, Share, FileOptions.RandomAccess);
    }

    /// <summary>Reads <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>; a short read is a truncated file.</summary>
    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        int read = RandomAccess.Read(handle, buffer, offset);
        if (read != buffer.Length)
        {
            ThrowTruncated(offset, buffer.Length, read);
        }
    }

    private static void ThrowTruncated(long offset, int length, int read) =>
        throw DiskIndexHeader.Invalid($"truncated: {length} bytes at offset {offset} read as {read}");

    /// <summary>Reads sector 0 through an O_DIRECT handle; false when the file system refuses the read.</summary>
    private static bool TryReadHeaderSector(SafeFileHandle handle, Span<byte> sector)
    {
        try
        {
            ReadExactly(handle, sector, 0);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Reads and checks the tail section: the quantizer, the codes and the free slots, under the tail's CRC.</summary>
    private static (ProductQuantizer Quantizer, byte[] Codes, ulong[] Free, int FreeCount) ReadTail(
        SafeFileHandle handle, DiskIndexHeader header)
    {
        using SectorReadStream stream = new(handle, header.TailOffset, header.TailLength);
        VamanaFileReader reader = new(stream);
        long left = header.TailLength - sizeof(uint);

        // The reader's checksum covers the bytes it pulled, so the CRC itself is declared only once the rest is read.
        reader.Declare(left);

        int quantizerBytes = reader.ReadInt32();
        left -= sizeof(int);
        long codeBytes = (long)header.Count * header.Chunks;
        if (quantizerBytes < 0 || quantizerBytes + codeBytes + sizeof(int) > left)
        {
            throw DiskIndexHeader.Invalid(
                $"tail of {header.TailLength} bytes cannot hold {quantizerBytes} quantizer bytes and {codeBytes} code bytes");
        }

        byte[] quantizerImage = new byte[quantizerBytes];
        reader.ReadBytes(quantizerImage);
        byte[] codes = new byte[codeBytes];
        reader.ReadBytes(codes);
        int freeCount = reader.ReadInt32();
        left -= quantizerBytes + codeBytes + sizeof(int);
        if (freeCount < 0 || freeCount > header.Count || (long)freeCount * sizeof(uint) != left)
        {
            throw DiskIndexHeader.Invalid($"{freeCount} free slots do not fit the {left} bytes left in the tail");
        }

        uint[] freeIds = new uint[freeCount];
        reader.ReadUInt32s(freeIds);
        uint computed = reader.Checksum;
        reader.Declare(sizeof(uint));
        uint stored = reader.ReadUInt32();
        if (stored != computed)
        {
            throw DiskIndexHeader.Invalid($"tail checksum {stored:x8} does not match {computed:x8}");
        }

        ProductQuantizer quantizer;
        try
        {
            quantizer = ProductQuantizer.Load(new MemoryStream(quantizerImage, writable: false));
        }
        catch (EndOfStreamException e)
        {
            throw DiskIndexHeader.Invalid($"truncated quantizer: {e.Message}");
        }

        if (quantizer.Dimensions != header.Dimensions || quantizer.Chunks != header.Chunks || quantizer.Metric != header.Metric)
        {
            throw DiskIndexHeader.Invalid(
                $"the quantizer ({quantizer.Dimensions} dimensions, {quantizer.Chunks} chunks, {quantizer.Metric}) does not match "
                + $"the header ({header.Dimensions}, {header.Chunks}, {header.Metric})");
        }

        ulong[] free = new ulong[(header.Count + 63) / 64];
        foreach (uint id in freeIds)
        {
            if (id >= (uint)header.Count || IsSet(free, id))
            {
                throw DiskIndexHeader.Invalid($"free slot {id} is out of range or listed twice");
            }

            free[id >> 6] |= 1UL << (int)(id & 63);
        }

        return (quantizer, codes, free, freeCount);
    }

    private static bool IsSet(ulong[] bitmap, uint id) => (Volatile.Read(ref bitmap[id >> 6]) & (1UL << (int)(id & 63))) != 0;

    private void CheckId(uint id)
    {
        if (id >= (uint)_header.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"the index has {_header.Count} node slots");
        }
    }

    /// <summary>The vector of a record.</summary>
    private ReadOnlySpan<float> VectorOf(ReadOnlySpan<byte> record) =>
        MemoryMarshal.Cast<byte, float>(record[..(_header.Dimensions * sizeof(float))]);

    /// <summary>The neighbour ids of a record, checked against R and Count.</summary>
    private ReadOnlySpan<uint> NeighborsOf(ReadOnlySpan<byte> record)
    {
        int at = _header.Dimensions * sizeof(float);
        uint degree = BinaryPrimitives.ReadUInt32LittleEndian(record[at..]);
        if (degree > (uint)_header.MaxDegree)
        {
            ThrowDamagedRecord(degree);
        }

        ReadOnlySpan<uint> neighbors = MemoryMarshal.Cast<byte, uint>(record.Slice(at + sizeof(uint), (int)degree * sizeof(uint)));
        uint count = (uint)_header.Count;
        foreach (uint neighbor in neighbors)
        {
            if (neighbor >= count)
            {
                ThrowDamagedRecord(neighbor);
            }
        }

        return neighbors;
    }

    private static void ThrowDamagedRecord(uint value) =>
        throw DiskIndexHeader.Invalid($"damaged node record (degree or neighbour id {value} out of range)");

    /// <summary>Adds a reader's reference while the file is still open (even after Dispose, while another reference holds it).</summary>
    private bool TryAddReference()
    {
        int references = Volatile.Read(ref _references);
        while (references > 0)
        {
            int seen = Interlocked.CompareExchange(ref _references, references + 1, references);
            if (seen == references)
            {
                return true;
            }

            references = seen;
        }

        return false;
    }

    private void AcquireOrThrow()
    {
        if (!TryAddReference())
        {
            ThrowDisposed();
        }
    }

    private void ThrowDisposed() => throw new ObjectDisposedException(nameof(DiskIndex), $"the disk index {_path} was disposed");

    private DiskSearchScratch RentScratch()
    {
        DiskSearchScratch?[] pool = _scratchPool;
        for (int i = 0; i < pool.Length; i++)
        {
            DiskSearchScratch? scratch = Interlocked.Exchange(ref pool[i], null);
            if (scratch is not null)
            {
                return scratch;
            }
        }

        return new DiskSearchScratch(_quantizer.TableLength, _header.NodeReadBytes, _directIo);
    }

    private void ReturnScratch(DiskSearchScratch scratch)
    {
        DiskSearchScratch?[] pool = _scratchPool;
        for (int i = 0; i < pool.Length; i++)
        {
            if (Interlocked.CompareExchange(ref pool[i], scratch, null) is null)
            {
                return;
            }
        }

        scratch.Dispose();
    }

    /// <summary>Runs once, when the last reference goes: closes the file and frees the pooled read buffers.</summary>
    private void Close()
    {
        _handle.Dispose();
        DiskSearchScratch?[] pool = _scratchPool;
        for (int i = 0; i < pool.Length; i++)
        {
            Interlocked.Exchange(ref pool[i], null)?.Dispose();
        }

        Volatile.Write(ref _cache, null);
    }
}

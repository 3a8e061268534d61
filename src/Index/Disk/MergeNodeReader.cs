using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AnnSql.Index.Disk;

/// <summary>
/// Reads a <see cref="DiskIndex"/> file's node records sequentially, a run of consecutive nodes at a time with one read of
/// the sectors they span, for the passes of StreamingMerge that stream a whole file in id order (FreshDiskANN, arXiv
/// 2105.09613, §5). It has its own handle on the file, through the page cache with read-ahead: one large sequential read
/// per batch instead of one sector read per node.
/// </summary>
/// <remarks>
/// Follows the layout <see cref="DiskIndex"/> documents: sector 0 is the header; node i's record starts in sector
/// 1 + i / NodesPerSector at offset (i mod NodesPerSector) × record bytes, or in sector 1 + i × SectorsPerNode for records
/// larger than a sector; a record is float32[Dimensions], uint32 degree, uint32[R] neighbour ids, little-endian.
/// <see cref="Load"/> runs on one thread; then <see cref="Read"/> may run on several.
/// </remarks>
internal sealed class MergeNodeReader : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly int _count;
    private readonly int _dimensions;
    private readonly int _maxDegree;
    private readonly int _recordBytes;
    private readonly int _nodesPerSector;
    private readonly int _sectorsPerNode;
    private byte[] _buffer = [];
    private int _first;
    private int _loaded;
    private long _bufferOffset;

    /// <summary>Opens <paramref name="index"/>'s file for sequential reading.</summary>
    public MergeNodeReader(DiskIndex index)
    {
        _count = index.Count;
        _dimensions = index.Dimensions;
        _maxDegree = index.MaxDegree;
        _recordBytes = (_dimensions * sizeof(float)) + sizeof(uint) + (_maxDegree * sizeof(uint));
        _nodesPerSector = index.NodesPerSector;
        _sectorsPerNode = index.SectorsPerNode;
        _handle = File.OpenHandle(
            index.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.SequentialScan);
    }

    /// <summary>Node slots of the file.</summary>
    public int Count => _count;

    /// <summary>
    /// Reads the records of nodes <paramref name="first"/>..<paramref name="first"/> + <paramref name="count"/> - 1 into
    /// memory, replacing the previous run.
    /// </summary>
    /// <exception cref="InvalidDataException">The file ends before the run's last record.</exception>
    public void Load(int first, int count)
    {
        _first = first;
        _loaded = count;
        if (count == 0)
        {
            return;
        }

        _bufferOffset = RecordOffset(first);
        long end = RecordOffset(first + count - 1) + _recordBytes;
        int bytes = checked((int)(end - _bufferOffset));
        if (_buffer.Length < bytes)
        {
            _buffer = new byte[bytes];
        }

        int done = 0;
        while (done < bytes)
        {
            int read = RandomAccess.Read(_handle, _buffer.AsSpan(done, bytes - done), _bufferOffset + done);
            if (read == 0)
            {
                throw new InvalidDataException($"index file truncated: nodes {first}..{first + count - 1} end at byte {end}");
            }

            done += read;
        }
    }

    /// <summary>
    /// Copies loaded node <paramref name="id"/>'s vector into <paramref name="vector"/> (Dimensions floats) and its
    /// out-neighbours into <paramref name="neighbors"/> (room for R); returns the degree.
    /// </summary>
    /// <exception cref="InvalidDataException">A degree above R or a neighbour id beyond the node count.</exception>
    public int Read(uint id, Span<float> vector, Span<uint> neighbors)
    {
        if (id < (uint)_first || id - (uint)_first >= (uint)_loaded)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"nodes {_first}..{_first + _loaded - 1} are loaded");
        }

        ReadOnlySpan<byte> record = _buffer.AsSpan((int)(RecordOffset((int)id) - _bufferOffset), _recordBytes);
        int vectorBytes = _dimensions * sizeof(float);
        ReadOnlySpan<byte> vectorBytesSpan = record[..vectorBytes];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(vectorBytesSpan).CopyTo(vector);
        }
        else
        {
            for (int d = 0; d < _dimensions; d++)
            {
                vector[d] = BinaryPrimitives.ReadSingleLittleEndian(vectorBytesSpan[(d * sizeof(float))..]);
            }
        }

        uint degree = BinaryPrimitives.ReadUInt32LittleEndian(record[vectorBytes..]);
        if (degree > (uint)_maxDegree)
        {
            throw new InvalidDataException($"node {id} has degree {degree}, above R = {_maxDegree}");
        }

        ReadOnlySpan<byte> ids = record.Slice(vectorBytes + sizeof(uint), (int)degree * sizeof(uint));
        for (int k = 0; k < (int)degree; k++)
        {
            uint neighbor = BinaryPrimitives.ReadUInt32LittleEndian(ids[(k * sizeof(uint))..]);
            if (neighbor >= (uint)_count)
            {
                throw new InvalidDataException($"node {id} links to {neighbor}, beyond the {_count} nodes");
            }

            neighbors[k] = neighbor;
        }

        return (int)degree;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();

    private long RecordOffset(int id) => _nodesPerSector > 0
        ? ((1L + (id / _nodesPerSector)) * DiskIndex.SectorBytes) + ((id % _nodesPerSector) * (long)_recordBytes)
        : (1L + ((long)id * _sectorsPerNode)) * DiskIndex.SectorBytes;
}

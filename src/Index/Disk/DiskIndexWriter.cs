using System.Buffers.Binary;
using System.Runtime.InteropServices;
using AnnSql.Index.Distance;
using AnnSql.Index.Quantization;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// Writes a <see cref="DiskIndex"/> file sequentially, node after node in id order (0..count-1): the header sector, the
/// node records packed in 4 KiB sectors, then the tail section (quantizer, PQ codes, free slots), and fsyncs it on
/// <see cref="Complete"/>. The caller renames the finished file into place.
/// </summary>
/// <remarks>
/// Sector 0 is written as zeros first and rewritten last, so a file whose writer did not complete has no valid header
/// and does not open. Records go through a 1 MiB buffered <see cref="FileStream"/> (sequential writes); the PQ codes stay
/// in memory (count × chunks bytes) until <see cref="Complete"/> writes them to the tail:
/// <code>
/// int32 quantizer bytes q, q bytes of <see cref="ProductQuantizer.Save"/>,
/// count × chunks bytes of codes (row-major),
/// int32 free slots f, f × uint32 free ids (ascending),
/// uint32 CRC-32C of the tail bytes before it,
/// </code>
/// zero-padded to a whole sector. Not thread-safe.
/// </remarks>
public sealed class DiskIndexWriter : IDisposable
{
    private const int StreamBufferBytes = 1 << 20;

    private readonly DiskIndexHeader _layout;
    private readonly ProductQuantizer _quantizer;
    private readonly FileStream _file;
    private readonly byte[] _codes;
    private readonly List<uint> _free = [];
    private readonly byte[] _sector;
    private int _written;
    private bool _completed;
    private bool _disposed;

    /// <summary>Starts the file at <paramref name="path"/> (created or truncated) for <paramref name="count"/> node slots.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="metric">L2, InnerProduct or Cosine; the quantizer's metric.</param>
    /// <param name="dimensions">Vector dimensions; the quantizer's.</param>
    /// <param name="maxDegree">R, the neighbour ids each record has room for (at least 1).</param>
    /// <param name="count">Node slots (at least 1), each appended once by <see cref="Append"/> or <see cref="AppendFree"/>.</param>
    /// <param name="medoid">The search start point, below <paramref name="count"/>.</param>
    /// <param name="quantizer">The codebooks the appended codes were made with.</param>
    /// <exception cref="ArgumentException">Bad metric, dimensions, degree, medoid or a quantizer of other dimensions.</exception>
    /// <exception cref="PlatformNotSupportedException">A big-endian machine (records are read in place).</exception>
    public DiskIndexWriter(string path, Metric metric, int dimensions, int maxDegree, int count, uint medoid, ProductQuantizer quantizer)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(quantizer);
        if (metric is not (Metric.L2 or Metric.InnerProduct or Metric.Cosine))
        {
            throw new ArgumentException($"metric {metric} is not supported by the disk index (L2, InnerProduct or Cosine)", nameof(metric));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDegree);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (medoid >= (uint)count)
        {
            throw new ArgumentOutOfRangeException(nameof(medoid), medoid, $"the medoid must be below the {count} node slots");
        }

        if (quantizer.Dimensions != dimensions || quantizer.Metric != metric)
        {
            throw new ArgumentException(
                $"the quantizer is for {quantizer.Dimensions} dimensions and {quantizer.Metric}, not {dimensions} and {metric}",
                nameof(quantizer));
        }

        long recordBytes = DiskIndexHeader.RecordBytesFor(dimensions, maxDegree);
        if (recordBytes > int.MaxValue / 2)
        {
            throw new ArgumentException($"a record of {recordBytes} bytes ({dimensions} dimensions, R = {maxDegree}) is too large");
        }

        long codeBytes = (long)count * quantizer.Chunks;
        if (codeBytes > Array.MaxLength)
        {
            throw new ArgumentException($"{count} codes of {quantizer.Chunks} bytes exceed the largest array", nameof(count));
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the disk index file is read in place and needs a little-endian machine");
        }

        (int perSector, int sectorsPerNode) = DiskIndexHeader.LayoutFor(recordBytes);
        _layout = new DiskIndexHeader(
            metric, dimensions, maxDegree, count, medoid, perSector, sectorsPerNode, (int)recordBytes, quantizer.Chunks, 0, 0);
        _quantizer = quantizer;
        _codes = new byte[codeBytes];
        _sector = new byte[_layout.NodeReadBytes];
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, StreamBufferBytes, FileOptions.SequentialScan);
        _file.Write(new byte[DiskIndex.SectorBytes]);
    }

    /// <summary>Nodes appended so far (the id of the next one).</summary>
    public int Written => _written;

    /// <summary>
    /// Appends the next node: its vector (Dimensions floats), out-neighbours (at most R ids below count) and PQ code
    /// (Chunks bytes, normally <see cref="ProductQuantizer.Encode"/> of the vector).
    /// </summary>
    /// <exception cref="ArgumentException">A vector, neighbour list or code of the wrong size, or a neighbour id out of range.</exception>
    /// <exception cref="InvalidOperationException">Every slot was already appended, or the writer completed.</exception>
    public void Append(ReadOnlySpan<float> vector, ReadOnlySpan<uint> neighbors, ReadOnlySpan<byte> code)
    {
        EnsureWritable();
        if (vector.Length != _layout.Dimensions)
        {
            throw new ArgumentException($"expected {_layout.Dimensions} dimensions, not {vector.Length}", nameof(vector));
        }

        if (neighbors.Length > _layout.MaxDegree)
        {
            throw new ArgumentException($"{neighbors.Length} neighbours exceed R = {_layout.MaxDegree}", nameof(neighbors));
        }

        if (code.Length != _layout.Chunks)
        {
            throw new ArgumentException($"expected a code of {_layout.Chunks} bytes, not {code.Length}", nameof(code));
        }

        foreach (uint neighbor in neighbors)
        {
            if (neighbor >= (uint)_layout.Count)
            {
                throw new ArgumentException($"neighbour {neighbor} of node {_written} is not below {_layout.Count}", nameof(neighbors));
            }
        }

        Span<byte> record = _sector.AsSpan(_layout.OffsetInSector((uint)_written), _layout.RecordBytes);
        int vectorBytes = _layout.Dimensions * sizeof(float);
        MemoryMarshal.AsBytes(vector).CopyTo(record);
        BinaryPrimitives.WriteUInt32LittleEndian(record[vectorBytes..], (uint)neighbors.Length);
        MemoryMarshal.AsBytes(neighbors).CopyTo(record[(vectorBytes + sizeof(uint))..]);
        code.CopyTo(_codes.AsSpan(_written * _layout.Chunks, _layout.Chunks));
        Advance();
    }

    /// <summary>Appends the next node as a free slot (no point: never searched or returned, reusable by a merge).</summary>
    /// <exception cref="InvalidOperationException">Every slot was already appended, or the writer completed.</exception>
    public void AppendFree()
    {
        EnsureWritable();

        // The record stays zero (a zero vector of degree 0), as does the code.
        _free.Add((uint)_written);
        Advance();
    }

    /// <summary>Writes the tail section and the header and fsyncs the file; every slot must have been appended.</summary>
    /// <exception cref="InvalidOperationException">Slots are missing, or the writer already completed.</exception>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("the disk index file is already complete");
        }

        if (_written != _layout.Count)
        {
            throw new InvalidOperationException($"{_written} of {_layout.Count} node slots appended");
        }

        // A last sector only partly filled with records.
        if (_layout.NodesPerSector > 0 && _written % _layout.NodesPerSector != 0)
        {
            _file.Write(_sector);
        }

        long tailOffset = _file.Position;
        using MemoryStream quantizer = new();
        _quantizer.Save(quantizer);
        VamanaFileWriter tail = new(_file);
        tail.WriteInt32(checked((int)quantizer.Length));
        tail.WriteBytes(quantizer.GetBuffer().AsSpan(0, (int)quantizer.Length));
        tail.WriteBytes(_codes);
        tail.WriteInt32(_free.Count);
        tail.WriteUInt32s(CollectionsMarshal.AsSpan(_free));
        tail.Flush();
        tail.WriteUInt32(tail.Checksum);
        tail.Flush();
        long tailLength = tail.Position;
        long padding = DiskIndexHeader.RoundUpToSector(tailLength) - tailLength;
        _file.Write(new byte[padding]);

        byte[] header = new byte[DiskIndex.SectorBytes];
        (_layout with { TailOffset = tailOffset, TailLength = tailLength }).Write(header);
        _file.Flush();
        _file.Position = 0;
        _file.Write(header);
        _file.Flush(flushToDisk: true);
        _completed = true;
    }

    /// <summary>Closes the file (a file not completed is left incomplete, with a header that does not open).</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _file.Dispose();
        }
    }

    private void EnsureWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed || _written == _layout.Count)
        {
            throw new InvalidOperationException($"all {_layout.Count} node slots were already appended");
        }
    }

    /// <summary>Counts the node just put in the sector buffer and writes the buffer when it is full.</summary>
    private void Advance()
    {
        _written++;
        if (_layout.NodesPerSector == 0 || _written % _layout.NodesPerSector == 0)
        {
            _file.Write(_sector);
            Array.Clear(_sector);
        }
    }
}

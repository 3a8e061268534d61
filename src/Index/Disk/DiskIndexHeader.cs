using System.Buffers.Binary;
using AnnSql.Index.Distance;
using AnnSql.Index.Storage;

namespace AnnSql.Index.Disk;

/// <summary>
/// Sector 0 of a <see cref="DiskIndex"/> file and the record layout it fixes. Little-endian, at these offsets (the rest of
/// the sector is zero):
/// <code>
///  0  "ANNSQLDK"            8 bytes
///  8  version               uint32 (1)
/// 12  metric                int32 (Metric.L2, InnerProduct or Cosine)
/// 16  dimensions            int32
/// 20  R (max degree)        int32
/// 24  count (node slots)    int32
/// 28  medoid                uint32
/// 32  nodes per sector      int32 (0 when a record spans several sectors)
/// 36  sectors per node      int32 (1 when several records share a sector)
/// 40  record bytes          int32 (dimensions × 4 + 4 + R × 4)
/// 44  PQ chunks             int32
/// 48  tail offset           int64 (sector aligned, just after the last node sector)
/// 56  tail length           int64 (bytes before the zero padding to a sector)
/// 64  CRC-32C of bytes 0..63
/// </code>
/// </summary>
internal readonly record struct DiskIndexHeader(
    Metric Metric,
    int Dimensions,
    int MaxDegree,
    int Count,
    uint Medoid,
    int NodesPerSector,
    int SectorsPerNode,
    int RecordBytes,
    int Chunks,
    long TailOffset,
    long TailLength)
{
    /// <summary>The format version this code writes and reads.</summary>
    public const uint Version = 1;

    private const int CrcOffset = 64;

    private static ReadOnlySpan<byte> Magic => "ANNSQLDK"u8;

    /// <summary>Bytes of one node record: the vector, the degree and room for R neighbour ids.</summary>
    public static long RecordBytesFor(int dimensions, int maxDegree) =>
        ((long)dimensions * sizeof(float)) + sizeof(uint) + ((long)maxDegree * sizeof(uint));

    /// <summary>
    /// Packs records whole into sectors: several per sector (none straddling a boundary) when a record fits in one,
    /// otherwise each record on ceil(record / 4096) sectors of its own.
    /// </summary>
    public static (int NodesPerSector, int SectorsPerNode) LayoutFor(long recordBytes) =>
        recordBytes <= DiskIndex.SectorBytes
            ? ((int)(DiskIndex.SectorBytes / recordBytes), 1)
            : (0, (int)((recordBytes + DiskIndex.SectorBytes - 1) / DiskIndex.SectorBytes));

    /// <summary>Sectors the node records of <paramref name="count"/> slots take.</summary>
    public static long NodeSectors(int count, int nodesPerSector, int sectorsPerNode) =>
        nodesPerSector > 0 ? ((long)count + nodesPerSector - 1) / nodesPerSector : (long)count * sectorsPerNode;

    /// <summary><paramref name="bytes"/> rounded up to whole sectors.</summary>
    public static long RoundUpToSector(long bytes) => (bytes + DiskIndex.SectorBytes - 1) / DiskIndex.SectorBytes * DiskIndex.SectorBytes;

    /// <summary>Bytes of one read of a node: its sector, or the sectors its record spans.</summary>
    public int NodeReadBytes => SectorsPerNode * DiskIndex.SectorBytes;

    /// <summary>File offset of the (first) sector holding node <paramref name="id"/>'s record.</summary>
    public long NodeSectorOffset(uint id) =>
        NodesPerSector > 0
            ? (1 + ((long)id / NodesPerSector)) * DiskIndex.SectorBytes
            : (1 + ((long)id * SectorsPerNode)) * DiskIndex.SectorBytes;

    /// <summary>Offset of node <paramref name="id"/>'s record inside the bytes read from <see cref="NodeSectorOffset"/>.</summary>
    public int OffsetInSector(uint id) => NodesPerSector > 0 ? (int)(id % (uint)NodesPerSector) * RecordBytes : 0;

    /// <summary>Writes the header and its CRC into the first 68 bytes of <paramref name="sector"/>.</summary>
    public void Write(Span<byte> sector)
    {
        Magic.CopyTo(sector);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(sector[12..], (int)Metric);
        BinaryPrimitives.WriteInt32LittleEndian(sector[16..], Dimensions);
        BinaryPrimitives.WriteInt32LittleEndian(sector[20..], MaxDegree);
        BinaryPrimitives.WriteInt32LittleEndian(sector[24..], Count);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[28..], Medoid);
        BinaryPrimitives.WriteInt32LittleEndian(sector[32..], NodesPerSector);
        BinaryPrimitives.WriteInt32LittleEndian(sector[36..], SectorsPerNode);
        BinaryPrimitives.WriteInt32LittleEndian(sector[40..], RecordBytes);
        BinaryPrimitives.WriteInt32LittleEndian(sector[44..], Chunks);
        BinaryPrimitives.WriteInt64LittleEndian(sector[48..], TailOffset);
        BinaryPrimitives.WriteInt64LittleEndian(sector[56..], TailLength);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[CrcOffset..], Crc32C.Compute(sector[..CrcOffset]));
    }

    /// <summary>
    /// Reads and checks a header: magic, version, CRC, and that every field agrees with the layout the other fields imply.
    /// </summary>
    /// <exception cref="InvalidDataException">Not an index header, an unknown version, a bad CRC or inconsistent fields.</exception>
    public static DiskIndexHeader Read(ReadOnlySpan<byte> sector)
    {
        if (!sector[..Magic.Length].SequenceEqual(Magic))
        {
            throw Invalid("not a disk index file (bad magic)");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(sector[8..]);
        if (version != Version)
        {
            throw Invalid($"unknown version {version} (expected {Version})");
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(sector[CrcOffset..]);
        uint computed = Crc32C.Compute(sector[..CrcOffset]);
        if (stored != computed)
        {
            throw Invalid($"header checksum {stored:x8} does not match {computed:x8}");
        }

        DiskIndexHeader header = new(
            (Metric)BinaryPrimitives.ReadInt32LittleEndian(sector[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(sector[16..]),
            BinaryPrimitives.ReadInt32LittleEndian(sector[20..]),
            BinaryPrimitives.ReadInt32LittleEndian(sector[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(sector[28..]),
            BinaryPrimitives.ReadInt32LittleEndian(sector[32..]),
            BinaryPrimitives.ReadInt32LittleEndian(sector[36..]),
            BinaryPrimitives.ReadInt32LittleEndian(sector[40..]),
            BinaryPrimitives.ReadInt32LittleEndian(sector[44..]),
            BinaryPrimitives.ReadInt64LittleEndian(sector[48..]),
            BinaryPrimitives.ReadInt64LittleEndian(sector[56..]));
        header.Validate();
        return header;
    }

    private void Validate()
    {
        if (Metric is not (Metric.L2 or Metric.InnerProduct or Metric.Cosine))
        {
            throw Invalid($"unsupported metric {(int)Metric}");
        }

        if (Dimensions < 1 || MaxDegree < 1 || Count < 1 || Medoid >= (uint)Count || Chunks < 1 || Chunks > Dimensions)
        {
            throw Invalid(
                $"bad sizes: {Dimensions} dimensions, R = {MaxDegree}, {Count} slots, medoid {Medoid}, {Chunks} PQ chunks");
        }

        long record = RecordBytesFor(Dimensions, MaxDegree);
        (int perSector, int sectors) = LayoutFor(record);
        if (record != RecordBytes || perSector != NodesPerSector || sectors != SectorsPerNode)
        {
            throw Invalid(
                $"layout {RecordBytes} bytes, {NodesPerSector} per sector, {SectorsPerNode} sectors per node does not match "
                + $"{Dimensions} dimensions and R = {MaxDegree}");
        }

        long tailOffset = (1 + NodeSectors(Count, NodesPerSector, SectorsPerNode)) * DiskIndex.SectorBytes;
        if (TailOffset != tailOffset || TailLength < 3 * sizeof(int))
        {
            throw Invalid($"tail at {TailOffset} of {TailLength} bytes (expected at {tailOffset})");
        }
    }

    /// <summary>An <see cref="InvalidDataException"/> with the file format's prefix.</summary>
    public static InvalidDataException Invalid(string message) => new($"invalid disk index file: {message}");
}

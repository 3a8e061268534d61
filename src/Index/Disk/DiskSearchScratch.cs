using AnnSql.Index.Search;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// Working memory of one <see cref="DiskIndex"/> search (DiskANN's <c>SSDQueryScratch</c>), pooled by the index so that
/// searches allocate nothing after warm-up: the PQ distance table, the candidate list, the visited set, sector-aligned
/// buffers for the beam's records, the beam's neighbours with their PQ distances, and the expanded nodes with their
/// full-precision distances. Buffers only grow. Used by one thread at a time.
/// </summary>
internal sealed class DiskSearchScratch : IDisposable
{
    private readonly int _nodeReadBytes;
    private AlignedBuffer? _records;
    private bool _asyncReads;

    /// <summary>
    /// Scratch for tables of <paramref name="tableLength"/> floats and node reads of <paramref name="nodeReadBytes"/>; with
    /// <paramref name="asyncReads"/> (an O_DIRECT file) the beam's reads go out together through <see cref="Aio"/>.
    /// </summary>
    public DiskSearchScratch(int tableLength, int nodeReadBytes, bool asyncReads)
    {
        Table = new float[tableLength];
        _nodeReadBytes = nodeReadBytes;
        _asyncReads = asyncReads;
    }

    /// <summary>The AIO context that issues a beam's reads together; null for buffered files or where Linux AIO is missing.</summary>
    public LinuxAio? Aio { get; private set; }

    /// <summary>The query's PQ distance table.</summary>
    public float[] Table { get; }

    /// <summary>The candidate list, ordered by PQ distance.</summary>
    public NeighborPriorityQueue Candidates { get; } = new();

    /// <summary>Ids whose PQ distance this search has computed.</summary>
    public IdHashSet Visited { get; } = new();

    /// <summary>Ids of the beam being expanded.</summary>
    public uint[] Beam { get; private set; } = new uint[8];

    /// <summary>Per beam node: where its record starts in the cache's records, or -1 when it was read from the file.</summary>
    public int[] BeamOffsets { get; private set; } = new int[8];

    /// <summary>Unvisited neighbours of the beam, then their PQ distances in <see cref="FreshDistances"/>.</summary>
    public uint[] Fresh { get; private set; } = new uint[256];

    /// <summary>PQ distances parallel to <see cref="Fresh"/>.</summary>
    public float[] FreshDistances { get; private set; } = new float[256];

    /// <summary>Expanded nodes with their full-precision distances; the first <see cref="ExpandedCount"/> are in use.</summary>
    public Neighbor[] Expanded { get; private set; } = new Neighbor[256];

    /// <summary>Entries of <see cref="Expanded"/> in use.</summary>
    public int ExpandedCount { get; set; }

    /// <summary>The re-ranking: the closest expanded points by full-precision distance.</summary>
    public TopKHeap Top { get; } = new(16);

    /// <summary>Ids drained from <see cref="Top"/>.</summary>
    public long[] TopIds { get; private set; } = new long[16];

    /// <summary>The first <paramref name="length"/> entries of <see cref="TopIds"/>, grown when needed.</summary>
    public Span<long> EnsureTopIds(int length)
    {
        if (TopIds.Length < length)
        {
            TopIds = new long[length];
        }

        return TopIds.AsSpan(0, length);
    }

    /// <summary>
    /// Makes room for a beam of <paramref name="width"/> nodes of at most <paramref name="maxDegree"/> neighbours each, and
    /// returns the sector-aligned read buffer: width × the bytes of one node read.
    /// </summary>
    public Span<byte> EnsureBeam(int width, int maxDegree)
    {
        if (Beam.Length < width)
        {
            Beam = new uint[width];
            BeamOffsets = new int[width];
        }

        int fresh = checked(width * maxDegree);
        if (Fresh.Length < fresh)
        {
            Fresh = new uint[fresh];
            FreshDistances = new float[fresh];
        }

        int bytes = checked(width * _nodeReadBytes);
        if (_records is null || _records.Length < bytes)
        {
            _records?.Dispose();
            _records = new AlignedBuffer(bytes);
        }

        if (_asyncReads && (Aio is null || Aio.Capacity < width))
        {
            Aio?.Dispose();
            Aio = LinuxAio.TryCreate(width);
            _asyncReads = Aio is not null;
        }

        return _records.Span[..bytes];
    }

    /// <summary>Appends an expanded node, growing <see cref="Expanded"/> when full.</summary>
    public void AddExpanded(uint id, float distance)
    {
        if (ExpandedCount == Expanded.Length)
        {
            Neighbor[] grown = new Neighbor[Expanded.Length * 2];
            Array.Copy(Expanded, grown, ExpandedCount);
            Expanded = grown;
        }

        Expanded[ExpandedCount++] = new Neighbor(id, distance);
    }

    /// <summary>Frees the read buffers and the AIO context.</summary>
    public void Dispose()
    {
        _records?.Dispose();
        _records = null;
        Aio?.Dispose();
        Aio = null;
    }
}

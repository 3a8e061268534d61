using AnnSql.Index.Vamana;

namespace AnnSql.Sql.Indexing;

/// <summary>
/// One published generation of a diskann index: the Vamana graph, the map from its point ids to the table's row ids, and
/// the watermark below which every row is in the graph or not meant to be. A scan reads the generation once and uses
/// all three together, so a REINDEX that swaps in a new generation never mixes one graph with another's map. The
/// maps and the watermark are written only by the index's maintenance (one writer at a time); readers take no lock.
/// </summary>
internal sealed class IndexedGraph
{
    /// <summary>A point with no row (never used, tombstoned, or recycled).</summary>
    public const long NoRow = -1;

    /// <summary>A row with no point.</summary>
    private const uint NoPoint = uint.MaxValue;

    private long[] _rowIds;
    private uint[] _points;
    private long _watermark;

    /// <summary>
    /// A generation over <paramref name="graph"/> whose points 0..rowIds.Count-1 hold the rows listed; with
    /// <paramref name="disk"/> (<c>storage = 'disk'</c>) the graph is the in-memory delta over the rows from the disk file's
    /// watermark on.
    /// </summary>
    public IndexedGraph(VamanaIndex graph, IReadOnlyList<long> rowIds, long watermark, DiskGeneration? disk = null)
    {
        Graph = graph;
        Disk = disk;
        _rowIds = new long[Math.Max(1024, graph.Count * 2L)];
        Array.Fill(_rowIds, NoRow);
        _points = new uint[Math.Max(1024, watermark + 1024)];
        Array.Fill(_points, NoPoint);
        for (int point = 0; point < rowIds.Count; point++)
        {
            if (rowIds[point] != NoRow)
            {
                _rowIds[point] = rowIds[point];
                _points[rowIds[point]] = (uint)point;
            }
        }

        _watermark = watermark;
    }

    /// <summary>The graph: the whole index, or with <see cref="Disk"/> the delta of rows inserted since the file was written.</summary>
    public VamanaIndex Graph { get; }

    /// <summary>The SSD-resident part of a <c>storage = 'disk'</c> index; null for an in-memory index.</summary>
    public DiskGeneration? Disk { get; }

    /// <summary>Points of the graph and the disk file together (slots, deleted and free ones included).</summary>
    public long Points => Graph.Count + (Disk?.Index.Count ?? 0);

    /// <summary>Rows with a smaller row id are points, or had no vector, or were dead to every snapshot when indexed.</summary>
    public long Watermark => Volatile.Read(ref _watermark);

    /// <summary>The row id of point <paramref name="point"/>, or <see cref="NoRow"/>.</summary>
    public long RowIdOf(uint point)
    {
        var ids = Volatile.Read(ref _rowIds);
        return point < (uint)ids.Length ? Volatile.Read(ref ids[point]) : NoRow;
    }

    /// <summary>The point of row <paramref name="rowId"/>, if it has one. Maintenance only.</summary>
    public bool TryGetPoint(long rowId, out uint point)
    {
        point = rowId >= 0 && rowId < _points.Length ? _points[rowId] : NoPoint;
        return point != NoPoint;
    }

    /// <summary>
    /// Records that point <paramref name="point"/> now holds row <paramref name="rowId"/>; <see cref="EnsureCapacity"/> made
    /// room for both first, so inserts may map their points in parallel. Maintenance only.
    /// </summary>
    public void Map(uint point, long rowId)
    {
        _points[rowId] = point;
        Volatile.Write(ref _rowIds[point], rowId);
    }

    /// <summary>Forgets row <paramref name="rowId"/>'s point (which the caller tombstones). Maintenance only.</summary>
    public void Unmap(long rowId, uint point)
    {
        _points[rowId] = NoPoint;
        Volatile.Write(ref _rowIds[point], NoRow);
    }

    /// <summary>Makes room for point ids below <paramref name="points"/> before parallel <see cref="Map"/> calls.</summary>
    public void EnsureCapacity(long points, long rows)
    {
        var map = _rowIds;
        if (points > map.Length)
        {
            long[] grown = new long[Math.Max(points, map.Length * 2L)];
            Array.Fill(grown, NoRow);
            map.CopyTo(grown, 0);
            Volatile.Write(ref _rowIds, grown);
        }

        if (rows > _points.Length)
        {
            uint[] grown = new uint[Math.Max(rows, _points.Length * 2L)];
            Array.Fill(grown, NoPoint);
            _points.CopyTo(grown, 0);
            _points = grown;
        }
    }

    /// <summary>Advances the watermark once the rows below it are mapped. Maintenance only.</summary>
    public void Advance(long watermark) => Volatile.Write(ref _watermark, watermark);

    /// <summary>The point → row map of points 0..count-1, for saving.</summary>
    public ReadOnlySpan<long> RowIds(int count) => Volatile.Read(ref _rowIds).AsSpan(0, count);

    /// <summary>Bytes of the two maps.</summary>
    public long MapBytes => ((long)_rowIds.Length * sizeof(long)) + ((long)_points.Length * sizeof(uint));
}

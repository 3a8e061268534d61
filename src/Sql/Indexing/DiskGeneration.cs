using AnnSql.Index.Disk;

namespace AnnSql.Sql.Indexing;

/// <summary>
/// The SSD-resident part of a <c>storage = 'disk'</c> diskann index generation: the open <see cref="DiskIndex"/> file, the
/// map between its node ids and the table's row ids, and the watermark the file was built or merged up to (rows from
/// there on are in the in-memory delta). The node → row map is read without a lock; <see cref="Delete"/> runs only in the
/// index's maintenance.
/// </summary>
internal sealed class DiskGeneration
{
    private const uint NoNode = uint.MaxValue;

    private readonly long[] _rowIds;
    private readonly uint[] _nodes;

    /// <summary>Generation <paramref name="number"/> over <paramref name="index"/>, whose node i holds row <paramref name="rowIds"/>[i] (or <see cref="IndexedGraph.NoRow"/>).</summary>
    public DiskGeneration(DiskIndex index, long[] rowIds, long number, long watermark)
    {
        Index = index;
        Number = number;
        Watermark = watermark;
        _rowIds = rowIds;
        long rows = 0;
        foreach (long rowId in rowIds)
        {
            rows = Math.Max(rows, rowId + 1);
        }

        _nodes = new uint[rows];
        Array.Fill(_nodes, NoNode);
        for (uint node = 0; node < rowIds.Length; node++)
        {
            if (rowIds[node] != IndexedGraph.NoRow)
            {
                _nodes[rowIds[node]] = node;
            }
        }
    }

    /// <summary>The file.</summary>
    public DiskIndex Index { get; }

    /// <summary>The generation number in the file's name; each build or merge takes the next one.</summary>
    public long Number { get; }

    /// <summary>Rows below this row id were in the table when the file was built or merged.</summary>
    public long Watermark { get; }

    /// <summary>Bytes of the two maps.</summary>
    public long MapBytes => ((long)_rowIds.Length * sizeof(long)) + ((long)_nodes.Length * sizeof(uint));

    /// <summary>The node → row map, for saving and merging.</summary>
    public ReadOnlySpan<long> RowIds => _rowIds;

    /// <summary>The row id of node <paramref name="node"/>, or <see cref="IndexedGraph.NoRow"/>.</summary>
    public long RowIdOf(uint node) => node < (uint)_rowIds.Length ? Volatile.Read(ref _rowIds[node]) : IndexedGraph.NoRow;

    /// <summary>The node of row <paramref name="rowId"/>, if the file holds it. Maintenance only.</summary>
    public bool TryGetNode(long rowId, out uint node)
    {
        node = rowId >= 0 && rowId < _nodes.Length ? _nodes[rowId] : NoNode;
        return node != NoNode;
    }

    /// <summary>Forgets row <paramref name="rowId"/>'s node and tombstones it. Maintenance only.</summary>
    public void Delete(long rowId, uint node)
    {
        _nodes[rowId] = NoNode;
        Volatile.Write(ref _rowIds[node], IndexedGraph.NoRow);
        Index.Delete(node);
    }
}

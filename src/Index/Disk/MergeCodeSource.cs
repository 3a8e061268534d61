namespace AnnSql.Index.Disk;

/// <summary>
/// The PQ code of any node of a merge's output: the index's code for a node it holds, the insert's code for a slot an
/// insert took (the index has no code of its own for a free slot an insert reused, so the insert's is looked up first).
/// </summary>
internal sealed class MergeCodeSource
{
    private readonly DiskIndex _index;
    private readonly MergeInserts? _inserts;
    private readonly int _chunks;

    /// <summary>Codes of <paramref name="index"/>'s nodes, overridden by <paramref name="inserts"/>' slots when given.</summary>
    public MergeCodeSource(DiskIndex index, MergeInserts? inserts)
    {
        _index = index;
        _inserts = inserts;
        _chunks = index.Quantizer.Chunks;
    }

    /// <summary>Bytes of a code.</summary>
    public int Chunks => _chunks;

    /// <summary>The code of node <paramref name="id"/>.</summary>
    public ReadOnlySpan<byte> Code(uint id) =>
        _inserts is not null && _inserts.TryInsertOf(id, out int insert) ? _inserts.Code(insert) : _index.Code(id);

    /// <summary>Copies the codes of <paramref name="ids"/> into <paramref name="codes"/>, row-major in the same order.</summary>
    public void Gather(ReadOnlySpan<uint> ids, Span<byte> codes)
    {
        int chunks = _chunks;
        for (int i = 0; i < ids.Length; i++)
        {
            Code(ids[i]).CopyTo(codes.Slice(i * chunks, chunks));
        }
    }
}

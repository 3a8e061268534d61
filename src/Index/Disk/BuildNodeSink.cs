namespace AnnSql.Index.Disk;

/// <summary>
/// Where a disk index build puts its finished nodes, in id order: normally a <see cref="DiskIndexWriter"/>; tests take the
/// merged graph in memory instead, to check it without the file format.
/// </summary>
internal interface IBuildNodeSink
{
    /// <summary>Takes the next node: its vector (Dimensions floats), its out-neighbours (at most R) and its PQ code.</summary>
    void Append(ReadOnlySpan<float> vector, ReadOnlySpan<uint> neighbors, ReadOnlySpan<byte> code);

    /// <summary>Called once after the last node.</summary>
    void Complete();
}

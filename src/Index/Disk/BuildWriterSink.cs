namespace AnnSql.Index.Disk;

/// <summary>Hands the nodes of a build to a <see cref="DiskIndexWriter"/>; <see cref="Complete"/> fsyncs the file.</summary>
internal sealed class BuildWriterSink(DiskIndexWriter writer) : IBuildNodeSink
{
    /// <inheritdoc/>
    public void Append(ReadOnlySpan<float> vector, ReadOnlySpan<uint> neighbors, ReadOnlySpan<byte> code) => writer.Append(vector, neighbors, code);

    /// <inheritdoc/>
    public void Complete() => writer.Complete();
}

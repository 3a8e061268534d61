using System.Runtime.InteropServices;

namespace AnnSql.Index.Disk;

/// <summary>
/// Spills one partition's graph to a temporary shard file during a disk index build (DiskANN, NeurIPS 2019, §3.2): one
/// record per member in ascending global id, each the uint32 global id, the uint32 degree and the degree global neighbour
/// ids, in the machine's byte order (the file lives only for the build that wrote it). <see cref="PartitionShardReader"/>
/// reads it back.
/// </summary>
internal sealed class PartitionShardWriter : IDisposable
{
    private readonly FileStream _file;
    private uint _previous = uint.MaxValue;

    /// <summary>Creates the shard file at <paramref name="path"/> (replacing a stale one) with a write buffer of <paramref name="bufferBytes"/>.</summary>
    public PartitionShardWriter(string path, int bufferBytes) =>
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferBytes, FileOptions.SequentialScan);

    /// <summary>Appends the record of node <paramref name="id"/> (ids ascending) with its global <paramref name="neighbors"/>.</summary>
    /// <exception cref="ArgumentException">An id not above the previous one.</exception>
    public void Append(uint id, ReadOnlySpan<uint> neighbors)
    {
        if (_previous != uint.MaxValue && id <= _previous)
        {
            throw new ArgumentException($"shard records must ascend: {id} after {_previous}", nameof(id));
        }

        _previous = id;
        Span<uint> header = [id, (uint)neighbors.Length];
        _file.Write(MemoryMarshal.AsBytes(header));
        _file.Write(MemoryMarshal.AsBytes(neighbors));
    }

    /// <summary>Flushes and closes the file.</summary>
    public void Dispose() => _file.Dispose();
}

using System.Runtime.InteropServices;

namespace AnnSql.Index.Disk;

/// <summary>
/// Reads a shard file written by <see cref="PartitionShardWriter"/> front to back: the merge of a disk index build asks
/// each shard for the next record of the node it is writing, in ascending id order, so every shard is read sequentially
/// once.
/// </summary>
internal sealed class PartitionShardReader : IDisposable
{
    private readonly FileStream _file;
    private readonly string _path;
    private uint _nextId;
    private int _nextDegree;

    /// <summary>Opens the shard at <paramref name="path"/> with a read buffer of <paramref name="bufferBytes"/> and reads its first record's header.</summary>
    /// <exception cref="InvalidDataException">A truncated record header.</exception>
    public PartitionShardReader(string path, int bufferBytes)
    {
        _path = path;
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferBytes, FileOptions.SequentialScan);
        Advance();
    }

    /// <summary>The id of the next record; <see cref="uint.MaxValue"/> at the end of the file.</summary>
    public uint NextId => _nextId;

    /// <summary>
    /// Reads the neighbours of node <paramref name="id"/>, which must be the next record, into <paramref name="destination"/>
    /// and returns how many.
    /// </summary>
    /// <exception cref="InvalidDataException">The next record is another node's, too long for the destination, or truncated.</exception>
    public int Read(uint id, Span<uint> destination)
    {
        if (_nextId != id)
        {
            throw new InvalidDataException($"{_path}: expected the record of node {id}, found {(_nextId == uint.MaxValue ? "the end" : _nextId)}");
        }

        int degree = _nextDegree;
        if (degree > destination.Length)
        {
            throw new InvalidDataException($"{_path}: node {id} has {degree} neighbours, more than {destination.Length}");
        }

        ReadExactly(MemoryMarshal.AsBytes(destination[..degree]));
        Advance();
        return degree;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _file.Dispose();

    private void Advance()
    {
        Span<uint> header = stackalloc uint[2];
        Span<byte> bytes = MemoryMarshal.AsBytes(header);
        int read = _file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (read == 0)
        {
            _nextId = uint.MaxValue;
            _nextDegree = 0;
            return;
        }

        if (read < bytes.Length || header[1] > int.MaxValue)
        {
            throw new InvalidDataException($"{_path}: truncated or damaged record header after node {_nextId}");
        }

        _nextId = header[0];
        _nextDegree = (int)header[1];
    }

    private void ReadExactly(Span<byte> destination)
    {
        if (_file.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false) < destination.Length)
        {
            throw new InvalidDataException($"{_path}: truncated record of node {_nextId}");
        }
    }
}

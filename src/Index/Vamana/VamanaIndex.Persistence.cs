using System.Numerics;
using AnnSql.Index.Distance;

namespace AnnSql.Index.Vamana;

public sealed partial class VamanaIndex
{
    /// <summary>Version of the saved image this code writes and reads.</summary>
    private const int FormatVersion = 1;

    /// <summary>Bytes of the header: magic, 11 int32/float32 fields, two int64 totals.</summary>
    private const int HeaderBytes = 8 + (11 * sizeof(int)) + (2 * sizeof(long));

    /// <summary>Bytes of the trailer: the image length, its CRC-32C, the end magic.</summary>
    private const int TrailerBytes = sizeof(long) + sizeof(uint) + 8;

    /// <summary>First bytes of a saved index.</summary>
    private static ReadOnlySpan<byte> Magic => "ANNSQLVG"u8;

    /// <summary>Last bytes of a saved index (the magic reversed).</summary>
    private static ReadOnlySpan<byte> EndMagic => "GVLQSNNA"u8;

    /// <summary>
    /// Writes the whole index to <paramref name="destination"/> (from its current position; the stream is flushed, not
    /// closed), so that <see cref="Load"/> gives back an index that answers every search the same way.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Holds the index exclusively, so the image is consistent with respect to inserts and consolidations (they wait);
    /// searches and deletes go on (a delete racing with the save may or may not be in the image).
    /// </para>
    /// <para>
    /// Format version 1, little-endian. Header (68 bytes): magic <c>ANNSQLVG</c>; int32 version; int32 metric
    /// (<see cref="Distance.Metric"/> value); int32 dimensions; int32 R (<see cref="VamanaOptions.MaxDegree"/>); int32 L
    /// (<see cref="VamanaOptions.BuildListSize"/>); float32 alpha; int32 seed; int32 Count; uint32 start point
    /// (0xFFFFFFFF: none); int32 label entries E; int32 free ids F; int64 neighbour ids total; int64 labels total. Blocks:
    /// the vectors (Count × dimensions float32, id order); the out-degrees (Count int32); the neighbour ids (uint32, each
    /// point's list in turn); the label-set sizes (Count int32); the labels (int32, each point's sorted set in turn); the
    /// tombstone bitmap (⌈Count / 64⌉ uint64, bit i of word w for id 64w + i); the free list (F uint32, bottom first); the
    /// label start points (E pairs int32 label, uint32 start point or 0xFFFFFFFF, labels ascending, labels without start
    /// point included). Trailer (20 bytes): int64 length of everything before it; uint32 CRC-32C of everything before it;
    /// end magic <c>GVLQSNNA</c>. Postings are not stored: a load rebuilds them from the label sets, in id order.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not writable.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public void Save(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.CanWrite)
        {
            throw new ArgumentException("the destination stream is not writable", nameof(destination));
        }

        _structureLock.EnterWriteLock();
        try
        {
            SaveExclusive(destination);
        }
        finally
        {
            _structureLock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Reads an index written by <see cref="Save"/> from <paramref name="source"/> (from its current position; the stream
    /// is left just after the image): same metric, dimensions, options, points, graph, labels, start points, tombstones
    /// and free list, so it returns the same results for the same searches. Postings are rebuilt in id order.
    /// </summary>
    /// <remarks>
    /// Vectors are read through a 1 MiB buffer straight into the store's rows; every value that could make the index
    /// unsafe (ids, degrees, counts, label order, start points, free slots) is checked, and the trailer's length and
    /// CRC-32C detect truncation and corruption.
    /// </remarks>
    /// <exception cref="InvalidDataException">
    /// Not a vamana index image (bad magic), an unsupported version, a truncated or corrupted image, or inconsistent
    /// values (a neighbour id not below Count, a degree above R, unsorted labels, ...).
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="source"/> is not readable.</exception>
    /// <exception cref="IOException">The stream failed.</exception>
    public static VamanaIndex Load(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.CanRead)
        {
            throw new ArgumentException("the source stream is not readable", nameof(source));
        }

        VamanaFileReader reader = new(source);
        reader.Declare(HeaderBytes);
        if (!reader.Take(Magic.Length).SequenceEqual(Magic))
        {
            throw Corrupt("bad magic: not a vamana index image");
        }

        int version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw Corrupt($"unsupported format version {version}, expected {FormatVersion}");
        }

        Metric metric = (Metric)reader.ReadInt32();
        int dimensions = reader.ReadInt32();
        VamanaOptions options = new()
        {
            MaxDegree = reader.ReadInt32(),
            BuildListSize = reader.ReadInt32(),
            Alpha = reader.ReadSingle(),
            Seed = reader.ReadInt32(),
        };
        LoadHeader header = new(
            Count: reader.ReadInt32(),
            Start: reader.ReadUInt32(),
            LabelEntries: reader.ReadInt32(),
            FreeIds: reader.ReadInt32(),
            NeighborIds: reader.ReadInt64(),
            Labels: reader.ReadInt64());

        VamanaIndex index;
        try
        {
            index = new VamanaIndex(metric, dimensions, options);
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            throw Corrupt($"bad header: {e.Message}", e);
        }

        index.LoadBody(reader, header, source);
        return index;
    }

    private void SaveExclusive(Stream destination)
    {
        int count = _count;
        long neighborIds = 0;
        long labels = 0;
        for (uint id = 0; id < (uint)count; id++)
        {
            neighborIds += _store.Neighbors(id).Length;
            labels += _store.Labels(id).Length;
        }

        LabelDirectory.Entry[] entries = _labels.Entries();
        Array.Sort(entries, static (a, b) => a.Label.CompareTo(b.Label));
        ReadOnlySpan<uint> freeIds = _freeIds.AsSpan(0, _freeCount);

        VamanaFileWriter writer = new(destination);
        writer.WriteBytes(Magic);
        writer.WriteInt32(FormatVersion);
        writer.WriteInt32((int)_metric);
        writer.WriteInt32(_dimensions);
        writer.WriteInt32(_options.MaxDegree);
        writer.WriteInt32(_options.BuildListSize);
        writer.WriteSingle(_options.Alpha);
        writer.WriteInt32(_options.Seed);
        writer.WriteInt32(count);
        writer.WriteUInt32(_start);
        writer.WriteInt32(entries.Length);
        writer.WriteInt32(freeIds.Length);
        writer.WriteInt64(neighborIds);
        writer.WriteInt64(labels);

        for (uint id = 0; id < (uint)count; id++)
        {
            writer.WriteSingles(_store.Vector(id));
        }

        for (uint id = 0; id < (uint)count; id++)
        {
            writer.WriteInt32(_store.Neighbors(id).Length);
        }

        for (uint id = 0; id < (uint)count; id++)
        {
            writer.WriteUInt32s(_store.Neighbors(id));
        }

        for (uint id = 0; id < (uint)count; id++)
        {
            writer.WriteInt32(_store.Labels(id).Length);
        }

        for (uint id = 0; id < (uint)count; id++)
        {
            writer.WriteInt32s(_store.Labels(id));
        }

        int words = (count + 63) / 64;
        for (int w = 0; w < words; w++)
        {
            // A delete racing with the save may briefly tombstone a free slot (it then undoes it): never save that.
            writer.WriteUInt64(_store.TombstoneWord(w) & ~_store.FreeWord(w) & WordMask(count, w));
        }

        writer.WriteUInt32s(freeIds);
        foreach (LabelDirectory.Entry entry in entries)
        {
            writer.WriteInt32(entry.Label);
            writer.WriteUInt32(entry.StartPoint);
        }

        writer.Flush();
        long length = writer.Position;
        uint checksum = writer.Checksum;
        writer.WriteInt64(length);
        writer.WriteUInt32(checksum);
        writer.WriteBytes(EndMagic);
        writer.Flush();
        destination.Flush();
    }

    /// <summary>Reads and checks everything after the header into this new, unpublished index, then publishes it.</summary>
    private void LoadBody(VamanaFileReader reader, LoadHeader header, Stream source)
    {
        int count = header.Count;
        int maxDegree = _options.MaxDegree;
        if (count < 0 || header.LabelEntries < 0 || header.FreeIds < 0 || header.FreeIds > count
            || header.NeighborIds < 0 || header.NeighborIds > (long)count * maxDegree || header.Labels < 0
            || (header.Start != NoStart && header.Start >= (uint)count) || (count == 0 && header.Start != NoStart))
        {
            throw Corrupt($"inconsistent header: {header}");
        }

        int words = (count + 63) / 64;
        long imageBytes;
        try
        {
            imageBytes = checked(HeaderBytes + ((long)count * _dimensions * sizeof(float)) + (2L * count * sizeof(int))
                + (header.NeighborIds * sizeof(uint)) + (header.Labels * sizeof(int)) + ((long)words * sizeof(ulong))
                + ((long)header.FreeIds * sizeof(uint)) + ((long)header.LabelEntries * 2 * sizeof(int)) + TrailerBytes);
        }
        catch (OverflowException e)
        {
            throw Corrupt($"inconsistent header: {header}", e);
        }

        if (source.CanSeek && source.Length - source.Position < imageBytes - HeaderBytes)
        {
            throw Corrupt(
                $"truncated: the header announces {imageBytes} bytes, the stream holds {HeaderBytes + source.Length - source.Position}");
        }

        // Vectors, straight into the rows, a segment allocated as its first row arrives.
        reader.Declare((long)count * _dimensions * sizeof(float));
        for (int id = 0; id < count; id++)
        {
            if ((id & (VamanaStore.SegmentSize - 1)) == 0)
            {
                _store.EnsureCapacity(Math.Min(count, id + VamanaStore.SegmentSize));
            }

            reader.ReadSingles(_store.WritableVector((uint)id));
        }

        int[] degrees = ReadSizes(reader, count, maxDegree, header.NeighborIds, "out-degree");
        reader.Declare(header.NeighborIds * sizeof(uint));
        for (int id = 0; id < count; id++)
        {
            uint[] neighbors = degrees[id] == 0 ? [] : new uint[degrees[id]];
            reader.ReadUInt32s(neighbors);
            foreach (uint j in neighbors)
            {
                if (j >= (uint)count || j == (uint)id)
                {
                    throw Corrupt($"point {id} has neighbour {j} (count {count})");
                }
            }

            _store.SetNeighbors((uint)id, neighbors);
        }

        int[] labelSizes = ReadSizes(reader, count, int.MaxValue, header.Labels, "label-set size");
        reader.Declare(header.Labels * sizeof(int));
        for (int id = 0; id < count; id++)
        {
            if (labelSizes[id] != 0)
            {
                int[] set = new int[labelSizes[id]];
                reader.ReadInt32s(set);
                if (!LabelSets.IsStrictlyAscending(set))
                {
                    throw Corrupt($"the labels of point {id} are not sorted and distinct");
                }

                _store.SetLabels((uint)id, set);
            }
        }

        reader.Declare((long)words * sizeof(ulong));
        int deleted = 0;
        for (int w = 0; w < words; w++)
        {
            ulong bits = reader.ReadUInt64();
            if ((bits & ~WordMask(count, w)) != 0)
            {
                throw Corrupt($"tombstone bitmap word {w} marks ids beyond count {count}");
            }

            _store.SetTombstoneWord(w, bits);
            deleted += BitOperations.PopCount(bits);
        }

        uint[] freeIds = new uint[header.FreeIds];
        reader.Declare((long)header.FreeIds * sizeof(uint));
        reader.ReadUInt32s(freeIds);
        foreach (uint id in freeIds)
        {
            if (id >= (uint)count || _store.IsFree(id) || _store.IsDeleted(id) || degrees[id] != 0 || labelSizes[id] != 0
                || id == header.Start)
            {
                throw Corrupt($"free id {id} is out of range, repeated, tombstoned, the start point, or has neighbours or labels");
            }

            _store.MarkFree(id);
        }

        if (freeIds.Length != 0)
        {
            for (uint id = 0; id < (uint)count; id++)
            {
                foreach (uint j in _store.Neighbors(id))
                {
                    if (_store.IsFree(j))
                    {
                        throw Corrupt($"point {id} has the free slot {j} as a neighbour");
                    }
                }
            }
        }

        reader.Declare((long)header.LabelEntries * 2 * sizeof(int));
        long previous = long.MinValue;
        for (int e = 0; e < header.LabelEntries; e++)
        {
            int label = reader.ReadInt32();
            uint start = reader.ReadUInt32();
            if (label <= previous
                || (start != NoStart && (start >= (uint)count || !LabelSets.Contains(_store.Labels(start), label))))
            {
                throw Corrupt($"label entry {e} (label {label}, start point {start}) is out of order or its start point lacks the label");
            }

            _labels.GetOrAdd(label, start);
            previous = label;
        }

        for (uint id = 0; id < (uint)count; id++)
        {
            foreach (int label in _store.Labels(id))
            {
                LabelDirectory.Entry entry = _labels.Find(label) ?? throw Corrupt($"label {label} of point {id} has no entry");
                entry.Append(id);
            }
        }

        if (!reader.AtDeclaredEnd)
        {
            throw new InvalidOperationException("the load did not consume the declared sections");
        }

        long length = reader.Position;
        uint checksum = reader.Checksum;
        reader.Declare(TrailerBytes);
        long storedLength = reader.ReadInt64();
        uint storedChecksum = reader.ReadUInt32();
        if (!reader.Take(EndMagic.Length).SequenceEqual(EndMagic) || storedLength != length)
        {
            throw Corrupt($"bad trailer: expected an image of {length} bytes ending in the end magic");
        }

        if (storedChecksum != checksum)
        {
            throw Corrupt($"checksum mismatch: stored 0x{storedChecksum:x8}, computed 0x{checksum:x8}");
        }

        _start = header.Start;
        _freeIds = freeIds;
        _freeCount = freeIds.Length;
        _deletedCount = deleted;
        Volatile.Write(ref _count, count);
    }

    /// <summary>Reads <paramref name="count"/> int32 sizes, each in [0, max], that must add up to <paramref name="total"/>.</summary>
    private static int[] ReadSizes(VamanaFileReader reader, int count, int max, long total, string what)
    {
        int[] sizes = new int[count];
        reader.Declare((long)count * sizeof(int));
        reader.ReadInt32s(sizes);
        long sum = 0;
        for (int id = 0; id < count; id++)
        {
            if (sizes[id] < 0 || sizes[id] > max)
            {
                throw Corrupt($"point {id} has {what} {sizes[id]}, outside [0, {max}]");
            }

            sum += sizes[id];
        }

        if (sum != total)
        {
            throw Corrupt($"the {what}s add up to {sum}, the header says {total}");
        }

        return sizes;
    }

    /// <summary>The bits of bitmap word <paramref name="word"/> that stand for ids below <paramref name="count"/>.</summary>
    private static ulong WordMask(int count, int word)
    {
        int bits = count - (word * 64);
        return bits >= 64 ? ulong.MaxValue : (1UL << bits) - 1;
    }

    private static InvalidDataException Corrupt(string message, Exception? inner = null) =>
        new($"invalid vamana index image: {message}", inner);

    /// <summary>The header fields after the options.</summary>
    private readonly record struct LoadHeader(int Count, uint Start, int LabelEntries, int FreeIds, long NeighborIds, long Labels);
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace AnnSql.Index.Vamana;

/// <summary>
/// Vectors, adjacency lists and label sets of a <see cref="VamanaIndex"/>, in fixed-size segments of <see cref="SegmentSize"/> points
/// so the store grows without moving anything a concurrent reader may be using. The segment directory is an array that
/// is replaced (never changed in place) when a segment is added. Each segment holds its vectors row-major in one pinned
/// float array whose rows start on 64-byte boundaries, one slot per point for its neighbour list and, once a point of
/// the segment has labels, one slot per point for its label set. Each segment also holds two bitmaps of one bit a point:
/// tombstones (FreshDiskANN's DeleteList of deleted points not yet consolidated) and free slots (ids recycled by a
/// consolidation, waiting for reuse by an insert).
/// </summary>
/// <remarks>
/// A neighbour list is an immutable <c>uint[]</c>: writers build a new array and publish it with
/// <see cref="Volatile.Write{T}(ref T, T)"/> while holding the point's lock stripe (<see cref="LockFor(uint)"/>); readers
/// take a snapshot with <see cref="Volatile.Read{T}(ref readonly T)"/> and need no lock (convention: no locks on the
/// search path). Bitmap words are read with <see cref="Volatile.Read(ref readonly ulong)"/> and changed with
/// <see cref="Interlocked.Or(ref ulong, ulong)"/> / <see cref="Interlocked.And(ref ulong, ulong)"/>, so bits of one word can
/// be set by different threads and read without locks.
/// </remarks>
internal sealed class VamanaStore
{
    /// <summary>log2 of the points per segment.</summary>
    public const int SegmentShift = 12;

    /// <summary>Points per segment.</summary>
    public const int SegmentSize = 1 << SegmentShift;

    private const int SegmentMask = SegmentSize - 1;

    /// <summary>64-bit bitmap words per segment.</summary>
    private const int WordsPerSegment = SegmentSize / 64;

    /// <summary>Floats per 64-byte cache line; rows are padded to a multiple of it.</summary>
    private const int FloatsPerLine = 64 / sizeof(float);

    /// <summary>Lock stripes for neighbour-list writers; a power of two.</summary>
    private const int LockStripes = 1024;

    private static readonly uint[] NoNeighbors = [];

    private readonly int _dimensions;
    private readonly int _stride;
    private readonly Lock[] _locks;
    private Segment[] _segments = [];

    /// <summary>A store for <paramref name="dimensions"/>-dimensional vectors.</summary>
    public VamanaStore(int dimensions)
    {
        _dimensions = dimensions;
        _stride = checked((dimensions + FloatsPerLine - 1) / FloatsPerLine * FloatsPerLine);
        _ = checked(_stride * SegmentSize);
        _locks = new Lock[LockStripes];
        for (int i = 0; i < _locks.Length; i++)
        {
            _locks[i] = new Lock();
        }
    }

    /// <summary>Points the allocated segments can hold.</summary>
    public int Capacity => Volatile.Read(ref _segments).Length * SegmentSize;

    /// <summary>
    /// Makes room for points 0..<paramref name="count"/>-1. Adds segments and publishes a new directory; existing segments
    /// stay where they are. Callers serialise growth (the index's append lock).
    /// </summary>
    public void EnsureCapacity(int count)
    {
        Segment[] current = _segments;
        int needed = (int)(((long)count + SegmentMask) >> SegmentShift);
        if (needed <= current.Length)
        {
            return;
        }

        Segment[] grown = new Segment[needed];
        Array.Copy(current, grown, current.Length);
        for (int i = current.Length; i < needed; i++)
        {
            grown[i] = new Segment(_stride);
        }

        Volatile.Write(ref _segments, grown);
    }

    /// <summary>Drops every segment (used when a build is cancelled).</summary>
    public void Clear() => Volatile.Write(ref _segments, []);

    /// <summary>Point <paramref name="id"/>'s vector; the point must be within <see cref="Capacity"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<float> Vector(uint id)
    {
        Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
        return MemoryMarshal.CreateReadOnlySpan(ref segment.Row(id & SegmentMask, _stride), _dimensions);
    }

    /// <summary>Writable view of point <paramref name="id"/>'s vector, for the single writer that appends the point.</summary>
    public Span<float> WritableVector(uint id)
    {
        Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
        return MemoryMarshal.CreateSpan(ref segment.Row(id & SegmentMask, _stride), _dimensions);
    }

    /// <summary>
    /// Asks the CPU to start loading the first cache lines of point <paramref name="id"/>'s vector, as DiskANN does for
    /// the neighbours of an expanded node before computing their distances. A no-op without SSE.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(uint id, int lines)
    {
        if (Sse.IsSupported)
        {
            Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
            // SAFETY: the segment's array is pinned (allocated on the pinned object heap), so the address is stable, and
            // a prefetch never faults; lines is at most the row's padded length in cache lines.
            byte* row = (byte*)Unsafe.AsPointer(ref segment.Row(id & SegmentMask, _stride));
            for (int i = 0; i < lines; i++)
            {
                Sse.Prefetch0(row + (i * 64));
            }
        }
    }

    /// <summary>Cache lines one row spans.</summary>
    public int LinesPerRow => _stride / FloatsPerLine;

    /// <summary>Snapshot of point <paramref name="id"/>'s out-neighbours (empty when it has none yet).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint[] Neighbors(uint id)
    {
        Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
        return Volatile.Read(ref segment.Adjacency[id & SegmentMask]) ?? NoNeighbors;
    }

    /// <summary>Publishes a new out-neighbour list for <paramref name="id"/>; the caller holds <see cref="LockFor(uint)"/>.</summary>
    public void SetNeighbors(uint id, uint[] neighbors)
    {
        Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
        Volatile.Write(ref segment.Adjacency[id & SegmentMask], neighbors);
    }

    /// <summary>
    /// Point <paramref name="id"/>'s label set, sorted and distinct (<see cref="LabelSets.Empty"/> when it has none); the
    /// point must be within <see cref="Capacity"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int[] Labels(uint id)
    {
        Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
        int[]?[]? slots = Volatile.Read(ref segment.Labels);
        return slots is null ? LabelSets.Empty : Volatile.Read(ref slots[id & SegmentMask]) ?? LabelSets.Empty;
    }

    /// <summary>
    /// Publishes point <paramref name="id"/>'s label set (sorted, distinct, not empty), for the single writer that appends
    /// the point, before the index's count covers it. A segment's label slots are allocated with its first labelled
    /// point, so an index without labels pays nothing for them.
    /// </summary>
    public void SetLabels(uint id, int[] labels)
    {
        Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
        int[]?[]? slots = segment.Labels;
        if (slots is null)
        {
            slots = new int[]?[SegmentSize];
            Volatile.Write(ref segment.Labels, slots);
        }

        Volatile.Write(ref slots[id & SegmentMask], labels);
    }

    /// <summary>Drops point <paramref name="id"/>'s label set (a consolidation recycling the slot).</summary>
    public void ClearLabels(uint id)
    {
        Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
        int[]?[]? slots = segment.Labels;
        if (slots is not null)
        {
            Volatile.Write(ref slots[id & SegmentMask], null);
        }
    }

    /// <summary>True when point <paramref name="id"/> is tombstoned (deleted, not yet consolidated). Lock-free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsDeleted(uint id)
    {
        Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
        return (Volatile.Read(ref segment.Tombstones[(id & SegmentMask) >> 6]) & (1UL << (int)(id & 63))) != 0;
    }

    /// <summary>Sets point <paramref name="id"/>'s tombstone; returns false when it was already set.</summary>
    public bool TryMarkDeleted(uint id)
    {
        Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
        ulong bit = 1UL << (int)(id & 63);
        return (Interlocked.Or(ref segment.Tombstones[(id & SegmentMask) >> 6], bit) & bit) == 0;
    }

    /// <summary>Clears point <paramref name="id"/>'s tombstone.</summary>
    public void ClearDeleted(uint id)
    {
        Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
        Interlocked.And(ref segment.Tombstones[(id & SegmentMask) >> 6], ~(1UL << (int)(id & 63)));
    }

    /// <summary>True when slot <paramref name="id"/> is free (recycled by a consolidation, not yet reused). Lock-free.</summary>
    public bool IsFree(uint id)
    {
        Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
        return (Volatile.Read(ref segment.Free[(id & SegmentMask) >> 6]) & (1UL << (int)(id & 63))) != 0;
    }

    /// <summary>Marks slot <paramref name="id"/> free.</summary>
    public void MarkFree(uint id)
    {
        Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
        Interlocked.Or(ref segment.Free[(id & SegmentMask) >> 6], 1UL << (int)(id & 63));
    }

    /// <summary>
    /// Clears slot <paramref name="id"/>'s free mark (an insert reusing it). Interlocked, so a full fence: the vector and
    /// labels written before it are visible to whoever sees the slot in use.
    /// </summary>
    public void ClearFree(uint id)
    {
        Segment segment = Volatile.Read(ref _segments)[(int)(id >> SegmentShift)];
        Interlocked.And(ref segment.Free[(id & SegmentMask) >> 6], ~(1UL << (int)(id & 63)));
    }

    /// <summary>Tombstone bitmap word <paramref name="word"/> (ids 64·word .. 64·word + 63); within <see cref="Capacity"/>.</summary>
    public ulong TombstoneWord(int word) =>
        Volatile.Read(ref Volatile.Read(ref _segments)[word / WordsPerSegment].Tombstones[word % WordsPerSegment]);

    /// <summary>Free-slot bitmap word <paramref name="word"/> (ids 64·word .. 64·word + 63); within <see cref="Capacity"/>.</summary>
    public ulong FreeWord(int word) =>
        Volatile.Read(ref Volatile.Read(ref _segments)[word / WordsPerSegment].Free[word % WordsPerSegment]);

    /// <summary>Overwrites tombstone bitmap word <paramref name="word"/>, for a load before the index is published.</summary>
    public void SetTombstoneWord(int word, ulong bits) =>
        Volatile.Write(ref Volatile.Read(ref _segments)[word / WordsPerSegment].Tombstones[word % WordsPerSegment], bits);

    /// <summary>The lock stripe that serialises writers of point <paramref name="id"/>'s neighbour list.</summary>
    public Lock LockFor(uint id) => _locks[id & (LockStripes - 1)];

    /// <summary>
    /// Bytes held by the vector arrays, the adjacency directories, the neighbour lists, the label sets and the tombstone and
    /// free-slot bitmaps.
    /// </summary>
    public long MemoryBytes(int count)
    {
        const int ArrayOverhead = 24;
        Segment[] segments = Volatile.Read(ref _segments);
        long bytes = ArrayOverhead + ((long)IntPtr.Size * segments.Length);
        for (int s = 0; s < segments.Length; s++)
        {
            Segment segment = segments[s];
            bytes += ArrayOverhead + ((long)segment.Vectors.Length * sizeof(float));
            bytes += ArrayOverhead + ((long)IntPtr.Size * SegmentSize);
            bytes += 2 * (ArrayOverhead + (WordsPerSegment * sizeof(ulong)));
            int end = Math.Min(SegmentSize, count - (s * SegmentSize));
            for (int i = 0; i < end; i++)
            {
                uint[]? list = Volatile.Read(ref segment.Adjacency[i]);
                if (list is not null)
                {
                    bytes += ArrayOverhead + ((long)list.Length * sizeof(uint));
                }
            }

            int[]?[]? labels = Volatile.Read(ref segment.Labels);
            if (labels is not null)
            {
                bytes += ArrayOverhead + ((long)IntPtr.Size * SegmentSize);
                for (int i = 0; i < end; i++)
                {
                    int[]? set = Volatile.Read(ref labels[i]);
                    if (set is not null)
                    {
                        bytes += ArrayOverhead + ((long)set.Length * sizeof(int));
                    }
                }
            }
        }

        return bytes;
    }

    /// <summary><see cref="SegmentSize"/> points: their rows, their neighbour-list slots and their label-set slots.</summary>
    private sealed class Segment
    {
        /// <summary>Rows, padded to the stride; <see cref="_offset"/> floats in so the first row is 64-byte aligned.</summary>
        public readonly float[] Vectors;

        public readonly uint[]?[] Adjacency = new uint[]?[SegmentSize];

        /// <summary>Label-set slots, allocated with the segment's first labelled point; null while it has none.</summary>
        public int[]?[]? Labels;

        /// <summary>One bit a point: tombstoned (deleted, not yet consolidated).</summary>
        public readonly ulong[] Tombstones = new ulong[WordsPerSegment];

        /// <summary>One bit a point: a free slot (recycled by a consolidation, waiting for reuse).</summary>
        public readonly ulong[] Free = new ulong[WordsPerSegment];

        private readonly int _offset;

        public unsafe Segment(int stride)
        {
            // Pinned, so rows never move (readers hold spans into them) and the alignment offset stays valid.
            Vectors = GC.AllocateUninitializedArray<float>((stride * SegmentSize) + FloatsPerLine, pinned: true);
            // SAFETY: the array is pinned; the address is only used to compute the alignment offset.
            nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Vectors));
            _offset = (int)((64 - (address & 63)) & 63) / sizeof(float);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ref float Row(uint index, int stride) =>
            ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Vectors), (nint)_offset + ((nint)index * stride));
    }
}

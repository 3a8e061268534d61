using System.Numerics;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// The deletes a StreamingMerge folds in: the set D of nodes tombstoned when it started and the free slots then, as
/// bitmaps over the index's slots, plus D's out-neighbour lists read into memory (FreshDiskANN, arXiv 2105.09613, §5: the
/// delete phase needs N(d) for every d ∈ D while it streams the other nodes). Nodes tombstoned later are not in D.
/// </summary>
internal sealed class MergeTombstones
{
    private readonly ulong[] _deleted;
    private readonly ulong[] _free;
    private readonly uint[] _lists;
    private readonly int[] _degrees;
    private readonly int _stride;

    private MergeTombstones(int count, ulong[] deleted, ulong[] free, uint[] ids, int stride)
    {
        Count = count;
        _deleted = deleted;
        _free = free;
        DeletedIds = ids;
        _stride = stride;
        _lists = new uint[(long)ids.Length * stride];
        _degrees = new int[ids.Length];
    }

    /// <summary>Slots of the index.</summary>
    public int Count { get; }

    /// <summary>D, ascending.</summary>
    public uint[] DeletedIds { get; }

    /// <summary>Slots free at the start.</summary>
    public int FreeCount { get; private set; }

    /// <summary>The full-precision vector of the medoid when it is in D (to choose its successor), else null.</summary>
    public float[]? DeletedMedoid { get; private set; }

    /// <summary>Bytes of the bitmaps and lists.</summary>
    public long MemoryBytes => (((long)_deleted.Length + _free.Length) * sizeof(ulong)) + ((long)_lists.Length * sizeof(uint))
        + ((long)_degrees.Length * sizeof(int)) + ((long)DeletedIds.Length * sizeof(uint));

    /// <summary>
    /// Snapshots <paramref name="index"/>'s tombstones and free slots and reads D's records (neighbour lists, and the
    /// medoid's vector when it is in D) on up to <paramref name="threads"/> threads.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static MergeTombstones Take(DiskIndex index, int threads, CancellationToken cancellationToken)
    {
        int count = index.Count;
        ulong[] deleted = new ulong[(count + 63) / 64];
        ulong[] free = new ulong[deleted.Length];
        int deletedCount = 0;
        int freeCount = 0;
        for (uint id = 0; id < (uint)count; id++)
        {
            if (index.IsFree(id))
            {
                free[id >> 6] |= 1UL << (int)(id & 63);
                freeCount++;
            }
            else if (index.IsDeleted(id))
            {
                deleted[id >> 6] |= 1UL << (int)(id & 63);
                deletedCount++;
            }
        }

        uint[] ids = new uint[deletedCount];
        int n = 0;
        for (int w = 0; w < deleted.Length; w++)
        {
            for (ulong word = deleted[w]; word != 0; word &= word - 1)
            {
                ids[n++] = (uint)((w * 64) + BitOperations.TrailingZeroCount(word));
            }
        }

        MergeTombstones tombstones = new(count, deleted, free, ids, index.MaxDegree) { FreeCount = freeCount };
        tombstones.ReadLists(index, threads, cancellationToken);
        return tombstones;
    }

    /// <summary>Whether <paramref name="id"/> is in D.</summary>
    public bool IsDeleted(uint id) => (_deleted[id >> 6] & (1UL << (int)(id & 63))) != 0;

    /// <summary>Whether slot <paramref name="id"/> was free.</summary>
    public bool IsFree(uint id) => (_free[id >> 6] & (1UL << (int)(id & 63))) != 0;

    /// <summary>Whether <paramref name="id"/> is in D or was free: no edge may lead to it after the merge.</summary>
    public bool IsGone(uint id) => ((_deleted[id >> 6] | _free[id >> 6]) & (1UL << (int)(id & 63))) != 0;

    /// <summary>N(d) of <paramref name="id"/> ∈ D, as read at the start.</summary>
    public ReadOnlySpan<uint> NeighborsOf(uint id)
    {
        int at = Array.BinarySearch(DeletedIds, id);
        return _lists.AsSpan(at * _stride, _degrees[at]);
    }

    private void ReadLists(DiskIndex index, int threads, CancellationToken cancellationToken)
    {
        uint medoid = index.Medoid;
        if (medoid < (uint)Count && IsDeleted(medoid))
        {
            DeletedMedoid = new float[index.Dimensions];
        }

        uint[] ids = DeletedIds;
        CallerParallel.For(ids.Length, 64, threads, (start, end) =>
        {
            float[] vector = new float[index.Dimensions];
            for (int i = start; i < end; i++)
            {
                Span<uint> list = _lists.AsSpan(i * _stride, _stride);
                _degrees[i] = index.ReadNode(ids[i], vector, list);
                if (ids[i] == medoid)
                {
                    vector.CopyTo(DeletedMedoid!, 0);
                }
            }
        }, cancellationToken);
    }
}

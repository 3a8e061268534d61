using System.Collections.Concurrent;

namespace AnnSql.Index.Disk;

/// <summary>The scratches of one merge, handed to workers chunk by chunk and dropped with the merge.</summary>
internal sealed class MergeScratchPool(int dimensions, int readDegree, int tableLength, int searchResults)
{
    private readonly ConcurrentBag<MergeScratch> _free = [];

    /// <summary>A free scratch, or a new one.</summary>
    public MergeScratch Rent() =>
        _free.TryTake(out MergeScratch? scratch) ? scratch : new MergeScratch(dimensions, readDegree, tableLength, searchResults);

    /// <summary>Gives back a scratch taken by <see cref="Rent"/>.</summary>
    public void Return(MergeScratch scratch) => _free.Add(scratch);
}

namespace AnnSql.Index.Vamana;

/// <summary>
/// A read-side critical section of a <see cref="VamanaIndex"/> (epoch-based reclamation): while it is open, no id that the
/// holder may have seen (in search results, in a posting-list span from <see cref="VamanaIndex.GetPostings"/>) is recycled
/// by <see cref="VamanaIndex.Consolidate"/> and reused by an insert, so its vector, labels and deleted state stay as they
/// were. Obtained from <see cref="VamanaIndex.EnterReadScope"/>; dispose it exactly once, on any thread. Nestable, and
/// allocation-free: entering is one interlocked increment of the current epoch's reader count, leaving one decrement.
/// </summary>
/// <remarks>
/// Keep it short: a consolidation waits for every scope opened before its epoch flip before it recycles the deleted ids.
/// For the same reason, never call <see cref="VamanaIndex.Consolidate"/> while holding a scope on the same thread, nor
/// wait inside a scope for a thread that does (the consolidation would wait for the scope, which waits for it). Inserts,
/// deletes, searches and <see cref="VamanaIndex.Save"/> are fine inside a scope. The default value is an empty scope
/// whose disposal does nothing.
/// </remarks>
public readonly struct ReadScope : IDisposable
{
    private readonly VamanaIndex? _index;
    private readonly int _slot;

    /// <summary>A scope registered in reader counter <paramref name="slot"/> of <paramref name="index"/>.</summary>
    internal ReadScope(VamanaIndex index, int slot)
    {
        _index = index;
        _slot = slot;
    }

    /// <summary>Leaves the scope: the consolidation waiting for this epoch's readers may proceed once all have left.</summary>
    public void Dispose() => _index?.ExitReadScope(_slot);
}

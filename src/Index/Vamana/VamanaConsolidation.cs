namespace AnnSql.Index.Vamana;

/// <summary>
/// What one <see cref="VamanaIndex.Consolidate"/> did (FreshDiskANN, arXiv 2105.09613, Algorithm 4): <paramref name="Deleted"/>
/// tombstones consolidated, <paramref name="Repaired"/> live points whose out-neighbour lists were rewritten by RobustPrune,
/// <paramref name="Freed"/> ids added to the free list for reuse by inserts (equal to <paramref name="Deleted"/>).
/// </summary>
/// <param name="Deleted">Tombstones consolidated: the points deleted when the consolidation started.</param>
/// <param name="Repaired">Points not deleted whose neighbour lists held a consolidated point and were rebuilt.</param>
/// <param name="Freed">Ids recycled onto the free list.</param>
public readonly record struct VamanaConsolidation(int Deleted, int Repaired, int Freed);

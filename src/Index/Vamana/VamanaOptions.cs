namespace AnnSql.Index.Vamana;

/// <summary>
/// Build parameters of a Vamana graph (Subramanya et al., "DiskANN", NeurIPS 2019, §2.3): R, the maximum out-degree;
/// L, the search list size used while building; alpha, the RobustPrune distance threshold of the second pass.
/// </summary>
public sealed record VamanaOptions
{
    /// <summary>
    /// R: maximum out-degree of a node; must be at least 1. Default 32: on MNIST (60k x 784) it reaches recall@10 ≥ 0.98
    /// at L = 16, and larger R mostly adds memory and distance computations per hop.
    /// </summary>
    public int MaxDegree { get; init; } = 32;

    /// <summary>
    /// L used by the GreedySearches of each insertion while building (and by the inserts of <see cref="VamanaIndex"/>); must
    /// be at least 1. Default 64: build time grows with it (on MNIST 60k, 48 builds ~30% faster and loses ~0.002 recall@10).
    /// </summary>
    public int BuildListSize { get; init; } = 64;

    /// <summary>
    /// alpha ≥ 1 (finite) of RobustPrune's second pass and of inserts (the first build pass uses 1). Default 1.2, DiskANN's
    /// empirically good value across data sets: larger keeps more long edges (fewer hops, more distances per hop).
    /// </summary>
    public float Alpha { get; init; } = 1.2f;

    /// <summary>
    /// Seed of the random insertion order of the build passes (the graph starts empty), so builds on one thread are
    /// reproducible.
    /// </summary>
    public int Seed { get; init; } = 20190101;
}

/// <summary>
/// Work done by one search of a <see cref="VamanaIndex"/>, filtered or not: nodes expanded (hops) and distances computed
/// (a filtered search's label tests are not distances).
/// </summary>
public readonly record struct VamanaSearchStats(int Hops, int DistanceComputations);

/// <summary>Build progress: the pass (1 or 2) and how many of the points that pass has inserted.</summary>
public readonly record struct VamanaBuildProgress(int Pass, long PointsDone, long PointsTotal);

namespace AnnSql.Index.Vamana;

/// <summary>
/// Per-thread working memory of GreedySearch and RobustPrune, reused across calls and across indexes so the hot paths
/// allocate nothing after a thread's first call (DiskANN's <c>InMemQueryScratch</c>). Buffers only grow.
/// </summary>
internal sealed class SearchScratch
{
    [ThreadStatic]
    private static SearchScratch? _current;

    /// <summary>The calling thread's scratch.</summary>
    public static SearchScratch Current => _current ??= new SearchScratch();

    /// <summary>The candidate list ℒ.</summary>
    public NeighborPriorityQueue Candidates { get; } = new();

    /// <summary>Points whose distance this search has computed.</summary>
    public VisitedSet Visited { get; } = new();

    /// <summary>Unvisited out-neighbours of the node being expanded.</summary>
    public uint[] Fresh { get; private set; } = new uint[64];

    /// <summary>The expanded set V of a build search, with distances to the point being inserted; then RobustPrune's pool.</summary>
    public Neighbor[] Pool { get; private set; } = new Neighbor[256];

    /// <summary>Entries of <see cref="Pool"/> in use.</summary>
    public int PoolCount { get; set; }

    /// <summary>RobustPrune's occluded marks, parallel to <see cref="Pool"/>.</summary>
    public bool[] Occluded { get; private set; } = new bool[256];

    /// <summary>RobustPrune's output.</summary>
    public uint[] Pruned { get; private set; } = new uint[64];

    /// <summary>
    /// FilteredRobustPrune's per-candidate labels, parallel to <see cref="Pool"/>: the candidate's label set when it shares
    /// a label with the pruned point, else null (no label condition). Grown by <see cref="EnsurePoolLabels"/>.
    /// </summary>
    public int[]?[] PoolLabels { get; private set; } = [];

    /// <summary>Makes <see cref="Fresh"/> hold at least <paramref name="length"/> ids.</summary>
    public uint[] EnsureFresh(int length)
    {
        if (Fresh.Length < length)
        {
            Fresh = new uint[length];
        }

        return Fresh;
    }

    /// <summary>Appends to <see cref="Pool"/>, growing it when full.</summary>
    public void AddToPool(uint id, float distance)
    {
        if (PoolCount == Pool.Length)
        {
            Neighbor[] grown = new Neighbor[Pool.Length * 2];
            Array.Copy(Pool, grown, PoolCount);
            Pool = grown;
        }

        Pool[PoolCount++] = new Neighbor(id, distance);
    }

    /// <summary>Makes <see cref="Occluded"/> and <see cref="Pruned"/> large enough for a pool of the current size and R.</summary>
    public void EnsurePruneBuffers(int maxDegree)
    {
        if (Occluded.Length < PoolCount)
        {
            Occluded = new bool[Pool.Length];
        }

        if (Pruned.Length < maxDegree)
        {
            Pruned = new uint[maxDegree];
            PrunedAt = new int[maxDegree];
        }
    }

    /// <summary>Pool indices of the entries in <see cref="Pruned"/>, for FilteredRobustPrune.</summary>
    public int[] PrunedAt { get; private set; } = new int[64];

    /// <summary>Per-label counters of the labelled build (one per label of the point being linked).</summary>
    public int[] LabelCounts { get; private set; } = new int[8];

    /// <summary>Pool indices FilteredRobustPrune adds to cover the point's labels.</summary>
    public int[] Repairs { get; private set; } = new int[64];

    /// <summary>The first <paramref name="length"/> entries of <see cref="LabelCounts"/>, grown when needed.</summary>
    public Span<int> EnsureLabelCounts(int length)
    {
        if (LabelCounts.Length < length)
        {
            LabelCounts = new int[length];
        }

        return LabelCounts.AsSpan(0, length);
    }

    /// <summary>The first <paramref name="length"/> entries of <see cref="Repairs"/>, grown when needed.</summary>
    public Span<int> EnsureRepairs(int length)
    {
        if (Repairs.Length < length)
        {
            Repairs = new int[length];
        }

        return Repairs.AsSpan(0, length);
    }

    /// <summary>Makes <see cref="PoolLabels"/> large enough for a pool of the current size.</summary>
    public int[]?[] EnsurePoolLabels()
    {
        if (PoolLabels.Length < PoolCount)
        {
            PoolLabels = new int[]?[Pool.Length];
        }

        return PoolLabels;
    }
}

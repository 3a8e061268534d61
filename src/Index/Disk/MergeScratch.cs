using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// One merge worker's buffers: a node's record, its candidate pool with their codes and distances, the distance table of
/// the pruned point, and the insert searches' results. Rented from a <see cref="MergeScratchPool"/> for a chunk of nodes;
/// the candidate buffers only grow, so a worker allocates nothing once its pools reached their largest size.
/// </summary>
internal sealed class MergeScratch
{
    /// <summary>
    /// Buffers for vectors of <paramref name="dimensions"/>, records of <paramref name="readDegree"/> neighbours, distance
    /// tables of <paramref name="tableLength"/> floats and searches returning <paramref name="searchResults"/> ids.
    /// </summary>
    public MergeScratch(int dimensions, int readDegree, int tableLength, int searchResults)
    {
        Vector = new float[dimensions];
        Neighbors = new uint[readDegree];
        Table = new float[tableLength];
        SearchIds = new uint[searchResults];
        SearchDistances = new float[searchResults];
    }

    /// <summary>The full-precision vector of the point being inserted.</summary>
    public float[] Vector { get; }

    /// <summary>Out-neighbours read with a record (room for the read index's R).</summary>
    public uint[] Neighbors { get; }

    /// <summary>The distance table of the pruned point.</summary>
    public float[] Table { get; }

    /// <summary>Ids written by an insert search.</summary>
    public uint[] SearchIds { get; }

    /// <summary>Full-precision distances written by an insert search.</summary>
    public float[] SearchDistances { get; }

    /// <summary>Candidate ids as collected (duplicates allowed), then the pool's ids in pool order.</summary>
    public uint[] Candidates { get; private set; } = new uint[256];

    /// <summary>RobustPrune's pool: candidates with their distance to the pruned point.</summary>
    public Neighbor[] Pool { get; private set; } = new Neighbor[256];

    /// <summary>Codes of the pool's candidates, row-major in pool order.</summary>
    public byte[] PoolCodes { get; private set; } = [];

    /// <summary>Per-candidate distances.</summary>
    public float[] Distances { get; private set; } = new float[256];

    /// <summary>Code rows whose distances to the pruned point are computed, then the pool rows RobustPrune kept.</summary>
    public uint[] Rows { get; private set; } = new uint[256];

    /// <summary>RobustPrune's occluded marks, parallel to <see cref="Pool"/>.</summary>
    public bool[] Occluded { get; private set; } = new bool[256];

    /// <summary>
    /// Makes the per-candidate buffers hold <paramref name="candidates"/> entries with codes of <paramref name="chunks"/>
    /// bytes.
    /// </summary>
    public void EnsureCandidates(int candidates, int chunks)
    {
        if (Candidates.Length < candidates)
        {
            int length = Math.Max(candidates, Candidates.Length * 2);
            Candidates = new uint[length];
            Pool = new Neighbor[length];
            Distances = new float[length];
            Rows = new uint[length];
            Occluded = new bool[length];
        }

        if (PoolCodes.Length < Candidates.Length * chunks)
        {
            PoolCodes = new byte[Candidates.Length * chunks];
        }
    }
}

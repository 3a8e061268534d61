namespace AnnSql.Index.Disk;

/// <summary>
/// What one <see cref="DiskIndex"/> search cost: beam steps (<see cref="Hops"/>), node records read from the file
/// (<see cref="SectorReads"/>, in 4 KiB sectors) and served from the hot-node cache (<see cref="CacheHits"/>), and the
/// distances computed from PQ codes and from full-precision vectors.
/// </summary>
public readonly record struct DiskSearchStats(int Hops, int SectorReads, int CacheHits, int PqDistances, int FullDistances);

using System.Diagnostics.Metrics;
using AnnSql.Sql.Storage;

namespace AnnSql.Sql.Indexing;

/// <summary>
/// Index instruments on the <c>AnnSql.Sql</c> meter: per index search, the work it did (distance computations, graph
/// hops, and for <c>storage = 'disk'</c> indexes the 4 KiB sector reads and hot-node cache hits, DiskANN §3), and the
/// duration of each build. Tagged with the index name and its storage. Sizes, points and build progress are observed
/// per database (<see cref="DatabaseMetrics"/>).
/// </summary>
public static class IndexMetrics
{
    private static readonly InstrumentAdvice<long> CountBuckets = new()
    {
        HistogramBucketBoundaries = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000],
    };

    private static readonly Histogram<long> DistanceComputations = StorageMetrics.Meter.CreateHistogram(
        "annsql.index.search.distance_computations", "{computation}", "Distance computations per index search (full-precision and PQ).", advice: CountBuckets);

    private static readonly Histogram<long> Hops = StorageMetrics.Meter.CreateHistogram(
        "annsql.index.search.hops", "{hop}", "Graph nodes expanded per index search.", advice: CountBuckets);

    private static readonly Histogram<long> SectorReads = StorageMetrics.Meter.CreateHistogram(
        "annsql.index.search.sector_reads", "{sector}", "4 KiB sectors read from a disk index file per search.", advice: CountBuckets);

    private static readonly Histogram<long> CacheHits = StorageMetrics.Meter.CreateHistogram(
        "annsql.index.search.cache_hits", "{node}", "Nodes served from a disk index's hot-node cache per search.", advice: CountBuckets);

    private static readonly Histogram<double> BuildDuration = StorageMetrics.Meter.CreateHistogram<double>(
        "annsql.index.build.duration", "s", "Duration of index builds (CREATE INDEX, REINDEX, rebuilds at startup).", advice: StorageMetrics.LongDurations);

    /// <summary>Records one search of <paramref name="index"/>; the disk counts only for disk-resident indexes.</summary>
    public static void Search(string index, bool disk, long distanceComputations, long hops, long sectorReads, long cacheHits)
    {
        var name = new KeyValuePair<string, object?>("index", index);
        var storage = new KeyValuePair<string, object?>("storage", disk ? "disk" : "memory");
        DistanceComputations.Record(distanceComputations, name, storage);
        Hops.Record(hops, name, storage);
        if (disk)
        {
            SectorReads.Record(sectorReads, name, storage);
            CacheHits.Record(cacheHits, name, storage);
        }
    }

    /// <summary>Records a finished build of <paramref name="index"/>.</summary>
    public static void Built(string index, bool disk, TimeSpan duration) =>
        BuildDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("index", index),
            new KeyValuePair<string, object?>("storage", disk ? "disk" : "memory"));
}

using System.Diagnostics.Metrics;
using AnnSql.Sql.Indexing;
using AnnSql.Sql.Storage;

namespace AnnSql.Sql;

/// <summary>
/// The gauges one open <see cref="Database"/> reports on the <c>AnnSql.Sql</c> meter, read when the exporter collects:
/// each vector index's size in bytes (resident memory and disk file) and live points, the progress of running
/// CREATE INDEX builds, and the GPU's use (device memory held by column mirrors, exact scans run there). Disposed with
/// the database, which removes them.
/// </summary>
internal sealed class DatabaseMetrics : IDisposable
{
    private static readonly Counter<long> GpuSearches = StorageMetrics.Meter.CreateCounter<long>(
        "annsql.gpu.searches", "{query}", "Exact k-NN queries answered on the GPU backend.");

    private readonly Meter _meter = new(StorageMetrics.MeterName);

    public DatabaseMetrics(Database database)
    {
        _meter.CreateObservableGauge("annsql.index.size", () => Indexes(database).SelectMany(i => new[]
        {
            new Measurement<long>(i.Index.ResidentBytes, Tag("index", i.Index.Info.Name), Tag("location", "memory")),
            new Measurement<long>(i.Index.DiskFile?.FileBytes ?? 0, Tag("index", i.Index.Info.Name), Tag("location", "disk")),
        }), "By", "Bytes of each vector index: resident in memory (graph, vectors or PQ codes, cache) and its disk file.");

        _meter.CreateObservableGauge("annsql.index.points", () => Indexes(database).Select(i =>
            new Measurement<long>(i.Index.Points, Tag("index", i.Index.Info.Name), Tag("table", i.Table))),
            "{point}", "Points in each vector index's graph (live and not yet consolidated).");

        _meter.CreateObservableGauge("annsql.index.build.progress", () => database.IndexBuilds.Values.Select(p =>
            new Measurement<double>(p.Percent, Tag("index", IndexName(database, p.IndexOid)))),
            "%", "Completion of each running index build (CREATE INDEX, rebuilds at start-up) over both Vamana passes.");

        _meter.CreateObservableGauge("annsql.gpu.memory.used", () => database.DeviceScans.DeviceBytes,
            "By", "Device memory held by the GPU mirrors of vector columns.");
    }

    /// <summary>Counts <paramref name="queries"/> queries answered on the GPU backend (a LATERAL batch sends many at once).</summary>
    public static void GpuQueries(long queries) => GpuSearches.Add(queries);

    public void Dispose() => _meter.Dispose();

    private static IEnumerable<(VectorIndex Index, string Table)> Indexes(Database database) =>
        database.AllTables().SelectMany(t => t.VectorIndexes.Select(i => (i, t.Info.Name)));

    private static string IndexName(Database database, uint oid) =>
        database.Catalog.Tables.Values.SelectMany(t => t.Indexes).FirstOrDefault(i => i.Oid == oid)?.Name ?? oid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}

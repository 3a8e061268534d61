using System.Diagnostics.Metrics;

namespace AnnSql.Sql.Storage;

/// <summary>
/// Storage instruments on the <c>AnnSql.Sql</c> meter (OpenTelemetry naming, units in the instrument). Host exports
/// them; the library only records.
/// </summary>
public static class StorageMetrics
{
    /// <summary>Name of the meter shared by the SQL engine's instruments.</summary>
    public const string MeterName = "AnnSql.Sql";

    /// <summary>Histogram buckets for work that takes from milliseconds to many minutes (checkpoints, index builds), in seconds.</summary>
    public static readonly InstrumentAdvice<double> LongDurations = new()
    {
        HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    };

    /// <summary>The <c>AnnSql.Sql</c> meter.</summary>
    public static readonly Meter Meter = new(MeterName);

    /// <summary>Duration of each WAL segment fsync, in seconds (<c>annsql.wal.fsync.duration</c>).</summary>
    public static readonly Histogram<double> WalFsyncDuration = Meter.CreateHistogram<double>(
        "annsql.wal.fsync.duration", unit: "s", description: "Duration of WAL fsync calls.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });

    /// <summary>Bytes written to WAL segment files, record headers included (<c>annsql.wal.bytes</c>).</summary>
    public static readonly Counter<long> WalBytes = Meter.CreateCounter<long>(
        "annsql.wal.bytes", unit: "By", description: "Bytes written to the write-ahead log.");

    /// <summary>Duration of each checkpoint, rows and index files included, in seconds (<c>annsql.checkpoint.duration</c>).</summary>
    public static readonly Histogram<double> CheckpointDuration = Meter.CreateHistogram<double>(
        "annsql.checkpoint.duration", unit: "s", description: "Duration of checkpoints.", advice: LongDurations);
}

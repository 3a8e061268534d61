using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text.Json;
using AnnSql.Index.Distance;

using AnnSql.Tools.Datasets;

namespace AnnSql.Benchmarks;

/// <summary>
/// Distance computations per second on one core: each metric's batch kernel
/// (<see cref="VectorDistances.ComputeBatch(Metric, ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float})"/>, the
/// exact-scan primitive) over the data set's base rows, one query after another, on the calling thread, for a fixed
/// time; the scalar reference loops of <see cref="ReferenceDistances"/> as the baseline. Prints one JSON line per metric
/// and path, then a table.
/// </summary>
internal static class KernelThroughput
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Measures every float metric with both paths for <paramref name="duration"/> each.</summary>
    public static int Run(VectorDataSet data, TimeSpan duration)
    {
        string simd = Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256"
            : Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";
        Console.WriteLine($"# widest accelerated vector: {simd}; {data.Count} rows x {data.Dimensions} dimensions; one thread");
        List<(Metric Metric, string Path, double PerSecond)> rows = [];
        foreach (Metric metric in new[] { Metric.L2, Metric.InnerProduct, Metric.Cosine, Metric.L1 })
        {
            foreach (bool reference in new[] { false, true })
            {
                string path = reference ? "scalar reference" : "SIMD";
                double perSecond = Measure(data, metric, reference, duration);
                var line = new
                {
                    Metric = metric.ToString(),
                    Path = path,
                    data.Dimensions,
                    DistancesPerSecond = Math.Round(perSecond),
                    NsPerDistance = Math.Round(1e9 / perSecond, 2),
                    GflopsEquivalent = Math.Round(perSecond * data.Dimensions * 3 / 1e9, 2),
                };
                Console.WriteLine(JsonSerializer.Serialize(line, JsonOptions));
                rows.Add((metric, path, perSecond));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"metric",-13} {"path",-17} {"distances/s/core",17} {"ns/distance",12}");
        foreach ((Metric metric, string path, double perSecond) in rows)
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture, $"{metric,-13} {path,-17} {perSecond,17:N0} {1e9 / perSecond,12:0.0}"));
        }

        return 0;
    }

    private static double Measure(VectorDataSet data, Metric metric, bool reference, TimeSpan duration)
    {
        float[] distances = new float[data.Count];
        long computed = 0;
        double checksum = 0;
        // One short pass first so tiered compilation has produced the optimised code before the clock starts.
        RunOne(data, metric, reference, 0, distances);
        Stopwatch clock = Stopwatch.StartNew();
        for (int q = 0; clock.Elapsed < duration; q = (q + 1) % data.QueryCount)
        {
            RunOne(data, metric, reference, q, distances);
            computed += data.Count;
            checksum += distances[q % data.Count];
        }

        double seconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(checksum);
        return computed / seconds;
    }

    private static void RunOne(VectorDataSet data, Metric metric, bool reference, int query, float[] distances)
    {
        ReadOnlySpan<float> q = data.Query(query).Span;
        if (reference)
        {
            ReferenceDistances.ComputeBatch(metric, q, data.BaseRows, data.Dimensions, distances);
        }
        else
        {
            VectorDistances.ComputeBatch(metric, q, data.BaseRows, data.Dimensions, distances);
        }
    }
}

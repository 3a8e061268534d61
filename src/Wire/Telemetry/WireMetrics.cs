using System.Diagnostics.Metrics;

namespace AnnSql.Wire.Telemetry;

/// <summary>The "AnnSql.Wire" meter: connection counts. Host exports it (OpenTelemetry); the library only records.</summary>
internal static class WireMetrics
{
    public const string MeterName = "AnnSql.Wire";

    private static readonly Meter Meter = new(MeterName);

    private static readonly UpDownCounter<long> ActiveConnections =
        Meter.CreateUpDownCounter<long>("annsql.connections.active", "{connection}", "Connections currently open.");

    private static readonly Counter<long> TotalConnections =
        Meter.CreateCounter<long>("annsql.connections.total", "{connection}", "Connections accepted since start.");

    public static void ConnectionOpened()
    {
        ActiveConnections.Add(1);
        TotalConnections.Add(1);
    }

    public static void ConnectionClosed() => ActiveConnections.Add(-1);
}

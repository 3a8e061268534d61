using System.Diagnostics.Metrics;

namespace AnnSql.Wire.Telemetry;

/// <summary>
/// The "AnnSql.Wire" meter: connections (open, accepted, rejected before startup completed) and errors sent, by SQLSTATE
/// class. Host exports it (OpenTelemetry); the library only records.
/// </summary>
internal static class WireMetrics
{
    public const string MeterName = "AnnSql.Wire";

    private static readonly Meter Meter = new(MeterName);

    private static readonly UpDownCounter<long> ActiveConnections =
        Meter.CreateUpDownCounter<long>("annsql.connections.active", "{connection}", "Connections currently open.");

    private static readonly Counter<long> TotalConnections =
        Meter.CreateCounter<long>("annsql.connections.total", "{connection}", "Connections accepted since start.");

    private static readonly Counter<long> RejectedConnections =
        Meter.CreateCounter<long>("annsql.connections.rejected", "{connection}",
            "Connections closed before startup completed: authentication failed, no pg_hba rule, a protocol error.");

    private static readonly Counter<long> Errors =
        Meter.CreateCounter<long>("annsql.errors", "{error}", "ErrorResponse messages sent, by SQLSTATE class (first two characters).");

    public static void ConnectionOpened()
    {
        ActiveConnections.Add(1);
        TotalConnections.Add(1);
    }

    public static void ConnectionClosed() => ActiveConnections.Add(-1);

    public static void ConnectionRejected(string sqlState) =>
        RejectedConnections.Add(1, new KeyValuePair<string, object?>("sqlstate", sqlState));

    public static void ErrorSent(string sqlState) =>
        Errors.Add(1, new KeyValuePair<string, object?>("sqlstate_class", sqlState.Length >= 2 ? sqlState[..2] : sqlState));
}

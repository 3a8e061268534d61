using System.Diagnostics.Metrics;

namespace AnnSql.Host.Telemetry;

/// <summary>
/// The <c>AnnSql.Host</c> meter: per statement, its duration from execution start to CommandComplete (rows written
/// included) and the rows it returned, by statement kind (the command tag without its counts: <c>SELECT</c>,
/// <c>INSERT</c>, <c>CREATE INDEX</c>, ...; a failed statement is counted under <c>outcome=error</c> with its first
/// keyword).
/// </summary>
internal static class QueryMetrics
{
    public const string MeterName = "AnnSql.Host";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "annsql.query.duration", "s", "Statement duration, execution to CommandComplete, by statement kind.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    private static readonly Counter<long> Rows = Meter.CreateCounter<long>(
        "annsql.query.rows", "{row}", "Rows returned to clients (DataRow and COPY TO rows), by statement kind.");

    /// <summary>Records a statement that completed with <paramref name="commandTag"/> after returning <paramref name="rows"/> rows.</summary>
    public static void Completed(string commandTag, long rows, double seconds)
    {
        string kind = Kind(commandTag);
        var statement = new KeyValuePair<string, object?>("statement", kind);
        Duration.Record(seconds, statement, new KeyValuePair<string, object?>("outcome", "ok"));
        if (rows > 0)
        {
            Rows.Add(rows, statement);
        }
    }

    /// <summary>Records a statement of SQL text <paramref name="sql"/> that failed after <paramref name="seconds"/>.</summary>
    public static void Failed(string sql, double seconds)
    {
        string keyword = FirstKeyword(sql);
        Duration.Record(seconds, new KeyValuePair<string, object?>("statement", keyword), new KeyValuePair<string, object?>("outcome", "error"));
    }

    /// <summary>"INSERT 0 5" → "INSERT", "CREATE INDEX" → "CREATE INDEX", "SELECT 10" → "SELECT".</summary>
    internal static string Kind(string commandTag)
    {
        int end = commandTag.Length;
        while (end > 0 && (char.IsAsciiDigit(commandTag[end - 1]) || commandTag[end - 1] == ' '))
        {
            end--;
        }

        return end == commandTag.Length ? commandTag : commandTag[..end];
    }

    private static string FirstKeyword(string sql)
    {
        var text = sql.AsSpan().TrimStart();
        int length = 0;
        while (length < text.Length && (char.IsAsciiLetter(text[length]) || text[length] == '_'))
        {
            length++;
        }

        // Only known statement keywords become label values, so junk sent by a client cannot add series without bound.
        foreach (string keyword in Keywords)
        {
            if (text[..length].Equals(keyword, StringComparison.OrdinalIgnoreCase))
            {
                return keyword;
            }
        }

        return "OTHER";
    }

    private static readonly string[] Keywords =
    [
        "SELECT", "INSERT", "UPDATE", "DELETE", "COPY", "WITH", "VALUES", "CREATE", "DROP", "ALTER", "TRUNCATE", "BEGIN", "START",
        "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "PREPARE", "EXECUTE", "DEALLOCATE", "EXPLAIN", "SET", "SHOW", "RESET",
        "DISCARD", "VACUUM", "REINDEX", "CHECKPOINT", "LOCK", "ANALYZE", "BASE_BACKUP",
    ];
}

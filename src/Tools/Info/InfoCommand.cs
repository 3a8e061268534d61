using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Npgsql;

namespace AnnSql.Tools.Info;

/// <summary>
/// <c>annsql info</c>: what a running server holds, read over SQL: each table with its row count, and each diskann index
/// with its key column, operator class and options (<c>pg_get_indexdef</c>), storage, state, points, resident and file
/// bytes and build time (<c>diskann_index_stats</c>), plus a recall self-check: for a sample of the table's own vectors
/// as queries, recall@k of the index scan against an exact scan (ties counted by distance) and the index scan's mean
/// latency. Prints a table, or JSON lines with <c>--json</c>.
/// </summary>
public static class InfoCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The <c>info</c> verb.</summary>
    public static Command Create()
    {
        Option<string> connection = new("--connection", "-c")
        {
            Description = "Npgsql connection string of the server",
            DefaultValueFactory = _ => Import.ImportOptions.DefaultConnectionString,
        };
        Option<int> sample = new("--sample")
        {
            Description = "Rows sampled as queries for each index's recall self-check (0 skips it)",
            DefaultValueFactory = _ => 20,
        };
        Option<int> k = new("--k") { Description = "k of the recall self-check", DefaultValueFactory = _ => 10 };
        Option<bool> json = new("--json") { Description = "Print one JSON object per table and per index instead of a table" };
        Command command = new("info", "Tables, diskann indexes (parameters, sizes, build time) and a recall self-check of each index")
        {
            connection, sample, k, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                await RunAsync(parse.GetValue(connection)!, parse.GetValue(sample), parse.GetValue(k), parse.GetValue(json), Console.Out, ct);
                return 0;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                Console.Error.WriteLine($"annsql info: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>Reads the server's tables and indexes and writes the report to <paramref name="output"/>.</summary>
    /// <exception cref="NpgsqlException">the server cannot be reached or a query fails (PostgresException carries the SQLSTATE).</exception>
    public static async Task RunAsync(string connectionString, int sample, int k, bool json, TextWriter output, CancellationToken ct)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var conn = await source.OpenConnectionAsync(ct);
        var tables = new List<(string Name, long Rows)>();
        foreach (string table in await ColumnAsync<string>(conn,
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 1", ct))
        {
            long rows = (await ColumnAsync<long>(conn, $"SELECT count(*) FROM {Quote(table)}", ct))[0];
            tables.Add((table, rows));
        }

        var indexes = new List<IndexReport>();
        await using (var cmd = new NpgsqlCommand(
            "SELECT indexname::text, relname::text, storage, state, points, resident_bytes, file_bytes, build_seconds, pg_get_indexdef(indexrelid) FROM diskann_index_stats ORDER BY 2, 1", conn))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                indexes.Add(new IndexReport(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4),
                    reader.GetInt64(5), reader.GetInt64(6), reader.GetDouble(7), reader.GetString(8)));
            }
        }

        foreach (var index in indexes.Where(i => sample > 0 && i.State == "ready"))
        {
            await SelfCheckAsync(conn, index, sample, k, ct);
        }

        if (json)
        {
            foreach (var (name, rows) in tables)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new { table = name, rows }, JsonOptions));
            }

            foreach (var i in indexes)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    index = i.Name,
                    table = i.Table,
                    column = i.Column,
                    opclass = i.OperatorClass,
                    options = i.Options,
                    storage = i.Storage,
                    state = i.State,
                    points = i.Points,
                    resident_bytes = i.ResidentBytes,
                    file_bytes = i.FileBytes,
                    build_seconds = i.BuildSeconds,
                    recall = i.Recall,
                    k = i.Recall is null ? (int?)null : k,
                    sample = i.Sampled,
                    mean_ms = i.MeanMilliseconds,
                }, JsonOptions));
            }

            return;
        }

        await output.WriteLineAsync(Format(["table", "rows"], tables.Select(t => new[] { t.Name, t.Rows.ToString("N0", CultureInfo.InvariantCulture) })));
        await output.WriteLineAsync(Format(
            ["index", "table", "column", "opclass", "options", "storage", "state", "points", "memory", "file", "build s", $"recall@{k}", "ms/query"],
            indexes.Select(i => new[]
            {
                i.Name, i.Table, i.Column, i.OperatorClass, i.Options, i.Storage, i.State, i.Points.ToString("N0", CultureInfo.InvariantCulture),
                Bytes(i.ResidentBytes), Bytes(i.FileBytes), i.BuildSeconds.ToString("F2", CultureInfo.InvariantCulture),
                i.Recall?.ToString("F3", CultureInfo.InvariantCulture) ?? "-", i.MeanMilliseconds?.ToString("F2", CultureInfo.InvariantCulture) ?? "-",
            })));
    }

    /// <summary>
    /// Recall@k of the index scan on <paramref name="sample"/> random rows' vectors: a returned row counts when its distance
    /// is within the exact k-th distance (so ties count), the exact answer coming from an ORDER BY the index cannot serve.
    /// </summary>
    private static async Task SelfCheckAsync(NpgsqlConnection conn, IndexReport index, int sample, int k, CancellationToken ct)
    {
        string column = Quote(index.Column);
        string table = Quote(index.Table);
        string type = (await ColumnAsync<string>(conn,
            $"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '{table.Replace("'", "''", StringComparison.Ordinal)}'::regclass AND attname = '{index.Column.Replace("'", "''", StringComparison.Ordinal)}'", ct))[0];
        string op = index.OperatorClass switch
        {
            var o when o.EndsWith("_l2_ops", StringComparison.Ordinal) => "<->",
            var o when o.EndsWith("_ip_ops", StringComparison.Ordinal) => "<#>",
            var o when o.EndsWith("_l1_ops", StringComparison.Ordinal) => "<+>",
            _ => "<=>",
        };
        var queries = await ColumnAsync<string>(conn,
            $"SELECT {column}::text FROM {table} WHERE {column} IS NOT NULL ORDER BY random() LIMIT {sample.ToString(CultureInfo.InvariantCulture)}", ct);
        string limit = k.ToString(CultureInfo.InvariantCulture);
        double hits = 0;
        var clock = new Stopwatch();
        foreach (string query in queries)
        {
            clock.Start();
            var found = await DistancesAsync(conn, $"SELECT ({column} {op} $1::{type})::float8 FROM {table} ORDER BY {column} {op} $1::{type} LIMIT {limit}", query, ct);
            clock.Stop();
            var exact = await DistancesAsync(conn, $"SELECT ({column} {op} $1::{type})::float8 AS d FROM {table} WHERE {column} IS NOT NULL ORDER BY ({column} {op} $1::{type}) + 0 LIMIT {limit}", query, ct);
            if (exact.Count == 0)
            {
                continue;
            }

            double kth = exact[^1];
            hits += (double)Math.Min(found.Count(d => d <= kth + (Math.Abs(kth) * 1e-6) + 1e-9), exact.Count) / exact.Count;
        }

        index.Sampled = queries.Count;
        if (queries.Count > 0)
        {
            index.Recall = hits / queries.Count;
            index.MeanMilliseconds = clock.Elapsed.TotalMilliseconds / queries.Count;
        }
    }

    private static async Task<List<double>> DistancesAsync(NpgsqlConnection conn, string sql, string query, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { Parameters = { new() { Value = query } } };
        var result = new List<double>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(reader.GetDouble(0));
        }

        return result;
    }

    private static async Task<List<T>> ColumnAsync<T>(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        var result = new List<T>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(reader.GetFieldValue<T>(0));
        }

        return result;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F1} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F1} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };

    /// <summary>Left-aligned columns separated by two spaces, under a header and a rule.</summary>
    private static string Format(string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = header.Select((_, c) => all.Max(r => r[c].Length)).ToArray();
        var text = new System.Text.StringBuilder();
        for (int r = 0; r < all.Count; r++)
        {
            text.AppendLine(string.Join("  ", all[r].Select((v, c) => v.PadRight(widths[c]))).TrimEnd());
            if (r == 0)
            {
                text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }

        return text.ToString();
    }

    /// <summary>One index's row of the report; the key column, operator class and options are read off its definition.</summary>
    private sealed class IndexReport(string name, string table, string storage, string state, long points, long residentBytes, long fileBytes,
        double buildSeconds, string definition)
    {
        public string Name { get; } = name;

        public string Table { get; } = table;

        public string Storage { get; } = storage;

        public string State { get; } = state;

        public long Points { get; } = points;

        public long ResidentBytes { get; } = residentBytes;

        public long FileBytes { get; } = fileBytes;

        public double BuildSeconds { get; } = buildSeconds;

        /// <summary>The first key column: the text after <c>USING diskann (</c> up to a space, comma or parenthesis.</summary>
        public string Column { get; } = KeyParts(definition).Column;

        /// <summary>The first key's operator class; diskann's default, <c>vector_cosine_ops</c>, when the definition names none.</summary>
        public string OperatorClass { get; } = KeyParts(definition).OperatorClass;

        /// <summary>The WITH (...) options as written, or empty.</summary>
        public string Options { get; } = definition.Contains(" WITH (", StringComparison.Ordinal)
            ? definition[(definition.IndexOf(" WITH (", StringComparison.Ordinal) + 7)..definition.LastIndexOf(')')]
            : "";

        public double? Recall { get; set; }

        public int Sampled { get; set; }

        public double? MeanMilliseconds { get; set; }

        private static (string Column, string OperatorClass) KeyParts(string definition)
        {
            int open = definition.IndexOf(" (", definition.IndexOf(" USING ", StringComparison.Ordinal), StringComparison.Ordinal) + 2;
            int close = definition.IndexOfAny([',', ')'], open);
            string[] parts = definition[open..close].Trim().Split(' ', 2);
            string column = parts[0].Trim('"');
            return (column, parts.Length > 1 ? parts[1].Trim() : "vector_cosine_ops");
        }
    }
}

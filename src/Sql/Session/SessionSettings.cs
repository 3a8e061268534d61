using System.Collections.Frozen;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Session;

/// <summary>
/// A setting (GUC) definition: name, default, type for pg_settings, whether changes are reported by ParameterStatus, and for
/// a checked enum its allowed values.
/// </summary>
public sealed record SettingDefinition(string Name, string Default, string VarType, string Description, bool Reported = false)
{
    /// <summary>The values an enum setting accepts (case-insensitive); null when unchecked.</summary>
    public IReadOnlyList<string>? EnumValues { get; init; }
}

/// <summary>
/// The session's settings (GUCs) for SET / SHOW / RESET / current_setting(). Names are case-insensitive; aliases map onto one
/// canonical name (pgvectorscale's and pgvector's names for AnnSql's diskann.* settings). Unknown names with a dot are
/// placeholders, as in PostgreSQL; other unknown names are 42704.
/// </summary>
public sealed class SessionSettings
{
    private static readonly SettingDefinition[] Definitions =
    [
        new("application_name", "", "string", "Sets the application name to be reported in statistics and logs.", true),
        new("client_encoding", "UTF8", "string", "Sets the client's character set encoding.", true),
        new("DateStyle", "ISO, MDY", "string", "Sets the display format for date and time values.", true),
        new("default_transaction_read_only", "off", "bool", "Sets the default read-only status of new transactions.", true),
        new("in_hot_standby", "off", "bool", "Shows whether hot standby is currently active.", true),
        new("integer_datetimes", "on", "bool", "Shows whether datetimes are integer based.", true),
        new("IntervalStyle", "postgres", "enum", "Sets the display format for interval values.", true),
        new("is_superuser", "on", "bool", "Shows whether the current user is a superuser.", true),
        new("server_encoding", "UTF8", "string", "Shows the server (database) character set encoding.", true),
        new("server_version", "15.8", "string", "Shows the server version.", true),
        new("session_authorization", "postgres", "string", "Sets the session user name.", true),
        new("standard_conforming_strings", "on", "bool", "Causes '...' strings to treat backslashes literally.", true),
        new("TimeZone", "Etc/UTC", "string", "Sets the time zone for displaying and interpreting time stamps.", true),
        new("search_path", "\"$user\", public", "string", "Sets the schema search order for names that are not schema-qualified."),
        new("transaction_isolation", "read committed", "enum", "Sets the current transaction's isolation level."),
        new("default_transaction_isolation", "read committed", "enum", "Sets the transaction isolation level of each new transaction."),
        new("statement_timeout", "0", "integer", "Sets the maximum allowed duration of any statement."),
        new("lock_timeout", "0", "integer", "Sets the maximum allowed duration of any wait for a lock."),
        new("idle_in_transaction_session_timeout", "0", "integer", "Sets the maximum allowed idle time between queries, when in a transaction."),
        new("extra_float_digits", "1", "integer", "Sets the number of digits displayed for floating-point values."),
        new("client_min_messages", "notice", "enum", "Sets the message levels that are sent to the client."),
        new("max_identifier_length", "63", "integer", "Shows the maximum identifier length."),
        new("server_version_num", "150008", "integer", "Shows the server version as an integer."),
        new("lc_messages", "C.UTF-8", "string", "Sets the language in which messages are displayed."),
        new("lc_collate", "C.UTF-8", "string", "Shows the collation order locale."),
        new("lc_ctype", "C.UTF-8", "string", "Shows the character classification and case conversion locale."),
        new("synchronous_commit", "on", "enum", "Sets the current transaction's synchronization level."),
        new("work_mem", "4MB", "integer", "Sets the maximum memory to be used for query workspaces."),
        new("maintenance_work_mem", "64MB", "integer", "Sets the maximum memory to be used for maintenance operations."),
        new("max_parallel_workers_per_gather", "2", "integer", "Sets the maximum number of parallel processes per executor node."),
        new("jit", "off", "bool", "Allow JIT compilation."),
        new("row_security", "on", "bool", "Enable row security."),
        new("bytea_output", "hex", "enum", "Sets the output format for bytea."),
        new("diskann.l_search", "40", "integer", "Search list size L of diskann index scans (pgvector's hnsw.ef_search default)."),
        new("diskann.beam_width", "4", "integer", "Beam width W of SSD-resident diskann index scans."),
        new("diskann.rescore", "50", "integer", "Candidates re-ranked with full-precision vectors."),
        new("diskann.iterative_search", "relaxed_order", "enum", "Continue the graph search until enough rows pass the filter.")
        {
            EnumValues = ["off", "relaxed_order", "strict_order"],
        },
        new("diskann.backend", "auto", "enum", "Where batch distance work runs: auto, cpu or gpu."),
    ];

    private static readonly FrozenDictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["diskann.query_search_list_size"] = "diskann.l_search",
        ["diskann.l_value_is"] = "diskann.l_search",
        ["hnsw.ef_search"] = "diskann.l_search",
        ["ivfflat.probes"] = "diskann.l_search",
        ["diskann.query_rescore"] = "diskann.rescore",
        ["hnsw.iterative_scan"] = "diskann.iterative_search",
        ["ivfflat.iterative_scan"] = "diskann.iterative_search",
        ["timezone"] = "TimeZone",
        ["datestyle"] = "DateStyle",
        ["intervalstyle"] = "IntervalStyle",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, SettingDefinition> ByName =
        Definitions.ToFrozenDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);

    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    // Values given when the session started (startup packet, session user): what RESET returns to instead of the default.
    private readonly Dictionary<string, string> _resetValues = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Changes of reported settings not yet sent to the client as ParameterStatus.</summary>
    public List<KeyValuePair<string, string>> PendingReports { get; } = [];

    /// <summary>The canonical name of a setting or alias.</summary>
    public static string Canonical(string name) => Aliases.TryGetValue(name, out var c) ? c : ByName.TryGetValue(name, out var d) ? d.Name : name.ToLowerInvariant();

    public string? Get(string name, bool missingOk)
    {
        var canonical = Canonical(name);
        if (_values.TryGetValue(canonical, out var v))
        {
            return v;
        }

        if (ByName.TryGetValue(canonical, out var def))
        {
            return def.Default;
        }

        if (missingOk)
        {
            return null;
        }

        throw new SqlException(SqlState.UndefinedObject, $"unrecognized configuration parameter \"{name}\"");
    }

    public void Set(string name, string? value)
    {
        var canonical = Canonical(name);
        if (!ByName.TryGetValue(canonical, out var def) && !canonical.Contains('.', StringComparison.Ordinal))
        {
            throw new SqlException(SqlState.UndefinedObject, $"unrecognized configuration parameter \"{name}\"");
        }

        if (def is not null && def.VarType == "integer" && value is not null && !long.TryParse(value, out _) && !value.Any(char.IsLetter))
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for parameter \"{canonical}\": \"{value}\"");
        }

        if (value is not null && MemorySettings.Contains(canonical))
        {
            _ = ParseMemory(canonical, value);
        }

        if (def?.EnumValues is { } allowed && value is not null && !allowed.Contains(value, StringComparer.OrdinalIgnoreCase))
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for parameter \"{name}\": \"{value}\"",
                hint: "Available values: " + string.Join(", ", allowed) + ".");
        }

        if (value is not null && def?.EnumValues is not null)
        {
            value = value.ToLowerInvariant();
        }

        if (value is null && _resetValues.TryGetValue(canonical, out var resetValue))
        {
            value = resetValue;
        }

        if (value is null)
        {
            _values.Remove(canonical);
        }
        else
        {
            _values[canonical] = value;
        }

        if (def?.Reported == true)
        {
            PendingReports.Add(new(def.Name, value ?? def.Default));
        }
    }

    /// <summary>
    /// Sets a value that came with the session (a startup packet parameter, the session user); RESET and RESET ALL return to
    /// it, as PostgreSQL's reset value of a GUC set at connection start.
    /// </summary>
    /// <exception cref="SqlException">42704 for an unknown setting.</exception>
    public void SetSessionDefault(string name, string value)
    {
        Set(name, value);
        _resetValues[Canonical(name)] = value;
    }

    /// <summary>RESET ALL: every setting back to its session default, except session_authorization (PostgreSQL's GUC_NO_RESET_ALL).</summary>
    public void ResetAll()
    {
        foreach (var key in _values.Keys.ToList())
        {
            if (key != "session_authorization")
            {
                Set(key, null);
            }
        }
    }

    /// <summary>The integer value of a setting (for diskann.* knobs).</summary>
    /// <summary>
    /// A memory setting (work_mem, maintenance_work_mem) in bytes: a number of kB, or a number with one of PostgreSQL's
    /// memory units (B, kB, MB, GB, TB).
    /// </summary>
    public long GetBytes(string name) => ParseMemory(Canonical(name), Get(name, false)!);

    private static readonly HashSet<string> MemorySettings = new(StringComparer.Ordinal) { "work_mem", "maintenance_work_mem" };

    /// <exception cref="SqlException">22023 with PostgreSQL's message for a value or unit it does not accept.</exception>
    private static long ParseMemory(string name, string value)
    {
        string text = value.Trim();
        int end = 0;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        string unit = text[end..].Trim();
        long multiplier = unit switch
        {
            "" or "kB" => 1024L,
            "B" => 1L,
            "MB" => 1024L * 1024,
            "GB" => 1024L * 1024 * 1024,
            "TB" => 1024L * 1024 * 1024 * 1024,
            _ => 0,
        };
        if (end == 0 || multiplier == 0 || !long.TryParse(text.AsSpan(0, end), System.Globalization.CultureInfo.InvariantCulture, out long number)
            || number > long.MaxValue / multiplier)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for parameter \"{name}\": \"{value}\"",
                hint: multiplier == 0 && end > 0 ? "Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\"." : null);
        }

        return number * multiplier;
    }

    public int GetInt(string name) => int.TryParse(Get(name, false), out int v) ? v : 0;

    /// <summary>Every defined setting with its current value, for pg_settings and SHOW ALL.</summary>
    public IEnumerable<(string Name, string Value, string Description, string VarType, string Default)> All =>
        Definitions.Select(d => (d.Name, Get(d.Name, false)!, d.Description, d.VarType, d.Default));

    /// <summary>The ParameterStatus values sent at startup, in PostgreSQL 15's order.</summary>
    public IEnumerable<KeyValuePair<string, string>> StartupReports() =>
        Definitions.Where(d => d.Reported).Select(d => new KeyValuePair<string, string>(d.Name, Get(d.Name, false)!));
}

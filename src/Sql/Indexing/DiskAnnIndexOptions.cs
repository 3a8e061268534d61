using System.Globalization;
using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Indexing;

/// <summary>Where a diskann index keeps its graph and full-precision vectors.</summary>
public enum DiskAnnStorage
{
    /// <summary>In memory (the Vamana graph and vectors in RAM).</summary>
    Memory,

    /// <summary>SSD-resident: PQ codes in RAM, graph and vectors on disk.</summary>
    Disk,
}

/// <summary>
/// The <c>WITH (...)</c> options of <c>CREATE INDEX ... USING diskann</c> (DESIGN.md §5), parsed from the text the user wrote.
/// DiskANN's names are canonical; pgvectorscale's, pg_diskann's and pgvector's are accepted as aliases. Errors follow
/// PostgreSQL's reloption messages, all SQLSTATE 22023.
/// </summary>
public sealed record DiskAnnIndexOptions
{
    /// <summary>Range of R (max_degree, num_neighbors, max_neighbors).</summary>
    public const int MinDegree = 2, MaxDegreeLimit = 512;

    /// <summary>Range of L while building (l_build, search_list_size, l_value_ib, ef_construction).</summary>
    public const int MinBuildListSize = 4, MaxBuildListSize = 1000;

    /// <summary>Range of RobustPrune's alpha (alpha, max_alpha).</summary>
    public const double MinAlpha = 1.0, MaxAlpha = 4.0;

    private static readonly VamanaOptions Defaults = new();

    /// <summary>R, the graph's maximum out-degree.</summary>
    public int MaxDegree { get; init; } = Defaults.MaxDegree;

    /// <summary>L of the build's GreedySearch.</summary>
    public int BuildListSize { get; init; } = Defaults.BuildListSize;

    /// <summary>RobustPrune's alpha for the second build pass.</summary>
    public float Alpha { get; init; } = Defaults.Alpha;

    /// <summary>Where the index lives.</summary>
    public DiskAnnStorage Storage { get; init; } = DiskAnnStorage.Memory;

    /// <summary>PQ sub-spaces for the SSD-resident index; 0 = automatic.</summary>
    public int PqChunks { get; init; }

    /// <summary>The graph build parameters.</summary>
    public VamanaOptions ToVamanaOptions() => new() { MaxDegree = MaxDegree, BuildListSize = BuildListSize, Alpha = Alpha };

    /// <summary>Parses the options of an index; unknown names, bad values and out-of-range values raise 22023.</summary>
    /// <exception cref="SqlException">22023 with PostgreSQL's reloption wording.</exception>
    public static DiskAnnIndexOptions Parse(IEnumerable<KeyValuePair<string, string>> options)
    {
        var result = new DiskAnnIndexOptions();
        foreach (var (rawName, value) in options)
        {
            string name = rawName.ToLowerInvariant();
            result = name switch
            {
                "max_degree" or "num_neighbors" or "max_neighbors" => result with { MaxDegree = Integer(name, value, MinDegree, MaxDegreeLimit) },
                "m" => result with { MaxDegree = 2 * Integer(name, value, 2, 100) },
                "l_build" or "search_list_size" or "l_value_ib" or "ef_construction" =>
                    result with { BuildListSize = Integer(name, value, MinBuildListSize, MaxBuildListSize) },
                "alpha" or "max_alpha" => result with { Alpha = (float)Real(name, value, MinAlpha, MaxAlpha) },
                "storage" => result with { Storage = Enum(name, value, ("memory", DiskAnnStorage.Memory), ("disk", DiskAnnStorage.Disk)) },
                "storage_layout" => result with
                {
                    Storage = Enum(name, value, ("plain", DiskAnnStorage.Memory), ("memory_optimized", DiskAnnStorage.Disk)),
                },
                "product_quantized" => result with { Storage = Boolean(name, value) ? DiskAnnStorage.Disk : DiskAnnStorage.Memory },
                "pq_chunks" or "pq_param_num_chunks" => result with { PqChunks = Integer(name, value, 0, 16000) },
                "lists" => Ignore(result, Integer(name, value, 1, 32768)),
                _ => throw new SqlException(SqlState.InvalidParameterValue, $"unrecognized parameter \"{rawName}\""),
            };
        }

        return result;
    }

    /// <summary>
    /// The metric and element type of a pgvector operator class usable with diskann, or null for any other name.
    /// </summary>
    public static (Metric Metric, Types.SqlTypeKind ElementType)? OperatorClass(string name) => name.ToLowerInvariant() switch
    {
        "vector_l2_ops" => (Metric.L2, Types.SqlTypeKind.Vector),
        "vector_ip_ops" => (Metric.InnerProduct, Types.SqlTypeKind.Vector),
        "vector_cosine_ops" => (Metric.Cosine, Types.SqlTypeKind.Vector),
        "halfvec_l2_ops" => (Metric.L2, Types.SqlTypeKind.HalfVec),
        "halfvec_ip_ops" => (Metric.InnerProduct, Types.SqlTypeKind.HalfVec),
        "halfvec_cosine_ops" => (Metric.Cosine, Types.SqlTypeKind.HalfVec),
        _ => null,
    };

    /// <summary>The pgvector operator that orders by <paramref name="metric"/>.</summary>
    public static string OperatorFor(Metric metric) => metric switch
    {
        Metric.L2 => "<->",
        Metric.InnerProduct => "<#>",
        Metric.Cosine => "<=>",
        Metric.L1 => "<+>",
        Metric.Hamming => "<~>",
        _ => "<%>",
    };

    private static DiskAnnIndexOptions Ignore(DiskAnnIndexOptions options, int value)
    {
        _ = value;
        return options;
    }

    private static int Integer(string name, string text, int min, int max)
    {
        // PostgreSQL's parse_int accepts a decimal and rounds it (so m = 2.5 is 3).
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || double.IsNaN(d) || Math.Abs(d) > int.MaxValue)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for integer option \"{name}\": {text}");
        }

        int value = (int)Math.Round(d, MidpointRounding.ToEven);
        if (value < min || value > max)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"value {text} out of bounds for option \"{name}\"",
                detail: $"Valid values are between \"{min}\" and \"{max}\".");
        }

        return value;
    }

    private static double Real(string name, string text, double min, double max)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || double.IsNaN(value))
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for floating point option \"{name}\": {text}");
        }

        if (value < min || value > max)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"value {text} out of bounds for option \"{name}\"",
                detail: string.Create(CultureInfo.InvariantCulture, $"Valid values are between \"{min:F6}\" and \"{max:F6}\"."));
        }

        return value;
    }

    private static bool Boolean(string name, string text) => text.ToLowerInvariant() switch
    {
        "true" or "on" or "yes" or "1" or "t" or "y" => true,
        "false" or "off" or "no" or "0" or "f" or "n" => false,
        _ => throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for boolean option \"{name}\": {text}"),
    };

    private static T Enum<T>(string name, string text, params (string Name, T Value)[] choices)
    {
        foreach (var (choice, value) in choices)
        {
            if (string.Equals(choice, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        string valid = string.Join(", ", choices[..^1].Select(c => $"\"{c.Name}\"")) + $" and \"{choices[^1].Name}\"";
        throw new SqlException(SqlState.InvalidParameterValue, $"invalid value for enum option \"{name}\": {text}",
            detail: $"Valid values are {valid}.");
    }
}

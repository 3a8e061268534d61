namespace AnnSql.Tools.Import;

/// <summary>The SQL type of the imported vector column.</summary>
public enum VectorColumnType
{
    /// <summary>pgvector's <c>vector(d)</c>: float32.</summary>
    Vector,

    /// <summary>pgvector's <c>halfvec(d)</c>: float16 (values are rounded to the nearest half).</summary>
    Halfvec,
}

/// <summary>The element type of the labels column.</summary>
public enum LabelColumnType
{
    /// <summary><c>int[]</c>.</summary>
    Int,

    /// <summary><c>smallint[]</c> (labels must lie in -32768..32767).</summary>
    Smallint,
}

/// <summary>What <c>annsql import</c> loads, and where.</summary>
/// <param name="Source">A data set folder, an ann-benchmarks <c>.hdf5</c> file, or one vector file.</param>
/// <param name="ConnectionString">Npgsql connection string of the running server.</param>
public sealed record ImportOptions(string Source, string ConnectionString)
{
    /// <summary>The default server: a local AnnSql on its default port.</summary>
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5433;Username=postgres;Database=postgres";

    /// <summary>Table for the base rows; null: derived from the source's name.</summary>
    public string? Table { get; init; }

    /// <summary>Table for the queries and their ground truth; null: <c>&lt;table&gt;_queries</c>.</summary>
    public string? QueriesTable { get; init; }

    /// <summary>Skip the queries even when the source has them.</summary>
    public bool SkipQueries { get; init; }

    /// <summary>Name of the vector column.</summary>
    public string Column { get; init; } = "embedding";

    /// <summary>SQL type of the vector column.</summary>
    public VectorColumnType Type { get; init; } = VectorColumnType.Vector;

    /// <summary>A DiskANN label file for the base rows, overriding the folder's <c>base_labels.txt</c>.</summary>
    public string? LabelsFile { get; init; }

    /// <summary>Element type of the labels column.</summary>
    public LabelColumnType LabelType { get; init; } = LabelColumnType.Int;

    /// <summary>Import only the first this many base rows; null: all.</summary>
    public long? Limit { get; init; }

    /// <summary>Rows per COPY statement; null: about <see cref="DefaultBatchBytes"/> of vectors.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Drop the tables first (else they are created when missing and must be empty).</summary>
    public bool Drop { get; init; }

    /// <summary>Run every COPY in one transaction: all rows or none become visible.</summary>
    public bool SingleTransaction { get; init; }

    /// <summary>Vector bytes per COPY statement when <see cref="BatchSize"/> is not given.</summary>
    public const int DefaultBatchBytes = 32 << 20;
}

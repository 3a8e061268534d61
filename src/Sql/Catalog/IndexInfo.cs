namespace AnnSql.Sql.Catalog;

/// <summary>
/// An index (pg_index + pg_class row): its key columns (by attribute number) and operator classes, access method, options
/// and whether it enforces uniqueness or is the primary key.
/// </summary>
public sealed record IndexInfo(uint Oid, string Name, uint TableOid, string Method, IReadOnlyList<short> KeyColumns)
{
    public IReadOnlyList<string?> OperatorClasses { get; init; } = [];

    /// <summary>
    /// The access method the CREATE INDEX named when it differs from <see cref="Method"/> (<c>hnsw</c>/<c>ivfflat</c>, built as
    /// diskann); pg_class.relam, pg_get_indexdef and psql's \d show this one, as PostgreSQL with pgvector would.
    /// </summary>
    public string? DeclaredMethod { get; init; }

    /// <summary>The access method as the catalog shows it: <see cref="DeclaredMethod"/>, else <see cref="Method"/>.</summary>
    public string ShownMethod => DeclaredMethod ?? Method;

    public IReadOnlyList<KeyValuePair<string, string>> Options { get; init; } = [];

    public bool IsUnique { get; init; }

    public bool IsPrimary { get; init; }

    /// <summary>The constraint name for primary-key/unique indexes created by a constraint.</summary>
    public bool IsConstraint { get; init; }
}

namespace AnnSql.Sql.Catalog;

/// <summary>
/// An index (pg_index + pg_class row): its key columns (by attribute number) and operator classes, access method, options
/// and whether it enforces uniqueness or is the primary key.
/// </summary>
public sealed record IndexInfo(uint Oid, string Name, uint TableOid, string Method, IReadOnlyList<short> KeyColumns)
{
    public IReadOnlyList<string?> OperatorClasses { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Options { get; init; } = [];

    public bool IsUnique { get; init; }

    public bool IsPrimary { get; init; }

    /// <summary>The constraint name for primary-key/unique indexes created by a constraint.</summary>
    public bool IsConstraint { get; init; }
}

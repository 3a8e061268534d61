using AnnSql.Sql.Types;

namespace AnnSql.Sql.Catalog;

/// <summary>
/// A table column (pg_attribute row): name, type with typmod, 1-based attribute number, NOT NULL, and the DEFAULT expression's
/// text (as PostgreSQL's pg_get_expr prints it) or an identity.
/// </summary>
public sealed record ColumnInfo(string Name, SqlType Type, short AttributeNumber)
{
    public bool NotNull { get; init; }

    /// <summary>The DEFAULT expression as SQL text, or null.</summary>
    public string? DefaultSql { get; init; }

    /// <summary>'a' (GENERATED ALWAYS AS IDENTITY), 'd' (BY DEFAULT), or '\0' for none (pg_attribute.attidentity).</summary>
    public char Identity { get; init; }

    /// <summary>
    /// pg_attribute.attstorage as ALTER COLUMN SET STORAGE left it (<c>p</c>, <c>e</c>, <c>x</c>, <c>m</c>); null for the type's
    /// default. Shown in the catalog only: AnnSql stores every value inline.
    /// </summary>
    public string? Storage { get; init; }

    /// <summary>For serial columns: the implicit sequence's name, shown in the default as nextval('name'::regclass).</summary>
    public string? SequenceName { get; init; }
}

using System.Collections.Immutable;

namespace AnnSql.Sql.Catalog;

/// <summary>
/// An immutable snapshot of the user catalog: tables (with their columns and indexes), installed extensions and database
/// names. DDL publishes a new snapshot; statements keep the one they started with. Serialized as JSON in checkpoints and
/// DDL log records.
/// </summary>
public sealed record CatalogState
{
    /// <summary>First OID handed to user objects (PostgreSQL's FirstNormalObjectId is 16384; AnnSql's fixed pgvector type OIDs sit just above).</summary>
    public const uint FirstUserOid = 16500;

    public ImmutableDictionary<uint, TableInfo> Tables { get; init; } = ImmutableDictionary<uint, TableInfo>.Empty;

    public ImmutableSortedSet<string> Extensions { get; init; } = ["plpgsql"];

    public ImmutableSortedSet<string> Databases { get; init; } = ["postgres", "template0", "template1"];

    public uint NextOid { get; init; } = FirstUserOid;

    /// <summary>Finds a user table by schema-less or schema-qualified name (only the <c>public</c> schema holds user tables).</summary>
    public TableInfo? FindTable(string name, string? schema = null)
    {
        if (schema is not null && schema != "public")
        {
            return null;
        }

        foreach (var t in Tables.Values)
        {
            if (t.Name == name)
            {
                return t;
            }
        }

        return null;
    }

    /// <summary>Finds an index by name and returns it with its table.</summary>
    public (TableInfo Table, IndexInfo Index)? FindIndex(string name)
    {
        foreach (var t in Tables.Values)
        {
            foreach (var i in t.Indexes)
            {
                if (i.Name == name)
                {
                    return (t, i);
                }
            }
        }

        return null;
    }

    /// <summary>True when a table or index (a pg_class relation) has this name.</summary>
    public bool RelationExists(string name) => FindTable(name) is not null || FindIndex(name) is not null;
}

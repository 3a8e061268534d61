namespace AnnSql.Sql.Catalog;

/// <summary>A user table (pg_class relkind 'r'): name, schema, columns in attribute order and the indexes on it.</summary>
public sealed record TableInfo(uint Oid, string Schema, string Name, IReadOnlyList<ColumnInfo> Columns)
{
    /// <summary>The OID of the table's composite row type (pg_class.reltype / a pg_type row of typtype 'c').</summary>
    public uint RowTypeOid { get; init; }

    public IReadOnlyList<IndexInfo> Indexes { get; init; } = [];

    /// <summary>Finds a column by exact (already case-folded) name.</summary>
    public ColumnInfo? FindColumn(string name)
    {
        foreach (var c in Columns)
        {
            if (c.Name == name)
            {
                return c;
            }
        }

        return null;
    }

    /// <summary>0-based ordinal of a column, or -1.</summary>
    public int ColumnOrdinal(string name)
    {
        for (int i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    public IndexInfo? PrimaryKey => Indexes.FirstOrDefault(i => i.IsPrimary);
}

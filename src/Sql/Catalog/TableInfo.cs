namespace AnnSql.Sql.Catalog;

/// <summary>A user table (pg_class relkind 'r'): name, schema, columns in attribute order and the indexes on it.</summary>
public sealed record TableInfo(uint Oid, string Schema, string Name, IReadOnlyList<ColumnInfo> Columns)
{
    /// <summary>The OID of the table's composite row type (pg_class.reltype / a pg_type row of typtype 'c').</summary>
    public uint RowTypeOid { get; init; }

    public IReadOnlyList<IndexInfo> Indexes { get; init; } = [];

    /// <summary>
    /// The generation of the stored row layout: ALTER TABLE bumps it whenever it rewrites the rows (a column added, dropped
    /// or retyped). Row arrays, pending changes and plans are only ever read with the layout they were made for.
    /// </summary>
    public int Layout { get; init; }

    /// <summary>
    /// The highest attribute number ever given to a column of the table, dropped ones included (PostgreSQL's relnatts):
    /// ADD COLUMN numbers the new column after it. 0 in catalogs written before columns could be dropped.
    /// </summary>
    public short LastAttributeNumber { get; init; }

    /// <summary>The attribute number the next added column gets.</summary>
    public short NextAttributeNumber()
    {
        short last = LastAttributeNumber;
        foreach (var c in Columns)
        {
            last = Math.Max(last, c.AttributeNumber);
        }

        return (short)(last + 1);
    }

    /// <summary>
    /// 0-based ordinal (position in <see cref="Columns"/> and in the stored rows) of the column with attribute number
    /// <paramref name="attributeNumber"/>, or -1. Attribute numbers keep their gaps after DROP COLUMN, as in PostgreSQL.
    /// </summary>
    public int OrdinalOf(short attributeNumber)
    {
        for (int i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].AttributeNumber == attributeNumber)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The column with attribute number <paramref name="attributeNumber"/>.</summary>
    /// <exception cref="InvalidOperationException">No such column.</exception>
    public ColumnInfo ColumnOf(short attributeNumber) =>
        OrdinalOf(attributeNumber) is int o and >= 0 ? Columns[o] : throw new InvalidOperationException($"no attribute {attributeNumber} in table {Name}");

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

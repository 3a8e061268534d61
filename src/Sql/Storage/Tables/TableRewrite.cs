namespace AnnSql.Sql.Storage.Tables;

/// <summary>
/// How ALTER TABLE rewrote a table's rows into a new layout, as logged in its catalog record and replayed at recovery:
/// one <see cref="ColumnSource"/> per column of the new layout, in order.
/// </summary>
public sealed record TableRewrite(uint TableOid, IReadOnlyList<ColumnSource> Columns);

/// <summary>
/// Where a column's values come from in a rewrite: the old row's value at <see cref="OldOrdinal"/>; else the value of
/// each row by row id in <see cref="Values"/> (a default evaluated per row, a converted type); else <see cref="Constant"/>
/// for every row (NULL when that is null too). Values are in the column type's PostgreSQL binary (typsend) form.
/// </summary>
public sealed record ColumnSource
{
    /// <summary>0-based ordinal of the column in the old layout, or -1.</summary>
    public int OldOrdinal { get; init; } = -1;

    /// <summary>The value every row gets, or null.</summary>
    public byte[]? Constant { get; init; }

    /// <summary>The value of each live row, by row id (null or missing: NULL), or null.</summary>
    public Dictionary<long, byte[]?>? Values { get; init; }
}

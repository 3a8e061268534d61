using AnnSql.Sql.Types;

namespace AnnSql.Sql.Binding;

/// <summary>A column visible to expressions: its range-table alias, name, type and origin (for RowDescription).</summary>
public sealed record ScopeColumn(string? Table, string Name, SqlType Type, uint TableOid = 0, short AttributeNumber = 0)
{
    /// <summary>Hidden columns (junk) are not expanded by <c>*</c>.</summary>
    public bool Hidden { get; init; }
}

/// <summary>
/// The columns one query level can reference, in row order, and the enclosing level's scope for correlated references.
/// </summary>
public sealed class Scope(Scope? parent)
{
    public Scope? Parent { get; } = parent;

    public List<ScopeColumn> Columns { get; } = [];

    /// <summary>Aggregation state while binding a grouped query's select list, HAVING and ORDER BY.</summary>
    public AggregationContext? Aggregation { get; set; }

    public void AddRange(IEnumerable<ScopeColumn> columns) => Columns.AddRange(columns);
}

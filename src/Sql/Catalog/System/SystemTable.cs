using AnnSql.Sql.Execution;

namespace AnnSql.Sql.Catalog.System;

/// <summary>
/// A virtual catalog table (pg_catalog or information_schema): fixed columns, rows computed from the catalog snapshot and
/// session of the statement that reads it.
/// </summary>
public sealed record SystemTable(string Schema, string Name, uint Oid, IReadOnlyList<OutputColumn> Columns, Func<QueryContext, IEnumerable<object?[]>> Rows);

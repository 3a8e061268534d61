namespace AnnSql.Sql;

/// <summary>Marker type for the AnnSql.Sql assembly: parser, binder, planner, executor, catalog and storage.</summary>
public static class SqlAssembly;

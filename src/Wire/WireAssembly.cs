namespace AnnSql.Wire;

/// <summary>Marker type for the AnnSql.Wire assembly: the PostgreSQL v3 protocol; nothing of SQL.</summary>
public static class WireAssembly;

namespace AnnSql.Index;

/// <summary>Marker type for the AnnSql.Index assembly: vectors, distances and DiskANN indices; nothing of rows or SQL.</summary>
public static class IndexAssembly;

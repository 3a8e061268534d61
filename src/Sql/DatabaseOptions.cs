namespace AnnSql.Sql;

/// <summary>Engine options: where data lives and when checkpoints run.</summary>
public sealed class DatabaseOptions
{
    /// <summary>The data directory (created if missing).</summary>
    public string DataDirectory { get; set; } = "annsql-data";

    /// <summary>Log bytes written since the last checkpoint that trigger an automatic checkpoint.</summary>
    public long CheckpointWalBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Time after which a checkpoint runs if anything was logged since the last one (PostgreSQL's checkpoint_timeout).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Bytes of hot nodes (BFS from the medoid) each <c>storage = 'disk'</c> index keeps in memory (DiskANN §3.4's node
    /// cache); part of the index's resident memory.
    /// </summary>
    public long DiskIndexCacheBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Whether <c>storage = 'disk'</c> indexes read their files with O_DIRECT (bypassing the page cache) where the file system allows it.</summary>
    public bool DiskIndexDirectIo { get; set; } = true;

    /// <summary>The version string <c>version()</c> and <c>server_version</c> report.</summary>
    public string ServerVersion { get; set; } = "15.8";
}

using Microsoft.Extensions.Logging;

namespace AnnSql.Sql.Indexing;

/// <summary>
/// What the diskann indexes of a database share: the directory of <c>storage = 'disk'</c> index files, the hot-node cache
/// each of them keeps (bytes), whether they read with O_DIRECT, the build memory budget used when no session gives one
/// (bytes; builds at startup), and the log for background work.
/// </summary>
public sealed record VectorIndexEnvironment(string Directory, long CacheBytes, bool DirectIo, long BuildMemoryBytes, ILogger Logger);

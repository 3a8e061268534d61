using System.Diagnostics;
using System.Globalization;
using AnnSql.Index.Disk;
using AnnSql.Index.Vamana;
using AnnSql.Sql.Storage;
using AnnSql.Sql.Storage.Tables;
using Microsoft.Extensions.Logging;

namespace AnnSql.Sql.Indexing;

/// <summary>
/// The <c>storage = 'disk'</c> side of a diskann index (DiskANN §3; FreshDiskANN §5): the graph and the full-precision
/// vectors in an SSD-resident <see cref="DiskIndex"/> file, PQ codes and a hot-node cache in memory, rows inserted since
/// the file was written in an in-memory delta (<see cref="IndexedGraph.Graph"/>), deletes as tombstones on the file's
/// nodes, and a StreamingMerge that folds both into a new file once either reaches <see cref="MergeFraction"/> of it (or on
/// VACUUM), swapping it in while searches go on. Files are named <c>i&lt;oid&gt;.&lt;generation&gt;.diskann</c>; a checkpoint records the generation it saw,
/// and files no checkpoint or live generation needs are deleted after the next checkpoint.
/// </summary>
public sealed partial class VectorIndex
{
    /// <summary>Delta points or file tombstones, as a share of the file's nodes, that trigger a merge.</summary>
    public const double MergeFraction = 0.1;

    /// <summary>Fewest delta points or tombstones worth a merge outside VACUUM.</summary>
    private const int MinMergeRows = 256;

    private const string DiskFileSuffix = ".diskann";

    /// <summary>The generation the last checkpoint recorded (its file must outlive the next checkpoint); -1 before one.</summary>
    private long _savedGeneration = -1;

    private long _nextGeneration = -1;

    /// <summary>The last disk build, for <c>diskann_index_stats</c>; null for in-memory indexes or before a build.</summary>
    public DiskBuildSummary? LastDiskBuild { get; private set; }

    /// <summary>Merges done since the server started.</summary>
    public int Merges { get; private set; }

    private long _diskSearches;
    private long _sectorReads;
    private long _cacheHits;

    /// <summary>Beam searches of the disk file since the server started.</summary>
    public long DiskSearches => Interlocked.Read(ref _diskSearches);

    /// <summary>Sectors those searches read from the file.</summary>
    public long SectorReads => Interlocked.Read(ref _sectorReads);

    /// <summary>Node records those searches found in the hot-node cache.</summary>
    public long CacheHits => Interlocked.Read(ref _cacheHits);

    /// <summary>Counts one beam search of the disk file (for <c>diskann_index_stats</c>).</summary>
    internal void RecordDiskSearch(in DiskSearchStats stats)
    {
        Interlocked.Increment(ref _diskSearches);
        Interlocked.Add(ref _sectorReads, stats.SectorReads);
        Interlocked.Add(ref _cacheHits, stats.CacheHits);
    }

    /// <summary>
    /// Resident bytes of the index: the graph (or delta) and its maps, plus for <c>storage = 'disk'</c> the file's PQ codes,
    /// codebooks, hot-node cache, tombstones and node map (not the page cache of the file).
    /// </summary>
    public long ResidentBytes => Current is { } current
        ? current.Graph.MemoryBytes + current.MapBytes + (current.Disk is { } disk ? disk.Index.MemoryBytes + disk.MapBytes : 0)
        : 0;

    /// <summary>The open disk file of a <c>storage = 'disk'</c> index; null otherwise or before a build.</summary>
    public DiskIndex? DiskFile => Current?.Disk?.Index;

    private VamanaIndex NewGraph() => new(Metric, Dimensions, Options.ToVamanaOptions());

    private string DiskFilePath(long generation) =>
        Path.Combine(_environment.Directory, string.Create(CultureInfo.InvariantCulture, $"i{Info.Oid}.{generation}{DiskFileSuffix}"));

    /// <summary>The next unused generation number (past every file of this index in the directory).</summary>
    private long NextGeneration()
    {
        if (_nextGeneration < 0)
        {
            _nextGeneration = 0;
            foreach (string file in IndexFiles())
            {
                if (GenerationOf(file) is { } generation)
                {
                    _nextGeneration = Math.Max(_nextGeneration, generation + 1);
                }
            }
        }

        return _nextGeneration++;
    }

    private IEnumerable<string> IndexFiles() => Directory.Exists(_environment.Directory)
        ? Directory.EnumerateFiles(_environment.Directory, string.Create(CultureInfo.InvariantCulture, $"i{Info.Oid}.*"))
        : [];

    private long? GenerationOf(string file)
    {
        string name = Path.GetFileName(file);
        string prefix = string.Create(CultureInfo.InvariantCulture, $"i{Info.Oid}.");
        int end = name.IndexOf('.', prefix.Length);
        return name.StartsWith(prefix, StringComparison.Ordinal) && end > prefix.Length
            && long.TryParse(name.AsSpan(prefix.Length, end - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long g)
            ? g : null;
    }

    /// <summary>
    /// Builds a disk file over <paramref name="rows"/>, opens it and starts filling its hot-node cache; returns the generation
    /// with an empty delta.
    /// </summary>
    private IndexedGraph BuildDisk(List<RowVersion> rows, long slots, int threads, long budget, IProgress<VamanaBuildProgress>? progress, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            // Nothing to write yet: the delta takes the first rows, and the first merge writes the file.
            return new IndexedGraph(NewGraph(), [], slots);
        }

        var source = new RowVectorSource(rows, ColumnOrdinal, Dimensions);
        long generation = NextGeneration();
        LastDiskBuild = WriteDiskFile(generation, path => DiskIndexBuilder.Build(
            path, source, Metric, Options.ToVamanaOptions(), Options.PqChunks, budget, threads, progress, ct, TrainingDevice()));
        long[] rowIds = new long[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            rowIds[i] = rows[i].RowId;
        }

        var disk = new DiskGeneration(DiskIndex.Open(DiskFilePath(generation), _environment.DirectIo), rowIds, generation, slots);
        StartCacheLoad(disk);
        return new IndexedGraph(NewGraph(), [], slots, disk);
    }

    /// <summary>
    /// The GPU that trains the product quantizer of a disk build: a CUDA device when one is present (k-means over the
    /// sample is always large enough to pay for the transfers); never ILGPU's CPU accelerator, which is slower than the
    /// SIMD path.
    /// </summary>
    private static Index.Gpu.GpuDevice? TrainingDevice() =>
        Index.Gpu.GpuDevice.Shared is { Kind: Index.Gpu.GpuDeviceKind.Cuda } device ? device : null;

    /// <summary>Writes generation <paramref name="generation"/>'s file through a temporary name, then publishes it durably.</summary>
    private T WriteDiskFile<T>(long generation, Func<string, T> write)
    {
        Directory.CreateDirectory(_environment.Directory);
        string path = DiskFilePath(generation);
        string temp = path + DurableFile.TempSuffix;
        try
        {
            var result = write(temp);
            File.Move(temp, path, overwrite: true);
            DurableFile.FsyncDirectory(_environment.Directory);
            return result;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Opens the disk file of a checkpointed generation and forgets the nodes whose rows are gone.</summary>
    private IndexedGraph LoadDisk(long[] rowIds, long generation, long watermark)
    {
        _savedGeneration = generation;
        var disk = DiskIndex.Open(DiskFilePath(generation), _environment.DirectIo);
        try
        {
            if (disk.Count != rowIds.Length || disk.Dimensions != Dimensions || disk.Metric != Metric)
            {
                throw new InvalidDataException($"disk file of \"{Info.Name}\" does not match its map");
            }

            ForgetMissingRows(rowIds, watermark, disk.IsDeleted, disk.Delete);
        }
        catch
        {
            disk.Dispose();
            throw;
        }

        watermark = Math.Min(watermark, _data.SlotCount);
        var generationState = new DiskGeneration(disk, rowIds, generation, watermark);
        StartCacheLoad(generationState);
        return new IndexedGraph(NewGraph(), [], watermark, generationState);
    }

    /// <summary>
    /// A merge is due when the delta's live points or the file's tombstones reach <see cref="MergeFraction"/> of the file's
    /// nodes (at least <see cref="MinMergeRows"/>), or on VACUUM when there is anything to fold in.
    /// </summary>
    private static bool MergeDue(IndexedGraph current, bool vacuum)
    {
        int delta = current.Graph.LiveCount;
        int deleted = current.Disk?.Index.DeletedCount ?? 0;
        if (vacuum)
        {
            return delta > 0 || deleted > 0;
        }

        long threshold = Math.Max(MinMergeRows, (long)((current.Disk?.Index.Count ?? 0) * MergeFraction));
        return delta >= threshold || deleted >= threshold;
    }

    /// <summary>
    /// Folds the delta and the tombstones into a new disk file and publishes it with an empty delta. With a file to merge
    /// into this is FreshDiskANN's StreamingMerge (<see cref="StreamingMerge"/>: delete, insert and patch passes over the
    /// old file, surviving nodes keep their ids); the first file is built by <see cref="DiskIndexBuilder"/> within the
    /// environment's build budget. Searches go on against the old generation meanwhile; inserts and deletes wait for the
    /// maintenance lock, so the tombstones the merge drops are all there are.
    /// </summary>
    private void MergeLocked(IndexedGraph current, int threads)
    {
        var clock = Stopwatch.StartNew();
        var points = new List<uint>();
        for (uint point = 0; point < current.Graph.Count; point++)
        {
            if (!current.Graph.IsDeleted(point) && current.RowIdOf(point) != IndexedGraph.NoRow)
            {
                points.Add(point);
            }
        }

        DiskGeneration? old = current.Disk;
        IndexedGraph next;
        int deleted;
        if (old is null)
        {
            deleted = 0;
            var rows = new List<RowVersion>(points.Count);
            foreach (uint point in points)
            {
                if (_data.Get(current.RowIdOf(point)) is { } row && row.Values[ColumnOrdinal] is not null)
                {
                    rows.Add(row);
                }
            }

            next = BuildDisk(rows, current.Watermark, threads, _environment.BuildMemoryBytes, null, CancellationToken.None);
        }
        else
        {
            long generation = NextGeneration();
            var inserts = new GraphVectorSource(current.Graph, points);
            MergeSummary merge = WriteDiskFile(generation, path => StreamingMerge.Run(
                old.Index, inserts, path, Options.ToVamanaOptions(), threads, CancellationToken.None));
            deleted = merge.DeletesDropped;
            long[] rowIds = new long[merge.Count];
            rowIds.AsSpan().Fill(IndexedGraph.NoRow);
            old.RowIds[..Math.Min(old.RowIds.Length, rowIds.Length)].CopyTo(rowIds);
            for (int i = 0; i < points.Count; i++)
            {
                rowIds[merge.InsertedIds[i]] = current.RowIdOf(points[i]);
            }

            var disk = new DiskGeneration(DiskIndex.Open(DiskFilePath(generation), _environment.DirectIo), rowIds, generation, current.Watermark);
            StartCacheLoad(disk);
            next = new IndexedGraph(NewGraph(), [], current.Watermark, disk);
        }

        Volatile.Write(ref _current, next);
        Merges++;
        Retire(current);

        LogMerged(_environment.Logger, Info.Name, points.Count, deleted, next.Disk?.Index.LiveCount ?? 0, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The latest hot-node cache load; it never faults (failures are logged).</summary>
    private Task _cacheLoad = Task.CompletedTask;

    /// <summary>
    /// Brings the index to serving state, for the server's warm-up before it reports ready: waits while it is being
    /// built (a build started at startup runs in the background), inserts the committed rows it has not indexed yet
    /// (the catch-up after recovery), and waits for its disk file's hot-node cache (DiskANN §3.4) to be loaded. An index
    /// whose build failed never becomes ready: the wait ends only with <paramref name="cancellationToken"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">cancelled (the warm-up's time bound, or shutdown).</exception>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        while (State != VectorIndexState.Ready)
        {
            await Task.Delay(20, cancellationToken);
        }

        await Task.Run(() => Maintain(), cancellationToken);
        await Volatile.Read(ref _cacheLoad).WaitAsync(cancellationToken);
    }

    /// <summary>Closes a replaced generation's disk file once the scans still reading it are done.</summary>
    private static void Retire(IndexedGraph? replaced) => replaced?.Disk?.Index.Dispose();

    /// <summary>Fills the hot-node cache of a new generation's file in the background.</summary>
    private void StartCacheLoad(DiskGeneration generation) => _cacheLoad = Task.Run(() =>
    {
        try
        {
            if (generation.Index.TryAcquire())
            {
                try
                {
                    generation.Index.LoadCache(_environment.CacheBytes, CancellationToken.None);
                }
                finally
                {
                    generation.Index.Release();
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            LogDiskFileMaintenanceFailed(_environment.Logger, e, Info.Name);
        }
    });

    /// <summary>
    /// After a checkpoint is durable: deletes this index's disk files that neither that checkpoint nor the live generation
    /// names (replaced generations, files of a build or merge a crash interrupted), except the file names in
    /// <paramref name="keep"/> (those a base backup in progress copies). Skipped while maintenance holds the index (a build or
    /// merge may be writing a file); the next checkpoint retries.
    /// </summary>
    public void RemoveUnusedFiles(IReadOnlySet<string> keep)
    {
        if (Options.Storage != DiskAnnStorage.Disk || !_maintenance.TryEnter())
        {
            return;
        }

        try
        {
            long current = Current?.Disk?.Number ?? -1;
            foreach (string file in IndexFiles())
            {
                long? generation = GenerationOf(file);
                bool inUse = file.EndsWith(DiskFileSuffix, StringComparison.Ordinal) && (generation == current || generation == _savedGeneration);
                if (!inUse && !keep.Contains(Path.GetFileName(file)))
                {
                    File.Delete(file);
                }
            }
        }
        catch (IOException e)
        {
            LogDiskFileMaintenanceFailed(_environment.Logger, e, Info.Name);
        }
        finally
        {
            _maintenance.Exit();
        }
    }

    /// <summary>
    /// Closes the disk file of an index that was dropped or reset (the table was truncated or dropped); the file closes when
    /// the last scan reading it ends, and the next checkpoint deletes it.
    /// </summary>
    public void Close() => Retire(Current);

    [LoggerMessage(Level = LogLevel.Information, Message = "diskann index {Index}: merged {Inserted} inserted and {Deleted} deleted points into a new disk file of {Points} points in {Seconds:F1} s")]
    private static partial void LogMerged(ILogger logger, string index, int inserted, int deleted, int points, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "diskann index {Index}: disk file maintenance failed")]
    private static partial void LogDiskFileMaintenanceFailed(ILogger logger, Exception exception, string index);

    /// <summary>Live points of the delta graph, read in place: the inserts of a merge.</summary>
    private sealed class GraphVectorSource(VamanaIndex graph, List<uint> points) : IVectorSource
    {
        public int Count => points.Count;

        public int Dimensions => graph.Dimensions;

        public void Read(int id, Span<float> destination) => graph.GetVector(points[id]).CopyTo(destination);
    }

    /// <summary>The vector column of table rows, read in place (no copy of the whole set).</summary>
    private sealed class RowVectorSource(List<RowVersion> rows, int ordinal, int dimensions) : IVectorSource
    {
        public int Count => rows.Count;

        public int Dimensions => dimensions;

        public void Read(int id, Span<float> destination) => CopyVector(rows[id].Values[ordinal]!, destination);
    }
}

using System.Diagnostics;
using AnnSql.Index.Quantization;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// What a <see cref="StreamingMerge.Run"/> did: the node id of each inserted vector, the tombstones dropped, and the time
/// taken.
/// </summary>
/// <param name="InsertedIds">The node id of each inserted vector: element i for the source's vector i.</param>
/// <param name="DeletesDropped">Tombstoned nodes of the old index whose slots became free (|D|).</param>
/// <param name="Count">Node slots of the merged index, free ones included.</param>
/// <param name="Elapsed">Wall-clock time of the merge.</param>
public sealed record MergeSummary(uint[] InsertedIds, int DeletesDropped, int Count, TimeSpan Elapsed);

/// <summary>
/// FreshDiskANN's StreamingMerge (Singh et al., arXiv 2105.09613, §5): folds the tombstones of a <see cref="DiskIndex"/>
/// and a batch of inserted vectors into a new index file in three passes over the old one, holding PQ codes, the deleted
/// nodes' neighbour lists and the pending back-edges in memory, never the whole graph or all full-precision vectors.
/// </summary>
/// <remarks>
/// Delete phase: every live node with a tombstoned out-neighbour p gets N(p) \ D ∪ N(D) \ D, pruned back to R
/// (RobustPrune) with distances from its full-precision vector (read with its record) to the candidates' PQ codes;
/// tombstoned slots become free. Insert phase: each new vector takes a free slot (lowest first) or a new one at the end,
/// its out-neighbours are RobustPrune of a beam search over the intermediate graph, and it is queued as a back-edge on
/// each of them. Patch phase: the queued back-edges are added to their nodes, pruned back to R when they overflow, and the
/// final file is written. The old index keeps answering searches throughout.
/// </remarks>
public static class StreamingMerge
{
    /// <summary>Appended to the output path to name the intermediate file of the delete phase.</summary>
    public const string IntermediateSuffix = ".merging";

    /// <summary>
    /// Writes the merge of <paramref name="current"/> (its tombstones at the call) and <paramref name="inserts"/> to
    /// <paramref name="path"/>; node ids of surviving points do not change.
    /// </summary>
    /// <remarks>
    /// <para>
    /// D is the set of nodes tombstoned when the call starts: their slots become free, and the inserts reuse free slots
    /// lowest first before new slots are appended (insert i's id is <see cref="MergeSummary.InsertedIds"/>[i], in insert
    /// order whatever the thread count). Nodes tombstoned during the merge stay live in the new file: the caller tombstones
    /// them again there. The output's R, L_build and alpha are <paramref name="options"/>' (a node of the old index with more
    /// than R out-neighbours is pruned back to R); the quantizer and the surviving nodes' codes carry over; when the medoid
    /// is in D the live node whose code is nearest to its vector replaces it. When no node survives the deletes, the
    /// inserts are linked among themselves with an in-memory Vamana build (which then holds them all in memory).
    /// </para>
    /// <para>
    /// Candidate distances in the prunes (DiskANN Algorithm 2) are PQ distances from the pruned point's full-precision
    /// vector, read with its record, or the full-precision distances of the insert searches' re-rank; the distance from a
    /// kept neighbour to another candidate is the symmetric PQ distance between their codes (the candidates' vectors are on
    /// the SSD), so no prune reads the disk. Besides the codes, the merge holds D's neighbour lists, the symmetric distance
    /// tables (Chunks × 256 KiB), each insert's code and out-neighbours, and one batch of 1,024 records per streaming pass.
    /// </para>
    /// <para>
    /// The delete phase streams the old file into the intermediate file <paramref name="path"/> +
    /// <see cref="IntermediateSuffix"/>, which the insert phase searches and the patch phase streams into
    /// <paramref name="path"/> (a merge without deletes searches and streams <paramref name="current"/> instead; one without
    /// inserts renames the intermediate file). Streaming passes read their file sequentially through the page cache, one
    /// read per batch of records; the intermediate file is also searched through the page cache (just written, it is mostly
    /// still there, and the insert searches wait on one read per expanded node). Phases run on up to
    /// <paramref name="threads"/> threads. The intermediate file is deleted in every case, and <paramref name="path"/> too
    /// when the merge fails or is cancelled. <paramref name="current"/> stays usable (searches, deletes) throughout and is
    /// held open (<see cref="DiskIndex.TryAcquire"/>) until the call returns.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// Inserts of other dimensions, <paramref name="path"/> empty or the current index's own file, or a merged index of more
    /// than <see cref="int.MaxValue"/> slots.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// An option out of range (R or L below 1, alpha below 1 or infinite), or <paramref name="threads"/> below 1.
    /// </exception>
    /// <exception cref="ObjectDisposedException"><paramref name="current"/> was disposed.</exception>
    /// <exception cref="NotSupportedException">A quantizer of more than 32,767 chunks (its symmetric distance tables).</exception>
    /// <exception cref="InvalidDataException">A damaged record in the old or the intermediate file.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the partial files are deleted.</exception>
    public static MergeSummary Run(
        DiskIndex current, IVectorSource inserts, string path, VamanaOptions options, int threads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(inserts);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptions(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        if (inserts.Dimensions != current.Dimensions)
        {
            throw new ArgumentException(
                $"inserted vectors have {inserts.Dimensions} dimensions, the index has {current.Dimensions}", nameof(inserts));
        }

        if (string.Equals(Path.GetFullPath(path), Path.GetFullPath(current.Path), StringComparison.Ordinal))
        {
            throw new ArgumentException($"the merge cannot overwrite the index it reads ({path})", nameof(path));
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!current.TryAcquire())
        {
            throw new ObjectDisposedException(nameof(DiskIndex), $"the index {current.Path} was disposed");
        }

        Stopwatch clock = Stopwatch.StartNew();
        string intermediatePath = path + IntermediateSuffix;
        bool completed = false;
        try
        {
            (uint[] insertedIds, int dropped, int count) =
                Merge(current, inserts, path, intermediatePath, options, threads, cancellationToken);
            completed = true;
            return new MergeSummary(insertedIds, dropped, count, clock.Elapsed);
        }
        finally
        {
            current.Release();
            TryDelete(intermediatePath);
            if (!completed)
            {
                TryDelete(path);
            }
        }
    }

    /// <summary>The three phases; returns the inserts' ids, the tombstones dropped and the merged index's slot count.</summary>
    private static (uint[] InsertedIds, int Dropped, int Count) Merge(
        DiskIndex current, IVectorSource inserts, string path, string intermediatePath, VamanaOptions options, int threads,
        CancellationToken cancellationToken)
    {
        ProductQuantizer quantizer = current.Quantizer;
        MergePruner pruner = new(
            quantizer, MergeSymmetricDistances.From(quantizer, threads, cancellationToken), options.MaxDegree, options.Alpha);
        MergeScratchPool scratches = new(
            current.Dimensions, Math.Max(current.MaxDegree, options.MaxDegree), quantizer.TableLength, 2 * options.BuildListSize);
        MergeTombstones tombstones = MergeTombstones.Take(current, threads, cancellationToken);
        int dropped = tombstones.DeletedIds.Length;
        if (dropped == 0)
        {
            // Nothing to delete: the old file is the intermediate one.
            return InsertAndPatch(current, inserts, path, options, pruner, scratches, dropped, threads, cancellationToken);
        }

        MergeDeletePhase.Run(current, tombstones, intermediatePath, pruner, scratches, threads, cancellationToken);
        if (inserts.Count == 0)
        {
            // The intermediate file is the merged index (written and fsynced by the delete phase).
            File.Move(intermediatePath, path, overwrite: true);
            return ([], dropped, current.Count);
        }

        // Through the page cache: the insert searches are latency-bound, and the file was just written (mostly still cached).
        using DiskIndex intermediate = DiskIndex.Open(intermediatePath, directIo: false);
        return InsertAndPatch(intermediate, inserts, path, options, pruner, scratches, dropped, threads, cancellationToken);
    }

    private static (uint[] InsertedIds, int Dropped, int Count) InsertAndPatch(
        DiskIndex intermediate, IVectorSource inserts, string path, VamanaOptions options, MergePruner pruner, MergeScratchPool scratches,
        int dropped, int threads, CancellationToken cancellationToken)
    {
        MergeInserts linked = MergeInsertPhase.Run(intermediate, inserts, options, pruner, scratches, threads, cancellationToken);
        uint medoid = linked.Medoid ?? intermediate.Medoid;
        MergePatchPhase.Run(intermediate, inserts, linked, medoid, path, pruner, scratches, threads, cancellationToken);
        return (linked.Slots(), dropped, linked.NewCount);
    }

    private static void ValidateOptions(VamanaOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDegree, 1, "options.MaxDegree");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BuildListSize, 1, "options.BuildListSize");
        if (!(options.Alpha >= 1f) || float.IsInfinity(options.Alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Alpha, "alpha must be a finite number of at least 1");
        }
    }

    /// <summary>
    /// Deletes <paramref name="path"/> when it exists; a file that cannot be deleted is left (the error that got here
    /// matters more).
    /// </summary>
    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

using System.Numerics;
using AnnSql.Index.Quantization;

namespace AnnSql.Index.Disk;

/// <summary>
/// The memory plan of a <see cref="DiskIndexBuilder"/> build (DiskANN, NeurIPS 2019, §3.2): how many graph partitions,
/// how large each may grow, how many sample vectors train the quantizer, and the buffer sizes of the merge, chosen so
/// that the estimated live bytes of every phase stay within the budget. All figures are bytes the build itself
/// allocates and writes (arrays with their headers); the runtime, the page cache and garbage not yet collected are
/// outside the model.
/// </summary>
/// <remarks>
/// <para>
/// Phases: training (the sample, the quantizer's k-means, the partition centres' k-means), the pass over all points
/// (codes, nearest centres), the graph (one in-memory <see cref="Vamana.VamanaIndex"/> at a time), and the merge and
/// write (shard readers, a batch of merged nodes, the writer). The codes (Count × Chunks bytes), the quantizer and the
/// partition assignment (two 16-bit partition numbers a point) stay resident from the pass to the end.
/// </para>
/// <para>
/// A Vamana index of n points holds, a point: its row padded to 64 bytes (<see cref="VamanaRowBytes"/>), its slot in
/// the neighbour-list directory (8 bytes) and its list (an array of at most R ids: 24 + 4R bytes); a segment of 4096
/// points adds its directory and two bitmaps (<see cref="VamanaSegmentBytes"/>). The store's vector array is reserved a
/// whole segment at a time but allocated uninitialized, so only the rows written become resident: rows are counted, not
/// the segment's reserve (measured: reserving a 12.8 MB segment of 784-dimensional rows and writing 1,000 of them added
/// 3.9 MB to the resident set, of which about 3 MB is the runtime's own bookkeeping for the region). A build also holds
/// the caller's copy of the vectors (4 · Dimensions bytes a point), the insertion order and the medoid's id list (4 bytes
/// a point each) and, per thread, a visited-stamp array over the segment capacity and the search lists; a partition adds
/// its members' global ids (4 bytes a point). On MNIST (784 dimensions, R = 32) the index is 3,296 bytes a point and the
/// whole partition build 6,444 bytes a point, plus about 34 KB a segment and 16 KB a segment and thread;
/// <see cref="Vamana.VamanaIndex.MemoryBytes"/> of a 4,096-point MNIST build (one full segment, measured: 3,248 bytes a
/// point) stays below <see cref="IndexBytes"/> of it (3,304 bytes a point), as its lists average fewer than R ids.
/// </para>
/// </remarks>
internal sealed class BuildMemoryModel
{
    /// <summary>An array's object header and length on a 64-bit runtime.</summary>
    public const int ArrayHeaderBytes = 24;

    /// <summary>Points of a <see cref="Vamana.VamanaIndex"/> store segment.</summary>
    public const int VamanaSegmentPoints = 4096;

    /// <summary>
    /// Fewest points a partition may have: smaller partitions give graphs of a few times R points, whose merge is little
    /// better than a random graph, and the build refuses such a budget instead.
    /// </summary>
    public const int MinPartitionPoints = 1000;

    /// <summary>Partitions each point joins (DiskANN §3.2: its two nearest centres).</summary>
    public const int Overlap = 2;

    /// <summary>A partition may hold this many times its average share (Overlap · Count / Partitions) before points move on to their next-nearest centre.</summary>
    public const double CapFactor = 1.2;

    /// <summary>Most sample vectors that train the quantizer and the partition centres.</summary>
    public const int MaxSamplePoints = 20_000;

    /// <summary>Fewest sample vectors: one per centroid of a chunk's codebook.</summary>
    public const int MinSamplePoints = ProductQuantizer.CentroidsPerChunk;

    /// <summary>Points a block of the pass over all points scores before assigning them to partitions.</summary>
    public const int PassBlockPoints = 4096;

    /// <summary>Nearest centres the pass keeps a point (the cap may push it past the first two).</summary>
    public const int CentreCandidates = 8;

    /// <summary>Largest and smallest read buffer of a shard reader during the merge.</summary>
    public const int MaxReaderBufferBytes = 64 * 1024;

    /// <summary>Smallest read buffer of a shard reader during the merge.</summary>
    public const int MinReaderBufferBytes = 4096;

    /// <summary>Write buffer of a shard file while a partition is spilled.</summary>
    public const int ShardWriterBufferBytes = 64 * 1024;

    /// <summary>Largest and smallest batch of nodes merged in parallel before they are written.</summary>
    public const int MaxMergeBatch = 1024;

    /// <summary>Smallest batch of nodes merged in parallel before they are written.</summary>
    public const int MinMergeBatch = 16;

    private BuildMemoryModel(int count, int dimensions, int chunks, int maxDegree, int listSize, int threads, long budget)
    {
        Count = count;
        Dimensions = dimensions;
        Chunks = chunks;
        MaxDegree = maxDegree;
        ListSize = listSize;
        Threads = threads;
        Budget = budget;
        QuantizerBytes = EstimatedQuantizerBytes(dimensions, chunks);
    }

    /// <summary>Points of the source.</summary>
    public int Count { get; }

    /// <summary>Vector dimensions.</summary>
    public int Dimensions { get; }

    /// <summary>PQ chunks (bytes of a code).</summary>
    public int Chunks { get; }

    /// <summary>R.</summary>
    public int MaxDegree { get; }

    /// <summary>L of the build's searches.</summary>
    public int ListSize { get; }

    /// <summary>Threads of the build.</summary>
    public int Threads { get; }

    /// <summary>The budget in bytes.</summary>
    public long Budget { get; }

    /// <summary>Bytes of the quantizer: estimated until <see cref="SetQuantizerBytes"/> gives the trained one's.</summary>
    public long QuantizerBytes { get; private set; }

    /// <summary>Graph partitions: 1 for a build in one piece.</summary>
    public int Partitions { get; private set; }

    /// <summary>Most points a partition may take (Count for one piece).</summary>
    public int PartitionCap { get; private set; }

    /// <summary>Sample vectors that train the quantizer and the centres.</summary>
    public int SampleCount { get; private set; }

    /// <summary>Read buffer of each shard reader in the merge.</summary>
    public int ReaderBufferBytes { get; private set; }

    /// <summary>Nodes merged in parallel before they are written.</summary>
    public int MergeBatch { get; private set; }

    /// <summary>Bytes of the codes of all points.</summary>
    public long CodesBytes => ArrayHeaderBytes + ((long)Count * Chunks);

    /// <summary>Bytes of the partition assignment (two 16-bit partition numbers a point; none for one piece).</summary>
    public long AssignmentBytes => Partitions > 1 ? ArrayHeaderBytes + ((long)Count * Overlap * sizeof(ushort)) : 0;

    /// <summary>Bytes resident from the pass to the end of the build: codes, quantizer, assignment.</summary>
    public long ResidentBytes => CodesBytes + QuantizerBytes + AssignmentBytes;

    /// <summary>Bytes of a vector row in a Vamana store: the dimensions padded to 16 floats (64 bytes).</summary>
    public static long VamanaRowBytes(int dimensions) => (dimensions + 15L) / 16 * 16 * sizeof(float);

    /// <summary>Bytes a point adds to a Vamana index: its row, its directory slot and a full neighbour list.</summary>
    public static long VamanaBytesPerPoint(int dimensions, int maxDegree) =>
        VamanaRowBytes(dimensions) + IntPtr.Size + ArrayHeaderBytes + (4L * maxDegree);

    /// <summary>Bytes a 4096-point segment of a Vamana store adds beyond its rows: the list directory and two bitmaps.</summary>
    public static long VamanaSegmentBytes =>
        ArrayHeaderBytes + ((long)IntPtr.Size * VamanaSegmentPoints) + (2 * (ArrayHeaderBytes + (VamanaSegmentPoints / 8))) + 64;

    /// <summary>Bytes of a Vamana index over <paramref name="points"/> points (rows written, full lists).</summary>
    public static long IndexBytes(long points, int dimensions, int maxDegree)
    {
        long segments = Segments(points);
        return (points * VamanaBytesPerPoint(dimensions, maxDegree)) + (segments * VamanaSegmentBytes) + ArrayHeaderBytes
            + (IntPtr.Size * segments);
    }

    /// <summary>The quantizer's codebooks and chunk bounds, as <see cref="ProductQuantizer.MemoryBytes"/> counts them.</summary>
    public static long EstimatedQuantizerBytes(int dimensions, int chunks) =>
        (2 * ArrayHeaderBytes) + ((long)dimensions * ProductQuantizer.CentroidsPerChunk * sizeof(float)) + ((chunks + 1L) * sizeof(int));

    /// <summary>
    /// Bytes of building the graph of <paramref name="points"/> points with <see cref="Vamana.VamanaIndex.Build(float[], int,
    /// int, IProgress{Vamana.VamanaBuildProgress}?, CancellationToken)"/>: the index, the copy of the vectors handed to it,
    /// its order and medoid lists, each thread's search scratch and, for a partition, its member ids and shard writer.
    /// </summary>
    public long GraphBuildBytes(long points, bool partition)
    {
        long segments = Segments(points);
        long perThread = (4L * VamanaSegmentPoints * segments) + (32L * ListSize) + (16L * MaxDegree) + 4096;
        long bytes = IndexBytes(points, Dimensions, MaxDegree)
            + ArrayHeaderBytes + (4L * Dimensions * points)
            + (2 * (ArrayHeaderBytes + (4L * points)))
            + (12L * Dimensions)
            + (Threads * perThread);
        if (partition)
        {
            bytes += ArrayHeaderBytes + (4L * points) + ShardWriterBufferBytes + (4L * MaxDegree) + (64L * Partitions);
        }

        return bytes;
    }

    /// <summary>
    /// Bytes of the training phase with <paramref name="samples"/> sample vectors: the sample and its ids, the quantizer's
    /// k-means (codebooks, a scale a sample vector, and on each of up to Chunks threads a transposed copy of one chunk's
    /// columns with an assignment, two distances a vector and the centroid sums, in pooled arrays rounded up to powers of
    /// two), then the partition centres' k-means.
    /// </summary>
    public long TrainingBytes(long samples)
    {
        int widestChunk = (Dimensions + Chunks - 1) / Chunks;
        long sample = (2 * ArrayHeaderBytes) + (4L * Dimensions * samples) + (4L * samples);
        // The chunk trainers rent their arrays from the shared pool, which rounds lengths up to powers of two.
        long rented = (4L * (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, widestChunk * samples)))
            + (12L * (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, samples)));
        long quantizer = QuantizerBytes + ArrayHeaderBytes + (4L * samples)
            + (Math.Min(Threads, Chunks) * (rented + (8L * ProductQuantizer.CentroidsPerChunk * (widestChunk + 1))));
        long centres = Partitions > 1
            ? (12L * Partitions * Dimensions) + (8L * samples) + (Threads * 4L * Partitions) + (4L * Partitions)
            : 0;

        // The centres are trained after the quantizer, whose codebooks are all that is left of its training by then.
        return sample + Math.Max(quantizer, QuantizerBytes + centres) + (12L * Dimensions);
    }

    /// <summary>Bytes of the pass over all points: resident state plus centres, block candidates and per-thread rows.</summary>
    public long PassBytes()
    {
        long bytes = ResidentBytes + (4L * Dimensions) + (Threads * 4L * Dimensions);
        if (Partitions > 1)
        {
            bytes += (4L * Partitions * Dimensions) + (PassBlockPoints * CentreCandidates * 6L) + (Threads * 4L * Partitions)
                + (4L * Partitions);
        }

        return bytes;
    }

    /// <summary>Bytes of the graph phase when the largest partition has <paramref name="largest"/> points.</summary>
    public long GraphBytes(long largest) => ResidentBytes + GraphBuildBytes(largest, Partitions > 1);

    /// <summary>
    /// Bytes of the merge and write phase: resident state, shard readers, a batch of nodes (vector and up to 2R ids), each
    /// thread's prune scratch (up to 2R candidate vectors) and the writer. For one piece: the built index and the writer.
    /// </summary>
    public long MergeBytes()
    {
        if (Partitions == 1)
        {
            return ResidentBytes + IndexBytes(Count, Dimensions, MaxDegree) + WriterBytes() + (4L * MaxDegree);
        }

        return ResidentBytes + MergeBytes(ReaderBufferBytes, MergeBatch) + WriterBytes();
    }

    /// <summary>
    /// Bytes the <see cref="DiskIndexWriter"/> holds: its copy of the codes, its 1 MiB file buffer and a record's sectors,
    /// and while it completes the saved quantizer (a growing memory stream: up to twice its size) and a 1 MiB tail buffer.
    /// </summary>
    public long WriterBytes()
    {
        long recordSectors = ((4L * (Dimensions + MaxDegree + 1)) + DiskIndex.SectorBytes - 1) / DiskIndex.SectorBytes;
        return CodesBytes + (2L << 20) + ((recordSectors + 3) * DiskIndex.SectorBytes) + (2 * QuantizerBytes);
    }

    /// <summary>The largest phase estimate: what <see cref="DiskBuildSummary.PeakMemoryBytes"/> reports.</summary>
    public long PeakBytes(long largestPartition) =>
        Math.Max(Math.Max(TrainingBytes(SampleCount), PassBytes()), Math.Max(GraphBytes(largestPartition), MergeBytes()));

    /// <summary>Replaces the quantizer estimate by the trained quantizer's bytes.</summary>
    public void SetQuantizerBytes(long bytes) => QuantizerBytes = bytes;

    /// <summary>
    /// Plans a build: one piece when its graph fits the budget, otherwise the fewest partitions (at least 3: with 2, each
    /// partition would hold every point) whose capped size fits; then the largest sample and merge buffers that fit. A
    /// piece also needs its vectors to fit one array (Array.MaxLength floats), which a build's input is.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The budget cannot hold the codes and quantizer with one partition of <see cref="MinPartitionPoints"/> points (or all
    /// points, when fewer), or the training sample's minimum, or the merge's minimum buffers.
    /// </exception>
    public static BuildMemoryModel Plan(
        int count, int dimensions, int chunks, int maxDegree, int listSize, int threads, long memoryBudgetBytes)
    {
        long budget = memoryBudgetBytes;
        BuildMemoryModel model = new(count, dimensions, chunks, maxDegree, listSize, threads, budget);
        model.Partitions = 1;
        model.PartitionCap = count;
        model.ReaderBufferBytes = MaxReaderBufferBytes;
        model.MergeBatch = Math.Min(MaxMergeBatch, count);
        if (FitsOneArray(count, dimensions)
            && model.GraphBytes(count) <= budget && model.PassBytes() <= budget && model.MergeBytes() <= budget)
        {
            return model.WithSample();
        }

        int smallest = Math.Min(count, MinPartitionPoints);
        for (int partitions = 3; partitions <= ushort.MaxValue; partitions++)
        {
            int cap = CapFor(count, partitions);
            if (cap < smallest)
            {
                break;
            }

            model.Partitions = partitions;
            model.PartitionCap = cap;
            if (FitsOneArray(cap, dimensions) && model.GraphBytes(cap) <= budget && model.PassBytes() <= budget && model.PlanMerge())
            {
                return model.WithSample();
            }
        }

        model.Partitions = Math.Max(3, (int)Math.Min(ushort.MaxValue, (long)Overlap * count * CapFactor / smallest));
        throw new ArgumentException(
            $"a memory budget of {budget} bytes is too small: the PQ codes and quantizer take {model.ResidentBytes} bytes, "
            + $"building the graph of a partition of {smallest} points takes {model.GraphBuildBytes(smallest, true)} more, and "
            + $"merging the partitions at least {model.MergeBytes(MinReaderBufferBytes, MinMergeBatch) + model.WriterBytes()} more",
            nameof(memoryBudgetBytes));
    }

    /// <summary>
    /// The cap of a partition of <paramref name="count"/> points in <paramref name="partitions"/> parts: 1.2 times the
    /// average share, and at least 2 · count / (partitions − 1), so that while points are still unassigned no more than
    /// partitions − 2 partitions can be full and every point finds two open ones (this raises the cap for 3 to 5
    /// partitions only).
    /// </summary>
    public static int CapFor(int count, int partitions)
    {
        double share = Math.Ceiling(CapFactor * Overlap * count / partitions);
        double open = Math.Ceiling((double)Overlap * count / (partitions - 1));
        return (int)Math.Min(count, Math.Max(share, open));
    }

    /// <summary>Whether the vectors of <paramref name="points"/> points fit the one float array a Vamana build takes.</summary>
    private static bool FitsOneArray(long points, int dimensions) => points * dimensions <= Array.MaxLength;

    private static long Segments(long points) => (points + VamanaSegmentPoints - 1) / VamanaSegmentPoints;

    /// <summary>Bytes of the merge's readers and batch (without the resident state and the writer).</summary>
    private long MergeBytes(int readerBuffer, int batch)
    {
        long candidates = 2L * MaxDegree;
        long perThread = ArrayHeaderBytes + (candidates * ((4L * Dimensions) + 4 + 12 + 1 + 4)) + (4L * MaxDegree);
        long batchBytes = batch * ((4L * Dimensions) + (4L * candidates) + 4);
        return ((long)Partitions * (readerBuffer + 128)) + batchBytes + (Threads * perThread);
    }

    /// <summary>The largest reader buffer, then the largest batch, with which the merge fits; false when none does.</summary>
    private bool PlanMerge()
    {
        long room = Budget - ResidentBytes - WriterBytes();
        int batch = Math.Min(MaxMergeBatch, Count);
        for (int buffer = MaxReaderBufferBytes; buffer >= MinReaderBufferBytes; buffer /= 2)
        {
            if (MergeBytes(buffer, Math.Min(MinMergeBatch, batch)) > room)
            {
                continue;
            }

            while (batch > MinMergeBatch && MergeBytes(buffer, batch) > room)
            {
                batch /= 2;
            }

            ReaderBufferBytes = buffer;
            MergeBatch = Math.Max(Math.Min(MinMergeBatch, Count), batch);
            return true;
        }

        return false;
    }

    /// <summary>Sets the largest sample up to <see cref="MaxSamplePoints"/> (at least the partitions) whose training fits.</summary>
    /// <exception cref="ArgumentException">Not even the fewest sample vectors fit.</exception>
    private BuildMemoryModel WithSample()
    {
        int most = Math.Min(Count, Math.Max(MaxSamplePoints, 4 * Partitions));
        int fewest = Math.Min(Count, Math.Max(MinSamplePoints, Partitions));
        if (TrainingBytes(fewest) > Budget)
        {
            throw new ArgumentException(
                $"a memory budget of {Budget} bytes is too small to train the quantizer on {fewest} sample vectors "
                + $"({TrainingBytes(fewest)} bytes)");
        }

        // TrainingBytes grows with the sample: the largest count that fits, by bisection.
        int fits = fewest;
        int above = most + 1;
        while (above - fits > 1)
        {
            int middle = fits + ((above - fits) / 2);
            if (TrainingBytes(middle) <= Budget)
            {
                fits = middle;
            }
            else
            {
                above = middle;
            }
        }

        SampleCount = fits;
        return this;
    }
}

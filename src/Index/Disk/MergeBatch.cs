using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// Streams the nodes of a merge's output file in id order, a batch at a time: the batch's records (vector, out-neighbours,
/// or free) are filled on up to <c>threads</c> threads, then appended in order to a <see cref="DiskIndexWriter"/>. Only
/// one batch of records is in memory, so the passes of StreamingMerge stream the old file into the new one (FreshDiskANN,
/// arXiv 2105.09613, §5).
/// </summary>
internal sealed class MergeBatch
{
    /// <summary>Nodes per batch: about 3 MiB of 784-dimensional vectors, enough to keep every thread busy.</summary>
    public const int Capacity = 1024;

    /// <summary>Nodes a worker claims at a time.</summary>
    private const int Chunk = 16;

    private readonly int _dimensions;
    private readonly int _maxDegree;
    private readonly float[] _vectors;
    private readonly uint[] _neighbors;
    private readonly int[] _degrees;

    /// <summary>
    /// A batch of records of <paramref name="dimensions"/> floats and at most <paramref name="maxDegree"/> out-neighbours.
    /// </summary>
    public MergeBatch(int dimensions, int maxDegree)
    {
        _dimensions = dimensions;
        _maxDegree = maxDegree;
        _vectors = new float[Capacity * dimensions];
        _neighbors = new uint[Capacity * maxDegree];
        _degrees = new int[Capacity];
    }

    /// <summary>
    /// Fills row <c>row</c> of the batch for node <c>id</c> (its record loaded when the file holds it), with a worker's
    /// scratch.
    /// </summary>
    public delegate void Fill(MergeBatch batch, uint id, int row, MergeScratch scratch);

    /// <summary>Row <paramref name="row"/>'s vector.</summary>
    public Span<float> Vector(int row) => _vectors.AsSpan(row * _dimensions, _dimensions);

    /// <summary>Room for row <paramref name="row"/>'s out-neighbours (R ids).</summary>
    public Span<uint> NeighborRow(int row) => _neighbors.AsSpan(row * _maxDegree, _maxDegree);

    /// <summary>Sets row <paramref name="row"/>'s out-degree (at most R, its ids in <see cref="NeighborRow"/>).</summary>
    public void SetDegree(int row, int degree) => _degrees[row] = degree;

    /// <summary>Marks row <paramref name="row"/> a free slot.</summary>
    public void SetFree(int row) => _degrees[row] = -1;

    /// <summary>
    /// Writes nodes 0..<paramref name="count"/>-1 to <paramref name="writer"/>: for each batch, the records of its nodes that
    /// <paramref name="reader"/>'s file holds are loaded, the rows are filled by <paramref name="fill"/> in parallel, then
    /// appended in id order with the codes of <paramref name="codes"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public void Stream(
        DiskIndexWriter writer, int count, MergeNodeReader reader, MergeCodeSource codes, MergeScratchPool scratches, Fill fill,
        int threads, CancellationToken cancellationToken)
    {
        for (int first = 0; first < count; first += Capacity)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int rows = Math.Min(Capacity, count - first);
            reader.Load(first, Math.Clamp(reader.Count - first, 0, rows));
            int batchFirst = first;
            CallerParallel.For(rows, Chunk, threads, (start, end) =>
            {
                MergeScratch scratch = scratches.Rent();
                try
                {
                    for (int row = start; row < end; row++)
                    {
                        fill(this, (uint)(batchFirst + row), row, scratch);
                    }
                }
                finally
                {
                    scratches.Return(scratch);
                }
            }, cancellationToken);

            for (int row = 0; row < rows; row++)
            {
                int degree = _degrees[row];
                if (degree < 0)
                {
                    writer.AppendFree();
                }
                else
                {
                    uint id = (uint)(first + row);
                    writer.Append(Vector(row), _neighbors.AsSpan(row * _maxDegree, degree), codes.Code(id));
                }
            }
        }
    }
}

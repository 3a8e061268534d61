using AnnSql.Index.Disk;

namespace AnnSql.Index.Tests;

/// <summary>
/// The MNIST subset (9,000 base rows × 784, 1,000 queries, exact L2 top-100 ids and distances), read once per test run
/// and shared by the fixtures that build indexes or quantizers over it. Callers must not modify the arrays.
/// </summary>
public sealed class MnistRows
{
    private static readonly Lazy<MnistRows> Instance = new(() => new MnistRows());

    private MnistRows()
    {
        string dir = TestData.DataSetDirectory(TestData.Mnist784);
        (BaseRows, Count, Dimensions) = TestData.ReadFbin(dir, "base.fbin");
        (Queries, QueryCount, _) = TestData.ReadFbin(dir, "query.fbin");
        (GroundTruth, _, GroundTruthK) = TestData.ReadIbin(dir, "gt.ibin");
        (GroundTruthDistances, _, _) = TestData.ReadFbin(dir, "gt.fbin");
        Source = new ArrayVectorSource(BaseRows, Count, Dimensions);
    }

    public static MnistRows Shared => Instance.Value;

    /// <summary>Base rows, row-major.</summary>
    public float[] BaseRows { get; }

    public int Count { get; }

    public int Dimensions { get; }

    /// <summary>Query rows, row-major.</summary>
    public float[] Queries { get; }

    public int QueryCount { get; }

    /// <summary>Exact L2 neighbour ids, <see cref="GroundTruthK"/> per query, nearest first.</summary>
    public int[] GroundTruth { get; }

    public int GroundTruthK { get; }

    /// <summary>The distances of <see cref="GroundTruth"/>.</summary>
    public float[] GroundTruthDistances { get; }

    /// <summary>A source over all rows (shared: tests that cancel through a source make their own).</summary>
    public ArrayVectorSource Source { get; }
}

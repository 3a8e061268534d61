using System.Diagnostics;
using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Tests;

/// <summary>
/// The MNIST subset with its digit labels (one per vector), the digit-filtered ground truth, the unlabelled L2 index of
/// <see cref="MnistVamanaFixture"/> (for the build time to compare with) and one L2 index built with each base vector's
/// digit as its only label, with default options on every core.
/// </summary>
public sealed class LabeledMnistFixture
{
    public LabeledMnistFixture()
    {
        Mnist = new MnistVamanaFixture();
        string dir = TestData.DataSetDirectory(TestData.Mnist784);
        BaseLabels = TestData.ReadLabels(dir, "base_labels.txt");
        QueryLabels = TestData.ReadLabels(dir, "query_labels.txt");
        (FilteredTruth, _, FilteredTruthK) = TestData.ReadIbin(dir, "gt_filtered.ibin");
        (FilteredTruthDistances, _, _) = TestData.ReadFbin(dir, "gt_filtered.fbin");

        Stopwatch clock = Stopwatch.StartNew();
        DigitIndex = new VamanaIndex(Metric.L2, Mnist.Dimensions, new VamanaOptions());
        DigitIndex.Build(Mnist.BaseRows, Mnist.Count, BaseLabels, Environment.ProcessorCount);
        DigitBuildSeconds = clock.Elapsed.TotalSeconds;
    }

    /// <summary>The data and the unlabelled index.</summary>
    public MnistVamanaFixture Mnist { get; }

    /// <summary>Each base vector's labels: its digit.</summary>
    public int[][] BaseLabels { get; }

    /// <summary>Each query's labels: its digit.</summary>
    public int[][] QueryLabels { get; }

    /// <summary>Per query, base ids nearest first among the base vectors of the query's digit.</summary>
    public int[] FilteredTruth { get; }

    public int FilteredTruthK { get; }

    public float[] FilteredTruthDistances { get; }

    /// <summary>The L2 index built with each base vector's digit as its label.</summary>
    public VamanaIndex DigitIndex { get; }

    public double DigitBuildSeconds { get; }
}

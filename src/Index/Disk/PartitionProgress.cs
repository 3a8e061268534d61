using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// Turns the progress of each partition's two-pass Vamana build into progress across the whole graph build: PointsTotal
/// is two insertions (one a pass) of every member of every partition, PointsDone counts those of the partitions already
/// built plus the current one's, and Pass is the current partition's pass.
/// </summary>
internal sealed class PartitionProgress(IProgress<VamanaBuildProgress> outer, long total) : IProgress<VamanaBuildProgress>
{
    private long _done;
    private int _points;

    /// <summary>Starts reporting for a partition of <paramref name="points"/> points, after the previous one finished.</summary>
    public PartitionProgress Start(int points)
    {
        _points = points;
        return this;
    }

    /// <summary>Counts the current partition's two passes as done.</summary>
    public void Finish()
    {
        _done += 2L * _points;
        _points = 0;
    }

    /// <inheritdoc/>
    public void Report(VamanaBuildProgress value) =>
        outer.Report(new VamanaBuildProgress(value.Pass, _done + ((value.Pass - 1L) * _points) + value.PointsDone, total));
}

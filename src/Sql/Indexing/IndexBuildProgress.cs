using System.Globalization;
using AnnSql.Index.Vamana;

namespace AnnSql.Sql.Indexing;

/// <summary>
/// Progress of one running CREATE INDEX, as <c>pg_stat_progress_create_index</c> shows it: the backend, the table and
/// index, the phase and the points inserted so far. Updated by the build threads, read by any session.
/// </summary>
public sealed class IndexBuildProgress(int processId, uint tableOid, uint indexOid) : IProgress<VamanaBuildProgress>
{
    private VamanaBuildProgress _latest;
    private readonly Lock _lock = new();

    /// <summary>The backend process id running the build.</summary>
    public int ProcessId { get; } = processId;

    /// <summary>The indexed table.</summary>
    public uint TableOid { get; } = tableOid;

    /// <summary>The index being built.</summary>
    public uint IndexOid { get; } = indexOid;

    /// <summary>The latest report.</summary>
    public VamanaBuildProgress Latest
    {
        get
        {
            lock (_lock)
            {
                return _latest;
            }
        }
    }

    /// <summary>Overall completion 0..100 over both Vamana passes.</summary>
    public int Percent
    {
        get
        {
            var p = Latest;
            return p.PointsTotal == 0 ? 0 : (int)((((p.Pass - 1) * p.PointsTotal) + p.PointsDone) * 100 / (2 * p.PointsTotal));
        }
    }

    /// <summary>The phase in PostgreSQL's style, e.g. <c>building index: Vamana pass 1 of 2</c>.</summary>
    public string Phase => Latest.Pass == 0 ? "initializing" : $"building index: Vamana pass {Latest.Pass} of 2";

    /// <summary>A one-line description for NOTICE messages.</summary>
    public string Describe()
    {
        var p = Latest;
        return string.Create(CultureInfo.InvariantCulture, $"pass {p.Pass} of 2, {p.PointsDone} of {p.PointsTotal} points");
    }

    /// <inheritdoc/>
    public void Report(VamanaBuildProgress value)
    {
        lock (_lock)
        {
            _latest = value;
        }
    }
}

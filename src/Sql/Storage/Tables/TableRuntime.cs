using AnnSql.Sql.Catalog;
using AnnSql.Sql.Indexing;

namespace AnnSql.Sql.Storage.Tables;

/// <summary>
/// A table's live state: its committed rows, the unique indexes enforcing its constraints, and its diskann indexes.
/// <paramref name="horizon"/> gives the vacuum horizon (the oldest snapshot in use) to the indexes' maintenance;
/// <paramref name="indexes"/> is what the diskann indexes share (their file directory and budgets).
/// </summary>
public sealed partial class TableRuntime(TableInfo info, Func<long> horizon, VectorIndexEnvironment indexes)
{
    public TableInfo Info { get; set; } = info;

    public TableData Data { get; } = new();

    public List<UniqueIndex> UniqueIndexes { get; } = [];

    /// <summary>Deleted row versions still in their slots (vacuum removes them). Changed under the commit lock.</summary>
    public long DeadRows { get; set; }

    /// <summary>The diskann (vector) indexes; replaced as a whole, so readers may hold the list they read.</summary>
    public IReadOnlyList<VectorIndex> VectorIndexes { get; private set; } = [];

    /// <summary>
    /// Brings <see cref="VectorIndexes"/> in line with <see cref="Info"/>: keeps the runtime of every index still declared
    /// (unless <paramref name="reset"/>, after TRUNCATE), creates unbuilt ones for new indexes, drops the rest.
    /// Returns the indexes that need a build.
    /// </summary>
    public IReadOnlyList<VectorIndex> SyncVectorIndexes(bool reset)
    {
        var current = VectorIndexes.ToDictionary(v => v.Info.Oid);
        var next = new List<VectorIndex>();
        var unbuilt = new List<VectorIndex>();
        foreach (var index in Info.Indexes)
        {
            if (index.Method != "diskann")
            {
                continue;
            }

            if (reset || !current.TryGetValue(index.Oid, out var runtime))
            {
                runtime = new VectorIndex(index, Info, Data, horizon, indexes);
                unbuilt.Add(runtime);
            }

            next.Add(runtime);
        }

        foreach (var (oid, runtime) in current)
        {
            if (!next.Contains(runtime))
            {
                runtime.Close();
            }
        }

        VectorIndexes = next;
        return unbuilt;
    }

    /// <summary>Rebuilds the unique indexes from <see cref="Info"/> and the live rows.</summary>
    public void RebuildUniqueIndexes()
    {
        UniqueIndexes.Clear();
        foreach (var index in Info.Indexes)
        {
            if (!index.IsUnique)
            {
                continue;
            }

            var ordinals = index.KeyColumns.Select(a => Info.OrdinalOf(a)).ToArray();
            var u = new UniqueIndex(index, ordinals);
            foreach (var row in Data.Slots)
            {
                if (row is not null && row.DeletedSeq == 0)
                {
                    u.Add(row);
                }
            }

            UniqueIndexes.Add(u);
        }
    }
}

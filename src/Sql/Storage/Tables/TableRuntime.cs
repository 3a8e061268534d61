using AnnSql.Sql.Catalog;

namespace AnnSql.Sql.Storage.Tables;

/// <summary>A table's live state: its committed rows and the unique indexes enforcing its constraints.</summary>
public sealed class TableRuntime(TableInfo info)
{
    public TableInfo Info { get; set; } = info;

    public TableData Data { get; } = new();

    public List<UniqueIndex> UniqueIndexes { get; } = [];

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

            var ordinals = index.KeyColumns.Select(a => a - 1).ToArray();
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

using AnnSql.Sql.Catalog;
using AnnSql.Sql.Indexing;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Storage.Tables;

public sealed partial class TableRuntime
{
    /// <summary>
    /// The generation this one replaced when ALTER TABLE rewrote the rows, kept for statements that were planned against
    /// the old layout and are still reading (until the vacuum horizon passes <see cref="RewrittenAt"/>); null otherwise.
    /// </summary>
    public TableRuntime? Previous { get; private set; }

    /// <summary>The commit sequence number that was the latest applied when this generation replaced the previous one.</summary>
    public long RewrittenAt { get; private set; }

    /// <summary>
    /// A new generation of the table with the layout of <paramref name="info"/>: every live row rewritten by
    /// <paramref name="rewrite"/> under its row id and creating sequence number (deleted versions are not carried over, as
    /// PostgreSQL's table rewrite does not), the identity counter carried over, the unique indexes rebuilt. A diskann
    /// index whose key columns keep their ordinals and types moves over with its graph; any other is created unbuilt and
    /// returned in <paramref name="unbuilt"/>. Caller holds the commit lock; this generation stays readable unchanged.
    /// </summary>
    /// <exception cref="InvalidDataException">The rewrite does not fit the new layout.</exception>
    internal TableRuntime Rewrite(TableInfo info, TableRewrite rewrite, long appliedSeq, out List<VectorIndex> unbuilt)
    {
        var columns = info.Columns;
        if (rewrite.Columns.Count != columns.Count)
        {
            throw new InvalidDataException($"rewrite of table {info.Oid} has {rewrite.Columns.Count} columns, not {columns.Count}");
        }

        var constants = new object?[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            if (rewrite.Columns[i].Constant is { } bytes)
            {
                constants[i] = TypeIO.ReceiveBinary(bytes, columns[i].Type);
            }
        }

        var next = new TableRuntime(info, horizon, indexes) { Previous = this, RewrittenAt = appliedSeq };
        Previous = null;
        foreach (var row in Data.Slots)
        {
            if (row is null || row.DeletedSeq != 0)
            {
                continue;
            }

            var values = new object?[columns.Count];
            for (int i = 0; i < values.Length; i++)
            {
                var source = rewrite.Columns[i];
                if (source.OldOrdinal >= 0)
                {
                    values[i] = row.Values[source.OldOrdinal];
                }
                else if (source.Values is { } perRow)
                {
                    values[i] = perRow.TryGetValue(row.RowId, out var bytes) && bytes is not null ? TypeIO.ReceiveBinary(bytes, columns[i].Type) : null;
                }
                else
                {
                    values[i] = constants[i];
                }
            }

            next.Data.Place(row.RowId, values, row.CreatedSeq);
        }

        next.Data.IdentityCounter = Data.IdentityCounter;
        next.RebuildUniqueIndexes();
        unbuilt = next.AdoptVectorIndexes(this);
        return next;
    }

    /// <summary>Forgets <see cref="Previous"/> and closes the diskann indexes only it used.</summary>
    internal void ReleasePrevious()
    {
        if (Previous is not { } previous)
        {
            return;
        }

        Previous = null;
        foreach (var index in previous.VectorIndexes)
        {
            if (!VectorIndexes.Contains(index))
            {
                index.Close();
            }
        }
    }

    /// <summary>Takes over the diskann indexes of <paramref name="old"/> that still fit (see <see cref="Rewrite"/>).</summary>
    private List<VectorIndex> AdoptVectorIndexes(TableRuntime old)
    {
        var next = new List<VectorIndex>();
        var unbuilt = new List<VectorIndex>();
        foreach (var index in Info.Indexes)
        {
            if (index.Method != "diskann")
            {
                continue;
            }

            var runtime = old.VectorIndexes.FirstOrDefault(v => v.Info.Oid == index.Oid);
            if (runtime is not null && SameKeys(old.Info, Info, index))
            {
                runtime.Retarget(Data);
            }
            else
            {
                runtime = new VectorIndex(index, Info, Data, horizon, indexes);
                unbuilt.Add(runtime);
            }

            next.Add(runtime);
        }

        VectorIndexes = next;
        return unbuilt;
    }

    private static bool SameKeys(TableInfo before, TableInfo after, IndexInfo index)
    {
        foreach (short key in index.KeyColumns)
        {
            int a = before.OrdinalOf(key);
            int b = after.OrdinalOf(key);
            if (a < 0 || a != b || before.Columns[a].Type != after.Columns[b].Type)
            {
                return false;
            }
        }

        return true;
    }
}

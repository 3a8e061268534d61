using AnnSql.Sql.Types;

namespace AnnSql.Sql.Storage.Tables;

/// <summary>The key columns' values of a row, compared with SQL equality (for unique constraints and hash joins).</summary>
public readonly struct RowKey(object?[] values) : IEquatable<RowKey>
{
    public object?[] Values { get; } = values;

    public bool HasNull => Array.IndexOf(Values, null) >= 0;

    public bool Equals(RowKey other)
    {
        if (Values.Length != other.Values.Length)
        {
            return false;
        }

        for (int i = 0; i < Values.Length; i++)
        {
            var a = Values[i];
            var b = other.Values[i];
            if (a is null || b is null)
            {
                if (a is not null || b is not null)
                {
                    return false;
                }

                continue;
            }

            if (!SqlValues.AreEqual(a, b))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is RowKey k && Equals(k);

    public static bool operator ==(RowKey left, RowKey right) => left.Equals(right);

    public static bool operator !=(RowKey left, RowKey right) => !left.Equals(right);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var v in Values)
        {
            h.Add(SqlValues.GetHashCode(v));
        }

        return h.ToHashCode();
    }
}

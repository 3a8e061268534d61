using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using AnnSql.Index.Vamana;
using AnnSql.Sql.Storage.Tables;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Indexing;

/// <summary>
/// Exact counts over a diskann index's key columns, for the planner: live (committed, not deleted) rows, live rows whose
/// vector is NULL (never in the graph), and, with a label column, live rows carrying each label. Counted from the table
/// when the index is declared and kept exact by the commit path, which reports every inserted and deleted row under the
/// commit lock, so counts change exactly when rows become visible or invisible. Readers take no lock.
/// </summary>
public sealed class IndexStatistics
{
    private readonly int _vectorOrdinal;
    private readonly int _labelOrdinal;
    private readonly ConcurrentDictionary<int, long> _counts = new();
    private long _liveRows;
    private long _rowsWithoutVector;

    /// <summary>
    /// Counts the live rows of <paramref name="data"/>; the ordinals are 0-based, <paramref name="labelOrdinal"/> -1 without a
    /// label column.
    /// </summary>
    public IndexStatistics(int vectorOrdinal, int labelOrdinal, TableData data)
    {
        _vectorOrdinal = vectorOrdinal;
        _labelOrdinal = labelOrdinal;
        foreach (var row in data.Slots)
        {
            if (row is not null && row.DeletedSeq == 0)
            {
                Add(row.Values);
            }
        }
    }

    /// <summary>Live rows of the table.</summary>
    public long LiveRows => Volatile.Read(ref _liveRows);

    /// <summary>Live rows whose vector is NULL.</summary>
    public long RowsWithoutVector => Volatile.Read(ref _rowsWithoutVector);

    /// <summary>Live rows carrying <paramref name="label"/> (0 without a label column).</summary>
    public long Count(int label) => _counts.TryGetValue(label, out long n) ? n : 0;

    /// <summary>A row became visible (committed insert). Called under the commit lock.</summary>
    public void Add(object?[] values) => Change(values, +1);

    /// <summary>A row became invisible (committed delete). Called under the commit lock.</summary>
    public void Remove(object?[] values) => Change(values, -1);

    private void Change(object?[] values, int delta)
    {
        Interlocked.Add(ref _liveRows, delta);
        if (values[_vectorOrdinal] is null)
        {
            Interlocked.Add(ref _rowsWithoutVector, delta);
        }

        if (_labelOrdinal >= 0)
        {
            foreach (int label in LabelValues.Distinct(values[_labelOrdinal]))
            {
                _counts.AddOrUpdate(label, static (_, d) => d, static (_, n, d) => n + d, delta);
            }
        }
    }
}

/// <summary>
/// Reading labels out of SQL values: a <c>smallint</c>/<c>integer</c> scalar is one label, a <c>smallint[]</c>/<c>integer[]</c>
/// array is a set of labels; NULL (or a NULL element) is no label.
/// </summary>
public static class LabelValues
{
    /// <summary>The distinct labels of a label column value, ascending; empty for NULL.</summary>
    public static int[] Distinct(object? value)
    {
        switch (value)
        {
            case null:
                return [];
            case object?[] items:
                var labels = new List<int>(items.Length);
                foreach (var item in items)
                {
                    if (ToLabel(item) is { } label)
                    {
                        labels.Add(label);
                    }
                }

                return Normalize(labels);
            default:
                return ToLabel(value) is { } single ? [single] : [];
        }
    }

    /// <summary>
    /// The label set of a predicate's operand: an array value or a list of scalar values, ascending and distinct, with NULL
    /// elements and values outside the integer range dropped (no row carries them). Null when the array itself is NULL.
    /// </summary>
    public static int[]? FromOperand(object? value) => value is null ? null : Distinct(value);

    /// <summary>Sorts and removes duplicates.</summary>
    public static int[] Normalize(List<int> labels) => LabelSets.Normalize(CollectionsMarshal.AsSpan(labels));

    private static int? ToLabel(object? value)
    {
        if (value is null || !SqlValues.IsNumber(value))
        {
            return null;
        }

        double d = SqlValues.ToDouble(value);
        return d >= int.MinValue && d <= int.MaxValue && d == Math.Floor(d) ? (int)d : null;
    }
}

namespace AnnSql.Index.Distance;

/// <summary>One query against many rows: the brute-force scan and re-rank primitive.</summary>
public static partial class VectorDistances
{
    /// <summary>
    /// Distances from <paramref name="query"/> to each row of the row-major matrix <paramref name="rows"/>
    /// (<c>rows.Length / dim</c> rows of <paramref name="dim"/> floats), written to the first row-count slots of
    /// <paramref name="distances"/>. Values are "smaller = closer": L2 → squared L2, InnerProduct → -dot,
    /// Cosine → 1 - cos (double math narrowed to float; for ranking only, recompute output values with
    /// <see cref="CosineDistance(ReadOnlySpan{float}, ReadOnlySpan{float})"/>), L1 → L1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is not positive.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="query"/> is not <paramref name="dim"/> long, <paramref name="rows"/> is not a whole number of rows,
    /// <paramref name="distances"/> is shorter than the row count, or <paramref name="metric"/> is a bit metric.
    /// </exception>
    public static void ComputeBatch(Metric metric, ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dim, Span<float> distances)
    {
        switch (metric)
        {
            case Metric.L2:
                ComputeBatch<L2Kernel>(query, rows, dim, distances);
                break;
            case Metric.InnerProduct:
                ComputeBatch<InnerProductKernel>(query, rows, dim, distances);
                break;
            case Metric.Cosine:
                ComputeBatch<CosineKernel>(query, rows, dim, distances);
                break;
            case Metric.L1:
                ComputeBatch<L1Kernel>(query, rows, dim, distances);
                break;
            default:
                ThrowHelper.ThrowArgument($"metric {metric} does not apply to float vectors", nameof(metric));
                break;
        }
    }

    /// <summary>
    /// <see cref="ComputeBatch(Metric, ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{float})"/> with the metric
    /// fixed at compile time, so the per-row loop is specialised for <typeparamref name="TDistance"/>. Same shapes and errors.
    /// </summary>
    public static void ComputeBatch<TDistance>(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dim, Span<float> distances)
        where TDistance : struct, IDistance
    {
        int count = CheckBatch(query, rows, dim, distances);
        for (int r = 0; r < count; r++)
        {
            distances[r] = TDistance.Distance(query, rows.Slice(r * dim, dim));
        }
    }

    /// <summary>Validates batch shapes and returns the row count.</summary>
    internal static int CheckBatch(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int dim, Span<float> distances)
    {
        if (dim <= 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(dim), dim, "dimension must be positive");
        }

        ThrowHelper.CheckSameLength(query.Length, dim);
        int count = rows.Length / dim;
        if (count * dim != rows.Length)
        {
            ThrowHelper.ThrowArgument($"rows length {rows.Length} is not a multiple of dimension {dim}", nameof(rows));
        }

        if (distances.Length < count)
        {
            ThrowHelper.ThrowArgument($"distances has {distances.Length} slots for {count} rows", nameof(distances));
        }

        return count;
    }
}

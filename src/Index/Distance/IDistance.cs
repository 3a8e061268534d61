namespace AnnSql.Index.Distance;

/// <summary>
/// A float32 distance as a type, so search loops written <c>Search&lt;TDistance&gt;</c> are specialised by the JIT
/// with no virtual call per distance (convention 8). Implementations are empty <c>readonly struct</c>s.
/// </summary>
public interface IDistance
{
    /// <summary>The metric this kernel ranks by.</summary>
    static abstract Metric Metric { get; }

    /// <summary>
    /// The ranking distance between <paramref name="a"/> and <paramref name="b"/> (smaller = closer): squared L2,
    /// negative dot, 1 - cos or L1. Throws <see cref="ArgumentException"/> when the lengths differ.
    /// </summary>
    static abstract float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b);
}

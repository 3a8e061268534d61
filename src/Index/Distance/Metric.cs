namespace AnnSql.Index.Distance;

/// <summary>
/// The distance functions AnnSql supports, named after pgvector's operators. Every metric is used with one ordering rule:
/// smaller = closer.
/// </summary>
public enum Metric
{
    /// <summary>Euclidean distance (<c>&lt;-&gt;</c>); squared internally, the square root is taken only for output.</summary>
    L2,

    /// <summary>Inner product (<c>&lt;#&gt;</c>); ranked as the negative dot product, as pgvector does.</summary>
    InnerProduct,

    /// <summary>Cosine distance (<c>&lt;=&gt;</c>), 1 - cos(a, b).</summary>
    Cosine,

    /// <summary>Taxicab distance (<c>&lt;+&gt;</c>), the sum of absolute differences.</summary>
    L1,

    /// <summary>Hamming distance between bit strings (<c>&lt;~&gt;</c>), popcount(a xor b).</summary>
    Hamming,

    /// <summary>Jaccard distance between bit strings (<c>&lt;%&gt;</c>), 1 - |a and b| / |a or b|.</summary>
    Jaccard,
}

namespace AnnSql.Sql.Types;

/// <summary>
/// A pgvector <c>sparsevec</c> value: <see cref="Dimensions"/> total dimensions and the non-zero elements as strictly increasing
/// 0-based <see cref="Indices"/> with their <see cref="Values"/> (text form <c>{1:1.5,3:2}/5</c> uses 1-based indices).
/// </summary>
public sealed class SparseVector(int dimensions, int[] indices, float[] values) : IEquatable<SparseVector>
{
    public int Dimensions { get; } = dimensions;

    public int[] Indices { get; } = indices;

    public float[] Values { get; } = values;

    public bool Equals(SparseVector? other) => other is not null && Dimensions == other.Dimensions
        && Indices.AsSpan().SequenceEqual(other.Indices) && Values.AsSpan().SequenceEqual(other.Values);

    public override bool Equals(object? obj) => Equals(obj as SparseVector);

    public override int GetHashCode() => HashCode.Combine(Dimensions, Indices.Length);
}

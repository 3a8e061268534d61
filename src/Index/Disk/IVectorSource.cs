namespace AnnSql.Index.Disk;

/// <summary>
/// Full-precision vectors addressed 0..Count-1, read one at a time: how the SSD-resident index's build and merge see
/// vectors without holding them all in memory at once. Implementations are safe to read from several threads.
/// </summary>
public interface IVectorSource
{
    /// <summary>Vectors available (ids 0..Count-1).</summary>
    int Count { get; }

    /// <summary>Dimensions of every vector.</summary>
    int Dimensions { get; }

    /// <summary>Copies vector <paramref name="id"/> into <paramref name="destination"/> (Dimensions floats).</summary>
    void Read(int id, Span<float> destination);
}

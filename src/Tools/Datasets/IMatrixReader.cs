namespace AnnSql.Tools.Datasets;

/// <summary>
/// Reads a row-major matrix (vectors, or ground-truth ids and distances) a block of rows at a time, from a vector file
/// (<see cref="VectorFileReader"/>) or an HDF5 dataset (<see cref="AnnBenchmarksFile"/>).
/// </summary>
public interface IMatrixReader : IDisposable
{
    /// <summary>What is read, for messages: a path, or a path and a dataset name.</summary>
    string Name { get; }

    /// <summary>Values per row.</summary>
    int Dimensions { get; }

    /// <summary>Rows in the matrix; null when unknown until the end (a compressed <c>*vecs</c> file).</summary>
    long? Count { get; }

    /// <summary>True when the values are integers to be read with <see cref="Read(Span{int})"/> (ids).</summary>
    bool IsInteger { get; }

    /// <summary>Reads up to <c>destination.Length / Dimensions</c> rows as float32; returns how many, 0 at the end.</summary>
    /// <exception cref="InvalidDataException">The data is malformed or holds ids; the message names the source.</exception>
    int Read(Span<float> destination);

    /// <summary>Reads up to <c>destination.Length / Dimensions</c> rows of ids; returns how many, 0 at the end.</summary>
    /// <exception cref="InvalidDataException">The data is malformed or holds no integers; the message names the source.</exception>
    int Read(Span<int> destination);
}

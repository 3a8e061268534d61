using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace AnnSql.Tools.Datasets;

/// <summary>
/// An ann-benchmarks data set (HDF5, read with PureHDF): datasets <c>train</c> (n x d base vectors), <c>test</c>
/// (q x d queries), <c>neighbors</c> (q x k int32 ids of the exact nearest train rows, nearest first) and
/// <c>distances</c> (q x k, the metric's distances), and the file attribute <c>distance</c>
/// (<c>euclidean</c>, <c>angular</c>, <c>dot</c>, ...). Sparse (<c>type = sparse</c>) files are not supported.
/// </summary>
public sealed class AnnBenchmarksFile : IDisposable
{
    private readonly NativeFile _file;

    private AnnBenchmarksFile(string path, NativeFile file, string? metric)
    {
        Path = path;
        _file = file;
        Metric = metric;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The <c>distance</c> attribute (e.g. <c>euclidean</c>, <c>angular</c>), or null when absent.</summary>
    public string? Metric { get; }

    /// <summary>True when the file has a dataset named <paramref name="name"/>.</summary>
    public bool Has(string name) => _file.LinkExists(name);

    /// <summary>True when <paramref name="path"/> has an HDF5 extension (<c>.hdf5</c>, <c>.h5</c>).</summary>
    public static bool IsHdf5File(string path) =>
        path.EndsWith(".hdf5", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".h5", StringComparison.OrdinalIgnoreCase);

    /// <summary>Opens <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">It is not an HDF5 file, has no <c>train</c> dataset, or is sparse.</exception>
    public static AnnBenchmarksFile Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        NativeFile file;
        try
        {
            file = H5File.OpenRead(path);
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new InvalidDataException($"{path}: not a readable HDF5 file ({e.Message})", e);
        }

        try
        {
            string? metric = ReadStringAttribute(file, "distance", path);
            if (ReadStringAttribute(file, "type", path) is { } type && !type.Equals("dense", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"{path}: {type} data sets are not supported; only dense vectors are");
            }

            if (!file.LinkExists("train"))
            {
                throw new InvalidDataException($"{path}: no \"train\" dataset; an ann-benchmarks file has train, test, neighbors and distances");
            }

            return new AnnBenchmarksFile(path, file, metric);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>A reader over the 2-D dataset <paramref name="name"/> (float, double, uint8, int32 or int64 elements).</summary>
    /// <exception cref="InvalidDataException">The dataset is missing, not 2-D, or of another element type.</exception>
    public IMatrixReader Read(string name)
    {
        if (!_file.LinkExists(name))
        {
            throw new InvalidDataException($"{Path}: no \"{name}\" dataset");
        }

        IH5Dataset dataset = _file.Dataset(name);
        ulong[] dims = dataset.Space.Dimensions;
        if (dims.Length != 2 || dims[1] == 0 || dims[0] > int.MaxValue || dims[1] > 1 << 16)
        {
            throw new InvalidDataException($"{Path}: dataset \"{name}\" has shape [{string.Join(", ", dims)}]; expected rows x dimensions");
        }

        ElementKind kind = (dataset.Type.Class, dataset.Type.Size) switch
        {
            (H5DataTypeClass.FloatingPoint, 4) => ElementKind.Single,
            (H5DataTypeClass.FloatingPoint, 8) => ElementKind.Double,
            (H5DataTypeClass.FixedPoint, 1) => ElementKind.Byte,
            (H5DataTypeClass.FixedPoint, 4) => ElementKind.Int32,
            (H5DataTypeClass.FixedPoint, 8) => ElementKind.Int64,
            var (c, s) => throw new InvalidDataException($"{Path}: dataset \"{name}\" holds {c} values of {s} bytes; expected numbers"),
        };
        return new DatasetReader($"{Path}:{name}", dataset, (int)dims[0], (int)dims[1], kind);
    }

    /// <inheritdoc/>
    public void Dispose() => _file.Dispose();

    private static string? ReadStringAttribute(NativeFile file, string name, string path)
    {
        if (!file.AttributeExists(name))
        {
            return null;
        }

        try
        {
            return file.Attribute(name).Read<string>();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: attribute \"{name}\" is not a string ({e.Message})", e);
        }
    }

    private enum ElementKind
    {
        Single,
        Double,
        Byte,
        Int32,
        Int64,
    }

    private sealed class DatasetReader(string name, IH5Dataset dataset, int rows, int dimensions, ElementKind kind) : IMatrixReader
    {
        private long _next;

        public string Name => name;

        public int Dimensions => dimensions;

        public long? Count => rows;

        public bool IsInteger => kind is ElementKind.Int32 or ElementKind.Int64;

        public int Read(Span<float> destination)
        {
            if (IsInteger)
            {
                throw new InvalidDataException($"{name}: holds integers, not vectors");
            }

            int n = NextBlock(destination.Length);
            switch (kind)
            {
                case ElementKind.Single:
                    ReadBlock<float>(n).CopyTo(destination);
                    break;
                case ElementKind.Double:
                    Widen(ReadBlock<double>(n), destination, v => (float)v);
                    break;
                default:
                    Widen(ReadBlock<byte>(n), destination, v => v);
                    break;
            }

            return n;
        }

        public int Read(Span<int> destination)
        {
            if (!IsInteger)
            {
                throw new InvalidDataException($"{name}: holds vectors, not ids");
            }

            int n = NextBlock(destination.Length);
            if (kind == ElementKind.Int32)
            {
                ReadBlock<int>(n).CopyTo(destination);
            }
            else
            {
                Widen(ReadBlock<long>(n), destination, v => checked((int)v));
            }

            return n;
        }

        public void Dispose()
        {
        }

        private int NextBlock(int capacity)
        {
            if (capacity < dimensions)
            {
                throw new ArgumentException($"the destination holds less than one row of {dimensions} values");
            }

            return (int)Math.Min(capacity / dimensions, rows - _next);
        }

        private T[] ReadBlock<T>(int n)
        {
            if (n == 0)
            {
                return [];
            }

            HyperslabSelection selection = new(rank: 2, starts: [(ulong)_next, 0], blocks: [(ulong)n, (ulong)dimensions]);
            T[] values = dataset.Read<T[]>(fileSelection: selection, memoryDims: [(ulong)n * (ulong)dimensions]);
            _next += n;
            return values;
        }

        private static void Widen<TFrom, TTo>(TFrom[] source, Span<TTo> destination, Func<TFrom, TTo> convert)
        {
            for (int i = 0; i < source.Length; i++)
            {
                destination[i] = convert(source[i]);
            }
        }
    }
}

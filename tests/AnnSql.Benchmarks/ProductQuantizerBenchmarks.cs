using AnnSql.Index.Distance;
using AnnSql.Index.Quantization;
using AnnSql.Tools.Datasets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace AnnSql.Benchmarks;

/// <summary>
/// Product quantization on MNIST (784 dimensions, 98 chunks, the default): ADC distances per code with the AVX2 gathers
/// against the scalar reference, over the 9,000 MNIST codes (cache resident) and over a million random codes (98 MB, RAM
/// resident, as on a large index); table and encoding cost per vector; the k-means assignment of one chunk with the
/// dimension-major column kernel against 256 calls of the generic kernel on 8-float sub-spans; and the training of all 98
/// codebooks on the 9,000 base rows (10 iterations, 2 threads). Without the MNIST files, seeded random data of the same
/// shape stands in (the gather and kernel timings do not depend on the values).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ProductQuantizerBenchmarks
{
    /// <summary>Ids per <see cref="ProductQuantizer.Distances"/> call: a typical out-degree R.</summary>
    private const int IdsPerCall = 64;

    /// <summary>Id batches per benchmark invocation.</summary>
    private const int Calls = 16;

    private const int LargeCount = 1_000_000;

    private float[] _rows = [];
    private int _count;
    private int _dimensions;
    private ProductQuantizer _pq = null!;
    private byte[] _codes = [];
    private byte[] _largeCodes = [];
    private float[] _table = [];
    private uint[] _ids = [];
    private uint[] _largeIds = [];
    private float[] _distances = [];
    private byte[] _code = [];
    private float[] _chunkCentroids = [];
    private float[] _chunkCentroidsByRow = [];
    private float[] _assignDistances = [];
    private int _chunkStart;
    private int _chunkWidth;

    [GlobalSetup]
    public void Setup()
    {
        string? folder = FindMnist();
        if (folder is not null)
        {
            VectorDataSet data = VectorDataSet.Load(folder);
            (_rows, _count, _dimensions) = (data.BaseRows, data.Count, data.Dimensions);
        }
        else
        {
            (_count, _dimensions) = (9000, 784);
            Random values = new(1);
            _rows = new float[_count * _dimensions];
            for (int i = 0; i < _rows.Length; i++)
            {
                _rows[i] = values.NextSingle();
            }
        }

        Console.WriteLine($"// data: {folder ?? "random stand-in"}, {_count} x {_dimensions}");
        _pq = ProductQuantizer.Train(
            Metric.L2, _dimensions, ProductQuantizer.DefaultChunks(_dimensions), _rows, _count, 10, 7, Environment.ProcessorCount,
            CancellationToken.None);
        int chunks = _pq.Chunks;
        _codes = new byte[_count * chunks];
        for (int i = 0; i < _count; i++)
        {
            _pq.Encode(_rows.AsSpan(i * _dimensions, _dimensions), _codes.AsSpan(i * chunks, chunks));
        }

        Random rng = new(42);
        _largeCodes = new byte[LargeCount * chunks];
        rng.NextBytes(_largeCodes);
        _table = new float[_pq.TableLength];
        _pq.ComputeDistanceTable(_rows.AsSpan(0, _dimensions), _table);
        _ids = new uint[IdsPerCall * Calls];
        _largeIds = new uint[IdsPerCall * Calls];
        for (int i = 0; i < _ids.Length; i++)
        {
            _ids[i] = (uint)rng.Next(_count);
            _largeIds[i] = (uint)rng.Next(LargeCount);
        }

        _distances = new float[IdsPerCall];
        _code = new byte[chunks];

        // The middle chunk's codebook in both layouts: dimension-major (the quantizer's) and centroid-major (256 rows of 8
        // floats), for the assignment benchmarks.
        int chunk = chunks / 2;
        _chunkStart = _pq.ChunkStart(chunk);
        _chunkWidth = _pq.ChunkStart(chunk + 1) - _chunkStart;
        int width = _chunkWidth;
        _chunkCentroids = new float[width * ProductQuantizer.CentroidsPerChunk];
        _chunkCentroidsByRow = new float[width * ProductQuantizer.CentroidsPerChunk];
        byte[] code = new byte[chunks];
        float[] decoded = new float[_dimensions];
        for (int j = 0; j < ProductQuantizer.CentroidsPerChunk; j++)
        {
            code[chunk] = (byte)j;
            _pq.Decode(code, decoded);
            for (int d = 0; d < width; d++)
            {
                _chunkCentroids[(d * ProductQuantizer.CentroidsPerChunk) + j] = decoded[_chunkStart + d];
                _chunkCentroidsByRow[(j * width) + d] = decoded[_chunkStart + d];
            }
        }

        _assignDistances = new float[ProductQuantizer.CentroidsPerChunk];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = IdsPerCall * Calls)]
    [BenchmarkCategory("ADC")]
    public float Adc_Scalar_MnistCodes() => Adc(_codes, _ids, simd: false);

    [Benchmark(OperationsPerInvoke = IdsPerCall * Calls)]
    [BenchmarkCategory("ADC")]
    public float Adc_Simd_MnistCodes() => Adc(_codes, _ids, simd: true);

    [Benchmark(OperationsPerInvoke = IdsPerCall * Calls)]
    [BenchmarkCategory("ADC")]
    public float Adc_Scalar_MillionCodes() => Adc(_largeCodes, _largeIds, simd: false);

    [Benchmark(OperationsPerInvoke = IdsPerCall * Calls)]
    [BenchmarkCategory("ADC")]
    public float Adc_Simd_MillionCodes() => Adc(_largeCodes, _largeIds, simd: true);

    [Benchmark]
    [BenchmarkCategory("Table")]
    public float DistanceTable()
    {
        _pq.ComputeDistanceTable(_rows.AsSpan(_dimensions, _dimensions), _table);
        return _table[0];
    }

    [Benchmark]
    [BenchmarkCategory("Encode")]
    public byte Encode()
    {
        _pq.Encode(_rows.AsSpan(_dimensions, _dimensions), _code);
        return _code[0];
    }

    /// <summary>One k-means assignment pass of the middle chunk over all rows with the column kernel (what training runs).</summary>
    [Benchmark]
    [BenchmarkCategory("Assign")]
    public int Assign_ColumnKernel()
    {
        int sum = 0;
        for (int i = 0; i < _count; i++)
        {
            ProductQuantizer.ColumnDistances<SquaredDifference>(
                _rows.AsSpan((i * _dimensions) + _chunkStart, _chunkWidth),
                1f,
                _chunkCentroids,
                ProductQuantizer.CentroidsPerChunk,
                _assignDistances);
            sum += ProductQuantizer.ArgMin(_assignDistances);
        }

        return sum;
    }

    /// <summary>
    /// The same pass with <see cref="VectorDistances.L2Squared(ReadOnlySpan{float}, ReadOnlySpan{float})"/> per (row, centroid)
    /// on 8-float sub-spans.
    /// </summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Assign")]
    public int Assign_SubSpanKernels()
    {
        int width = _chunkWidth;
        int sum = 0;
        for (int i = 0; i < _count; i++)
        {
            ReadOnlySpan<float> x = _rows.AsSpan((i * _dimensions) + _chunkStart, width);
            for (int j = 0; j < ProductQuantizer.CentroidsPerChunk; j++)
            {
                _assignDistances[j] = VectorDistances.L2Squared(x, _chunkCentroidsByRow.AsSpan(j * width, width));
            }

            sum += ProductQuantizer.ArgMin(_assignDistances);
        }

        return sum;
    }

    /// <summary>Training of all codebooks on every row: 98 chunks, 10 iterations, 2 threads.</summary>
    [Benchmark]
    [BenchmarkCategory("Train")]
    public int Train() => ProductQuantizer.Train(
        Metric.L2, _dimensions, ProductQuantizer.DefaultChunks(_dimensions), _rows, _count, 10, 7, 2, CancellationToken.None).Chunks;

    private float Adc(byte[] codes, uint[] ids, bool simd)
    {
        float sum = 0;
        for (int call = 0; call < Calls; call++)
        {
            ReadOnlySpan<uint> batch = ids.AsSpan(call * IdsPerCall, IdsPerCall);
            if (simd)
            {
                ProductQuantizer.Distances(_table, codes, _pq.Chunks, batch, _distances);
            }
            else
            {
                ProductQuantizer.DistancesScalar(_table, codes, _pq.Chunks, batch, _distances);
            }

            sum += _distances[0];
        }

        return sum;
    }

    /// <summary>The vendored MNIST folder, looked up from the working directory and the binaries upwards.</summary>
    private static string? FindMnist()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                foreach (string candidate in new[]
                {
                    Path.Combine(dir.FullName, "tests", "data", "mnist-784-euclidean"),
                    Path.Combine(dir.FullName, "shared", "data", "mnist-784-euclidean"),
                })
                {
                    if (Directory.Exists(candidate) && Directory.EnumerateFiles(candidate, "base.*").Any())
                    {
                        return candidate;
                    }
                }
            }
        }

        return null;
    }
}

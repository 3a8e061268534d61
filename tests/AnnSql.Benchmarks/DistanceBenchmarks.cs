using AnnSql.Index.Distance;
using BenchmarkDotNet.Attributes;

namespace AnnSql.Benchmarks;

/// <summary>
/// Per-call time of the SIMD distance kernels against the sequential scalar loops of <see cref="ReferenceDistances"/>.
/// System.Numerics.Tensors (TensorPrimitives) is a NuGet package, not part of the .NET 10 shared framework, so the
/// reference loops are the baseline until that package is added centrally.
/// </summary>
[MemoryDiagnoser]
public class DistanceBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];

    /// <summary>MNIST (784) and OpenAI text-embedding (1536) dimensions.</summary>
    [Params(784, 1536)]
    public int Dim { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Random rng = new(42);
        _a = new float[Dim];
        _b = new float[Dim];
        for (int i = 0; i < Dim; i++)
        {
            _a[i] = (rng.NextSingle() * 2f) - 1f;
            _b[i] = (rng.NextSingle() * 2f) - 1f;
        }
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("L2")]
    public float L2Squared_Reference() => ReferenceDistances.L2Squared(_a, _b);

    [Benchmark]
    [BenchmarkCategory("L2")]
    public float L2Squared_Simd() => VectorDistances.L2Squared(_a, _b);

    [Benchmark]
    [BenchmarkCategory("Dot")]
    public float Dot_Reference() => ReferenceDistances.Dot(_a, _b);

    [Benchmark]
    [BenchmarkCategory("Dot")]
    public float Dot_Simd() => VectorDistances.Dot(_a, _b);

    [Benchmark]
    [BenchmarkCategory("Cosine")]
    public double Cosine_Reference() => ReferenceDistances.CosineDistance(_a, _b);

    [Benchmark]
    [BenchmarkCategory("Cosine")]
    public double Cosine_Simd() => VectorDistances.CosineDistance(_a, _b);
}

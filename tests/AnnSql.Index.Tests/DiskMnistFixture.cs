using System.Diagnostics;
using AnnSql.Index.Disk;
using AnnSql.Index.Distance;
using AnnSql.Index.Quantization;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Tests;

/// <summary>
/// The MNIST subset's L2 Vamana graph (<see cref="MnistVamanaFixture"/>, default options: R = 32) written as a
/// <see cref="DiskIndex"/> file with room for R = 64 neighbours per record (3,396-byte records, one per sector), with a
/// product quantizer of 98 chunks trained on 5,000 sampled rows; the file lives in a temporary directory that
/// <see cref="Dispose"/> deletes. <see cref="Index"/> is a shared open instance that tests only read; tests that delete,
/// cache or dispose open their own with <see cref="OpenCopy"/>.
/// </summary>
public sealed class DiskMnistFixture : IDisposable
{
    public const int K = MnistVamanaFixture.K;

    /// <summary>R of the file's records (the graph's out-degrees are at most 32).</summary>
    public const int FileMaxDegree = 64;

    public const int Chunks = 98;

    public const int SampleRows = 5000;

    public const int Seed = 2019;

    public DiskMnistFixture()
    {
        Mnist = new MnistVamanaFixture();
        Stopwatch clock = Stopwatch.StartNew();
        float[] sample = SampleRowsOf(Mnist.BaseRows, Mnist.Count, Mnist.Dimensions, SampleRows, Seed);
        Quantizer = ProductQuantizer.Train(
            Metric.L2,
            Mnist.Dimensions,
            Chunks,
            sample,
            SampleRows,
            iterations: 10,
            Seed,
            Environment.ProcessorCount,
            CancellationToken.None);
        TrainSeconds = clock.Elapsed.TotalSeconds;
        Codes = EncodeAll(Quantizer, Mnist.BaseRows, Mnist.Count);
        Directory = System.IO.Directory.CreateTempSubdirectory("annsql-disk-").FullName;
        FilePath = System.IO.Path.Combine(Directory, "mnist.diskann");
        clock.Restart();
        WriteIndex(FilePath, Mnist.L2Index, Mnist.BaseRows, Quantizer, Codes, FileMaxDegree, isFree: null);
        WriteSeconds = clock.Elapsed.TotalSeconds;
        Index = DiskIndex.Open(FilePath);
    }

    public MnistVamanaFixture Mnist { get; }

    public ProductQuantizer Quantizer { get; }

    /// <summary>The code of every base row (Count × Chunks bytes).</summary>
    public byte[] Codes { get; }

    public string Directory { get; }

    public string FilePath { get; }

    public DiskIndex Index { get; }

    public double TrainSeconds { get; }

    public double WriteSeconds { get; }

    /// <summary>A new instance over the fixture's file (its own tombstones, cache and lifetime).</summary>
    public DiskIndex OpenCopy() => DiskIndex.Open(FilePath);

    /// <summary>A path in the fixture's temporary directory.</summary>
    public string TempPath(string name) => System.IO.Path.Combine(Directory, name);

    /// <summary><paramref name="sampleCount"/> distinct rows picked with a seeded shuffle, row-major.</summary>
    public static float[] SampleRowsOf(float[] rows, int count, int dimensions, int sampleCount, int seed)
    {
        int[] order = [.. Enumerable.Range(0, count)];
        new Random(seed).Shuffle(order);
        float[] sample = new float[sampleCount * dimensions];
        for (int i = 0; i < sampleCount; i++)
        {
            TestData.Row(rows, dimensions, order[i]).CopyTo(sample.AsSpan(i * dimensions));
        }

        return sample;
    }

    /// <summary>The codes of the first <paramref name="count"/> rows.</summary>
    public static byte[] EncodeAll(ProductQuantizer quantizer, float[] rows, int count)
    {
        byte[] codes = new byte[count * quantizer.Chunks];
        Parallel.For(
            0,
            count,
            i => quantizer.Encode(TestData.Row(rows, quantizer.Dimensions, i), codes.AsSpan(i * quantizer.Chunks, quantizer.Chunks)));
        return codes;
    }

    /// <summary>
    /// Writes <paramref name="graph"/> (its vectors are <paramref name="rows"/>) as a disk index with records of
    /// <paramref name="maxDegree"/> neighbours; the slots <paramref name="isFree"/> picks are appended as free slots.
    /// </summary>
    public static void WriteIndex(
        string path, VamanaIndex graph, float[] rows, ProductQuantizer quantizer, byte[] codes, int maxDegree, Func<uint, bool>? isFree)
    {
        int dimensions = graph.Dimensions;
        uint[] neighbors = new uint[graph.Options.MaxDegree];
        using DiskIndexWriter writer = new(path, graph.Metric, dimensions, maxDegree, graph.Count, graph.StartPoint, quantizer);
        for (uint id = 0; id < graph.Count; id++)
        {
            Assert.Equal((int)id, writer.Written);
            if (isFree is not null && isFree(id))
            {
                writer.AppendFree();
                continue;
            }

            int degree = graph.CopyNeighbors(id, neighbors);
            writer.Append(
                TestData.Row(rows, dimensions, (int)id),
                neighbors.AsSpan(0, degree),
                codes.AsSpan((int)id * quantizer.Chunks, quantizer.Chunks));
        }

        writer.Complete();
    }

    public void Dispose()
    {
        Index.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

using AnnSql.Index.Distance;
using AnnSql.Index.Gpu;
using AnnSql.Index.Quantization;

namespace AnnSql.Index.Tests.Gpu;

/// <summary>k-means assignment and update on the device against the CPU, and product quantizer training through them.</summary>
[Collection(GpuCollection.Name)]
public sealed class GpuKMeansTests(GpuFixture data)
{
    private const int Points = 3000;
    private const int Centroids = 256;
    private const int Start = 392;
    private const int Width = 16;

    [Fact]
    public void AssignmentEqualsTheCpusForTheSameCentroids()
    {
        (float[] points, float[] rowPoints) = Columns(0, Points);
        (float[] centroids, float[] rowCentroids) = Columns(5000, Centroids);
        using GpuKMeans kmeans = new(data.Device, points, Points, Width, Centroids);
        kmeans.SetCentroids(centroids);
        int[] assignment = new int[Points];
        float[] errors = new float[Points];
        kmeans.Assign(assignment, errors);

        float[] distances = new float[Centroids];
        for (int i = 0; i < Points; i++)
        {
            VectorDistances.ComputeBatch(Metric.L2, rowPoints.AsSpan(i * Width, Width), rowCentroids, Width, distances);
            int nearest = 0;
            for (int c = 1; c < Centroids; c++)
            {
                nearest = distances[c] < distances[nearest] ? c : nearest;
            }

            Assert.True(GpuAssert.Close(distances[nearest], errors[i]), $"point {i}: error {errors[i]}, CPU {distances[nearest]}");
            Assert.True(
                assignment[i] == nearest || GpuAssert.Close(distances[nearest], distances[assignment[i]]),
                $"point {i}: centroid {assignment[i]} ({distances[assignment[i]]}), CPU {nearest} ({distances[nearest]})");
        }
    }

    [Fact]
    public void UpdateSumsInPointOrderAndMovesCentroidsToTheMeans()
    {
        (float[] points, _) = Columns(0, Points);
        (float[] centroids, _) = Columns(5000, Centroids);
        using GpuKMeans kmeans = new(data.Device, points, Points, Width, Centroids);
        kmeans.SetCentroids(centroids);
        int[] assignment = new int[Points];
        kmeans.Assign(assignment, new float[Points]);

        // Empty one centroid on purpose: it must keep its old position.
        for (int i = 0; i < Points; i++)
        {
            assignment[i] = assignment[i] == 7 ? 8 : assignment[i];
        }

        kmeans.SetAssignment(assignment);
        double[] sums = new double[Centroids * Width];
        int[] counts = new int[Centroids];
        kmeans.ComputeSums(sums, counts);

        double[] cpuSums = new double[Centroids * Width];
        int[] cpuCounts = new int[Centroids];
        for (int i = 0; i < Points; i++)
        {
            cpuCounts[assignment[i]]++;
            for (int d = 0; d < Width; d++)
            {
                cpuSums[(assignment[i] * Width) + d] += points[(d * Points) + i];
            }
        }

        Assert.Equal(cpuCounts, counts);
        Assert.Equal(cpuSums, sums);
        Assert.Equal(0, counts[7]);

        kmeans.UpdateMeans();
        float[] updated = new float[Centroids * Width];
        kmeans.GetCentroids(updated);
        Assert.Throws<ArgumentException>(() => kmeans.SetAssignment(new int[Points - 1]));
        Assert.Throws<ArgumentException>(() => kmeans.SetAssignment(Enumerable.Repeat(Centroids, Points).ToArray()));
        for (int c = 0; c < Centroids; c++)
        {
            for (int d = 0; d < Width; d++)
            {
                float expected = cpuCounts[c] == 0 ? centroids[(d * Centroids) + c] : (float)(cpuSums[(c * Width) + d] / cpuCounts[c]);
                Assert.Equal(expected, updated[(d * Centroids) + c]);
            }
        }
    }

    [Fact]
    public void ProductQuantizerTrainedOnTheDeviceQuantizesAsWellAsTheCpu()
    {
        // The middle 128 pixels of MNIST rows (the CPU accelerator is slow: a slice keeps the three trainings short).
        const int Dims = 128;
        const int Sample = 1500;
        const int HeldOut = 1000;
        const int Chunks = 16;
        const int Iterations = 5;
        float[] sample = Slice(0, Sample, 328, Dims);
        float[] heldOut = Slice(6000, HeldOut, 328, Dims);
        ProductQuantizer cpu = ProductQuantizer.Train(Metric.L2, Dims, Chunks, sample, Sample, Iterations, 11, 2, CancellationToken.None);
        ProductQuantizer gpu = ProductQuantizer.Train(
            Metric.L2, Dims, Chunks, sample, Sample, Iterations, 11, 2, data.Device, CancellationToken.None);
        ProductQuantizer again = ProductQuantizer.Train(
            Metric.L2, Dims, Chunks, sample, Sample, Iterations, 11, 1, data.Device, CancellationToken.None);

        // Deterministic for a seed, whatever the thread count.
        Assert.Equal(Save(gpu), Save(again));

        // Held-out rows: the device's codebooks quantize within 2% of the CPU's.
        double cpuError = ProductQuantizerTests.Distortion(cpu, heldOut, HeldOut);
        double gpuError = ProductQuantizerTests.Distortion(gpu, heldOut, HeldOut);
        Assert.InRange(gpuError / cpuError, 0.98, 1.02);
    }

    /// <summary>Rows [first, first + count) of the MNIST base restricted to dims [start, start + dims), row-major.</summary>
    private float[] Slice(int first, int count, int start, int dims)
    {
        MnistRows mnist = data.Mnist;
        float[] rows = new float[count * dims];
        for (int i = 0; i < count; i++)
        {
            mnist.BaseRows.AsSpan(((first + i) * mnist.Dimensions) + start, dims).CopyTo(rows.AsSpan(i * dims, dims));
        }

        return rows;
    }

    /// <summary>Rows [first, first + count) restricted to dims [Start, Start + Width): column-major and row-major copies.</summary>
    private (float[] Columns, float[] Rows) Columns(int first, int count)
    {
        MnistRows mnist = data.Mnist;
        float[] columns = new float[count * Width];
        float[] rows = new float[count * Width];
        for (int i = 0; i < count; i++)
        {
            for (int d = 0; d < Width; d++)
            {
                float v = mnist.BaseRows[((first + i) * mnist.Dimensions) + Start + d];
                columns[(d * count) + i] = v;
                rows[(i * Width) + d] = v;
            }
        }

        return (columns, rows);
    }

    private static byte[] Save(ProductQuantizer pq)
    {
        using MemoryStream stream = new();
        pq.Save(stream);
        return stream.ToArray();
    }
}

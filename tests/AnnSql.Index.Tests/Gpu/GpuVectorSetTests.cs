using AnnSql.Index.Distance;
using AnnSql.Index.Gpu;

namespace AnnSql.Index.Tests.Gpu;

/// <summary>A device-resident set kept in step with appends, overwrites and deletes, within its memory budget.</summary>
[Collection(GpuCollection.Name)]
public sealed class GpuVectorSetTests(GpuFixture data)
{
    private const int K = 10;

    [Fact]
    public void AppendsOverwritesAndDeletesAreReflectedInSearches()
    {
        MnistRows mnist = data.Mnist;
        int dim = mnist.Dimensions;
        const int Rows = 1500;

        // Start small so the appends reallocate (with a device copy) twice.
        using GpuVectorSet set = new(data.Device, GpuElementType.Float32, dim, initialCapacity: 400);
        float[] host = mnist.BaseRows.AsSpan(0, Rows * dim).ToArray();
        bool[] live = new bool[Rows];
        Array.Fill(live, true);
        Assert.Equal(0u, set.Append(host.AsSpan(0, 300 * dim)));
        Assert.Equal(300u, set.Append(host.AsSpan(300 * dim, (Rows - 300) * dim)));
        Assert.Equal(Rows, set.Count);
        Assert.True(set.Capacity >= Rows);

        ReadOnlySpan<float> query = mnist.Queries.AsSpan(5 * dim, dim);
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        set.SearchTopK(Metric.L2, query, K, ids, distances);
        AssertMatchesCpu(set, host, live, query, "after appends");

        // Delete the five nearest: they leave the result.
        for (int j = 0; j < 5; j++)
        {
            Assert.True(set.Delete(ids[j]));
            Assert.False(set.Delete(ids[j]));
            live[ids[j]] = false;
        }

        Assert.Equal(Rows - 5, set.LiveCount);
        AssertMatchesCpu(set, host, live, query, "after deletes");

        // Overwrite a far slot with the query itself: it becomes the nearest, at distance 0.
        const uint Target = 1234;
        set.Set(Target, query);
        query.CopyTo(host.AsSpan((int)Target * dim, dim));
        set.SearchTopK(Metric.L2, query, K, ids, distances);
        Assert.Equal(Target, ids[0]);
        Assert.Equal(0f, distances[0]);
        AssertMatchesCpu(set, host, live, query, "after an overwrite");

        // Overwriting a deleted slot brings it back.
        uint revived = ids[1];
        Assert.True(set.Delete(revived));
        live[revived] = false;
        set.Set(revived, host.AsSpan((int)revived * dim, dim));
        live[revived] = true;
        Assert.True(set.IsLive(revived));
        AssertMatchesCpu(set, host, live, query, "after reviving a slot");

        // Every row survived the reallocations: the batch distances over all slots equal the CPU's.
        float[] all = new float[Rows];
        set.ComputeDistances(Metric.L2, query, 0, Rows, all);
        float[] cpu = new float[Rows];
        VectorDistances.ComputeBatch(Metric.L2, query, host, dim, cpu);
        for (int r = 0; r < Rows; r++)
        {
            Assert.True(GpuAssert.Close(cpu[r], all[r]), $"row {r}: {all[r]}, CPU {cpu[r]}");
        }
    }

    [Fact]
    public void SetsUploadedFromAVectorSourceHoldTheSameRows()
    {
        MnistRows mnist = data.Mnist;
        int dim = mnist.Dimensions;
        ReadOnlySpan<float> query = mnist.Queries.AsSpan(9 * dim, dim);
        using GpuVectorSet floats = GpuVectorSet.FromSource(data.Device, mnist.Source, GpuElementType.Float32, CancellationToken.None, 1000);
        using GpuVectorSet halves = GpuVectorSet.FromSource(data.Device, mnist.Source, GpuElementType.Float16, CancellationToken.None, 1000);
        Assert.Equal(mnist.Count, floats.Count);
        Assert.Equal(mnist.Count, halves.LiveCount);

        float[] expected = new float[mnist.Count];
        float[] actual = new float[mnist.Count];
        data.Floats.ComputeDistances(Metric.L2, query, 0, mnist.Count, expected);
        floats.ComputeDistances(Metric.L2, query, 0, mnist.Count, actual);
        Assert.Equal(expected, actual);

        float[] halfExpected = new float[GpuFixture.HalfRows];
        float[] halfActual = new float[GpuFixture.HalfRows];
        ReadOnlySpan<Half> halfQuery = data.HalfQueries.AsSpan(9 * dim, dim);
        data.Halves.ComputeDistances(Metric.L2, halfQuery, 0, GpuFixture.HalfRows, halfExpected);
        halves.ComputeDistances(Metric.L2, halfQuery, 0, GpuFixture.HalfRows, halfActual);
        Assert.Equal(halfExpected, halfActual);
    }

    [Fact]
    public void FewerLiveSlotsThanKArePaddedAndHalfSetsTrackDeletes()
    {
        int dim = data.Mnist.Dimensions;
        using GpuVectorSet set = new(data.Device, GpuElementType.Float16, dim, initialCapacity: 8);
        set.Append(data.HalfBase.AsSpan(0, 6 * dim));
        set.Delete(2);
        set.Delete(4);
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        ReadOnlySpan<Half> query = data.HalfQueries.AsSpan(0, dim);
        int found = set.SearchTopK(Metric.L2, query, K, ids, distances);
        Assert.Equal(4, found);
        float True(int r) => GpuAssert.Distance(Metric.L2, data.HalfQueries.AsSpan(0, dim), data.HalfBase.AsSpan(r * dim, dim));
        var expected = GpuAssert.CpuTopK(6, K, True, r => r is not (2 or 4));
        GpuAssert.SameTopK(expected, ids, distances, found, True, "half set with deletes");
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Delete(6));
        Assert.Throws<ArgumentException>(() => set.Append(new float[dim]));
    }

    [Fact]
    public void AllocationsPastTheBudgetAreRefusedAndLeaveTheSetUnchanged()
    {
        MnistRows mnist = data.Mnist;
        int dim = mnist.Dimensions;
        long perSlot = ((long)dim * sizeof(float)) + 1;

        // Room for 1,600 slots and a little search scratch on a device of its own. Growing holds the old and the new
        // allocation at once, so a set of 600 slots can grow to at most 1,000.
        using GpuDevice device = GpuDevice.Create(new GpuOptions { Mode = GpuMode.ForceCpu, MemoryBudgetBytes = (1600 * perSlot) + (64 << 10) });
        GpuBudgetExceededException tooBig = Assert.Throws<GpuBudgetExceededException>(
            () => new GpuVectorSet(device, GpuElementType.Float32, dim, initialCapacity: 2000));
        Assert.True(tooBig.RequestedBytes > tooBig.AvailableBytes);
        Assert.Equal(0, device.ReservedBytes);

        using (GpuVectorSet set = new(device, GpuElementType.Float32, dim, initialCapacity: 600))
        {
            set.Append(mnist.BaseRows.AsSpan(0, 600 * dim));

            // 600 + 600 slots do not fit: refused, nothing changes, searches still run.
            Assert.Throws<GpuBudgetExceededException>(() => set.Append(mnist.BaseRows.AsSpan(600 * dim, 600 * dim)));
            Assert.Equal(600, set.Count);
            Assert.Equal(600, set.Capacity);

            // 900 slots fit once the doubling is given up for the exact size.
            set.Append(mnist.BaseRows.AsSpan(600 * dim, 300 * dim));
            Assert.Equal(900, set.Count);
            bool[] live = new bool[900];
            Array.Fill(live, true);
            AssertMatchesCpu(set, mnist.BaseRows.AsSpan(0, 900 * dim).ToArray(), live, mnist.Queries.AsSpan(0, dim), "at the budget");
        }

        Assert.Equal(0, device.ReservedBytes);
    }

    /// <summary>The device's top-k of <paramref name="query"/> equals the SIMD brute force over the live rows of <paramref name="host"/>.</summary>
    private static void AssertMatchesCpu(GpuVectorSet set, float[] host, bool[] live, ReadOnlySpan<float> query, string where)
    {
        int dim = set.Dimensions;
        uint[] ids = new uint[K];
        float[] distances = new float[K];
        int found = set.SearchTopK(Metric.L2, query, K, ids, distances);
        float[] q = query.ToArray();
        float True(int r) => VectorDistances.L2Squared(q, host.AsSpan(r * dim, dim));
        var expected = GpuAssert.CpuTopK(live.Length, K, True, r => live[r]);
        GpuAssert.SameTopK(expected, ids, distances, found, True, where);
    }
}

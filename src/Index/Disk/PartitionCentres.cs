using AnnSql.Index.Distance;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// The centres of the graph partitions of a disk index build (DiskANN, NeurIPS 2019, §3.2: "we first partition the data
/// set into k clusters using k-means"): k-means++ seeding and a few Lloyd iterations on the build's sample, by squared
/// L2 whatever the index metric (the partitions only need to group nearby points), deterministic for a seed.
/// </summary>
internal static class PartitionCentres
{
    /// <summary>Lloyd iterations after seeding (fewer when no sample point changes centre).</summary>
    public const int Iterations = 10;

    /// <summary>Sample points scored per parallel work item.</summary>
    private const int Chunk = 64;

    /// <summary>
    /// Trains <paramref name="k"/> centres on the <paramref name="count"/> rows of <paramref name="sample"/> (row-major,
    /// count ≥ k); returns them row-major (k × dimensions floats).
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static float[] Train(float[] sample, int count, int dimensions, int k, int seed, int threads, CancellationToken cancellationToken)
    {
        float[] centres = new float[k * dimensions];
        int[] assigned = new int[count];
        float[] nearest = new float[count];
        Seed(sample, count, dimensions, centres, k, nearest, seed, threads, cancellationToken);

        double[] sums = new double[k * dimensions];
        int[] sizes = new int[k];
        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            int changed = Assign(sample, count, dimensions, centres, k, assigned, iteration == 0, threads, cancellationToken);
            if (changed == 0)
            {
                break;
            }

            Array.Clear(sums);
            Array.Clear(sizes);
            for (int i = 0; i < count; i++)
            {
                int c = assigned[i];
                sizes[c]++;
                ReadOnlySpan<float> row = sample.AsSpan(i * dimensions, dimensions);
                Span<double> sum = sums.AsSpan(c * dimensions, dimensions);
                for (int d = 0; d < dimensions; d++)
                {
                    sum[d] += row[d];
                }
            }

            // A centre that lost every point keeps its place: the partition cap spreads points onto it anyway.
            for (int c = 0; c < k; c++)
            {
                if (sizes[c] == 0)
                {
                    continue;
                }

                Span<float> centre = centres.AsSpan(c * dimensions, dimensions);
                ReadOnlySpan<double> sum = sums.AsSpan(c * dimensions, dimensions);
                for (int d = 0; d < dimensions; d++)
                {
                    centre[d] = (float)(sum[d] / sizes[c]);
                }
            }
        }

        return centres;
    }

    /// <summary>
    /// The centre nearest to <paramref name="vector"/> among <paramref name="k"/> (ties: lower number first) whose
    /// partition is not full (<paramref name="sizes"/>[c] &lt; <paramref name="cap"/>) and is not <paramref name="except"/>;
    /// -1 when every other partition is full.
    /// </summary>
    public static int NearestOpen(
        ReadOnlySpan<float> vector, ReadOnlySpan<float> centres, int k, ReadOnlySpan<int> sizes, int cap, int except, Span<float> distances)
    {
        VectorDistances.ComputeBatch<L2Kernel>(vector, centres, vector.Length, distances[..k]);
        int best = -1;
        for (int c = 0; c < k; c++)
        {
            if (c != except && sizes[c] < cap && (best < 0 || distances[c] < distances[best]))
            {
                best = c;
            }
        }

        return best;
    }

    /// <summary>
    /// k-means++ (Arthur and Vassilvitskii, 2007): the first centre is a random sample point, each next one a sample point
    /// drawn with probability proportional to its squared distance to the nearest centre so far.
    /// </summary>
    private static void Seed(
        float[] sample, int count, int dimensions, float[] centres, int k, float[] nearest, int seed, int threads, CancellationToken cancellationToken)
    {
        Random random = new(seed);
        int first = random.Next(count);
        sample.AsSpan(first * dimensions, dimensions).CopyTo(centres);
        Array.Fill(nearest, float.PositiveInfinity);
        for (int c = 1; c < k; c++)
        {
            int previous = c - 1;
            CallerParallel.For(
                count,
                Chunk,
                threads,
                (start, end) =>
                {
                    ReadOnlySpan<float> centre = centres.AsSpan(previous * dimensions, dimensions);
                    for (int i = start; i < end; i++)
                    {
                        float d = L2Kernel.Distance(sample.AsSpan(i * dimensions, dimensions), centre);
                        if (d < nearest[i])
                        {
                            nearest[i] = d;
                        }
                    }
                },
                cancellationToken);

            double total = 0;
            for (int i = 0; i < count; i++)
            {
                total += nearest[i];
            }

            // With every point on a centre already (duplicates), any point will do.
            int chosen = count - 1;
            if (total > 0)
            {
                double target = random.NextDouble() * total;
                double running = 0;
                for (int i = 0; i < count; i++)
                {
                    running += nearest[i];
                    if (running > target)
                    {
                        chosen = i;
                        break;
                    }
                }
            }
            else
            {
                chosen = random.Next(count);
            }

            sample.AsSpan(chosen * dimensions, dimensions).CopyTo(centres.AsSpan(c * dimensions, dimensions));
        }
    }

    /// <summary>Assigns every sample point to its nearest centre (ties: lower number); returns how many changed centre.</summary>
    private static int Assign(
        float[] sample,
        int count,
        int dimensions,
        float[] centres,
        int k,
        int[] assigned,
        bool first,
        int threads,
        CancellationToken cancellationToken)
    {
        int changed = 0;
        CallerParallel.For(
            count,
            Chunk,
            threads,
            (start, end) =>
            {
                Span<float> distances = k <= 256 ? stackalloc float[k] : new float[k];
                int local = 0;
                for (int i = start; i < end; i++)
                {
                    VectorDistances.ComputeBatch<L2Kernel>(sample.AsSpan(i * dimensions, dimensions), centres, dimensions, distances);
                    int best = 0;
                    for (int c = 1; c < k; c++)
                    {
                        if (distances[c] < distances[best])
                        {
                            best = c;
                        }
                    }

                    if (first || assigned[i] != best)
                    {
                        assigned[i] = best;
                        local++;
                    }
                }

                Interlocked.Add(ref changed, local);
            },
            cancellationToken);
        return changed;
    }
}

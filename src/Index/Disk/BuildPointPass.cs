using System.Collections.Concurrent;
using AnnSql.Index.Distance;
using AnnSql.Index.Quantization;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

/// <summary>
/// The one streaming pass of a disk index build over all points (DiskANN, NeurIPS 2019, §3.2): each point is read from the
/// source once to get its PQ code, its distance to the sample mean (the medoid is the nearest point) and, when the graph
/// is built in partitions, the two partitions it joins: its two nearest centres, or the next-nearest ones whose
/// partitions are not yet at the cap.
/// </summary>
/// <remarks>
/// Points are scored in parallel a block at a time and assigned in id order after each block, so the assignment (which
/// depends on how full the partitions already are) is the same for any number of threads. The cap is
/// <see cref="BuildMemoryModel.PartitionCap"/>; with at least two partitions still open for every point (the model's cap
/// guarantees it), every point joins exactly two.
/// </remarks>
internal sealed class BuildPointPass
{
    /// <summary>Points one parallel work item scores.</summary>
    private const int Chunk = 64;

    private readonly IVectorSource _source;
    private readonly ProductQuantizer _quantizer;
    private readonly int _dimensions;
    private readonly int _chunks;
    private readonly int _partitions;
    private readonly int _candidates;
    private readonly float[]? _centres;
    private readonly float[]? _mean;
    private readonly ConcurrentStack<Scratch> _free = new();
    private readonly ConcurrentBag<Scratch> _all = [];

    private BuildPointPass(IVectorSource source, ProductQuantizer quantizer, int partitions, float[]? centres, float[]? mean)
    {
        _source = source;
        _quantizer = quantizer;
        _dimensions = source.Dimensions;
        _chunks = quantizer.Chunks;
        _partitions = partitions;
        _candidates = Math.Min(partitions, BuildMemoryModel.CentreCandidates);
        _centres = centres;
        _mean = mean;
    }

    /// <summary>
    /// Encodes every point into <paramref name="codes"/> (Count × Chunks bytes) and, with <paramref name="centres"/>
    /// (partitions × Dimensions floats), fills <paramref name="assignment"/> (two partitions a point) and
    /// <paramref name="sizes"/>; returns the point nearest by L2 to <paramref name="mean"/> (ties: lower id), or 0 without
    /// a mean.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static uint Run(
        IVectorSource source,
        ProductQuantizer quantizer,
        byte[] codes,
        float[]? mean,
        float[]? centres,
        int cap,
        ushort[]? assignment,
        int[] sizes,
        int threads,
        CancellationToken cancellationToken)
    {
        int partitions = centres is null ? 1 : sizes.Length;
        BuildPointPass pass = new(source, quantizer, partitions, centres, mean);
        int count = source.Count;
        int block = Math.Min(count, BuildMemoryModel.PassBlockPoints);
        ushort[] ranked = new ushort[partitions > 1 ? block * pass._candidates : 0];
        float[] fallback = new float[partitions > 1 ? source.Dimensions + partitions : 0];
        for (int start = 0; start < count; start += block)
        {
            int size = Math.Min(block, count - start);
            int blockStart = start;
            CallerParallel.For(size, Chunk, threads, (from, to) => pass.Score(blockStart, from, to, codes, ranked), cancellationToken);
            if (assignment is not null && centres is not null)
            {
                for (int i = 0; i < size; i++)
                {
                    pass.Assign(start + i, ranked.AsSpan(i * pass._candidates, pass._candidates), cap, assignment, sizes, fallback);
                }
            }
        }

        uint medoid = 0;
        float best = float.PositiveInfinity;
        foreach (Scratch scratch in pass._all)
        {
            if (scratch.BestDistance < best || (scratch.BestDistance == best && scratch.BestId < medoid))
            {
                best = scratch.BestDistance;
                medoid = scratch.BestId;
            }
        }

        return medoid;
    }

    /// <summary>Reads, encodes and ranks the centres of points blockStart + [from, to).</summary>
    private void Score(int blockStart, int from, int to, byte[] codes, ushort[] ranked)
    {
        if (!_free.TryPop(out Scratch? scratch))
        {
            scratch = new Scratch(_dimensions, _partitions);
            _all.Add(scratch);
        }

        Span<float> vector = scratch.Vector;
        for (int i = from; i < to; i++)
        {
            int id = blockStart + i;
            _source.Read(id, vector);
            _quantizer.Encode(vector, codes.AsSpan((int)((long)id * _chunks), _chunks));
            if (_mean is not null)
            {
                float distance = L2Kernel.Distance(_mean, vector);
                if (distance < scratch.BestDistance || (distance == scratch.BestDistance && (uint)id < scratch.BestId))
                {
                    scratch.BestDistance = distance;
                    scratch.BestId = (uint)id;
                }
            }

            if (_centres is not null)
            {
                Span<float> distances = scratch.Distances;
                VectorDistances.ComputeBatch<L2Kernel>(vector, _centres, _dimensions, distances);
                RankNearest(distances, ranked.AsSpan(i * _candidates, _candidates));
            }
        }

        _free.Push(scratch);
    }

    /// <summary>Writes the numbers of the nearest centres into <paramref name="ranked"/>, nearest first (ties: lower number).</summary>
    private static void RankNearest(ReadOnlySpan<float> distances, Span<ushort> ranked)
    {
        int filled = 0;
        for (int c = 0; c < distances.Length; c++)
        {
            float d = distances[c];
            if (filled == ranked.Length && !(d < distances[ranked[filled - 1]]))
            {
                continue;
            }

            int at = filled == ranked.Length ? filled - 1 : filled++;
            while (at > 0 && d < distances[ranked[at - 1]])
            {
                ranked[at] = ranked[at - 1];
                at--;
            }

            ranked[at] = (ushort)c;
        }
    }

    /// <summary>
    /// Puts point <paramref name="id"/> into the first two partitions of its ranking that are below the cap, or, when
    /// fewer than two of them are, into the nearest open ones among all partitions.
    /// </summary>
    private void Assign(int id, ReadOnlySpan<ushort> ranked, int cap, ushort[] assignment, int[] sizes, float[] fallback)
    {
        int first = -1;
        int second = -1;
        foreach (ushort c in ranked)
        {
            if (sizes[c] < cap)
            {
                if (first < 0)
                {
                    first = c;
                }
                else
                {
                    second = c;
                    break;
                }
            }
        }

        if (second < 0)
        {
            Span<float> vector = fallback.AsSpan(0, _dimensions);
            Span<float> distances = fallback.AsSpan(_dimensions, _partitions);
            _source.Read(id, vector);
            if (first < 0)
            {
                first = PartitionCentres.NearestOpen(vector, _centres, _partitions, sizes, cap, -1, distances);
            }

            second = PartitionCentres.NearestOpen(vector, _centres, _partitions, sizes, cap, first, distances);
            if (first < 0 || second < 0)
            {
                throw new InvalidOperationException($"no two partitions below the cap of {cap} points are left for point {id}");
            }
        }

        sizes[first]++;
        sizes[second]++;
        assignment[2 * id] = (ushort)first;
        assignment[(2 * id) + 1] = (ushort)second;
    }

    /// <summary>One thread's row and centre distances, and the point nearest the mean it has seen.</summary>
    private sealed class Scratch(int dimensions, int partitions)
    {
        public readonly float[] Vector = new float[dimensions];
        public readonly float[] Distances = new float[partitions];
        public float BestDistance = float.PositiveInfinity;
        public uint BestId = uint.MaxValue;
    }
}

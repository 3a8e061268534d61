using AnnSql.Index.Distance;
using AnnSql.Index.Quantization;
using AnnSql.Index.Search;
using AnnSql.Index.Vamana;

namespace AnnSql.Index.Disk;

public sealed partial class DiskIndex
{
    /// <summary>
    /// Beam search (DiskANN §3.4): a candidate list of <paramref name="searchListSize"/> points ordered by PQ distance,
    /// starting at the medoid; each step expands the <paramref name="beamWidth"/> closest unexpanded candidates, reading
    /// their records (from the cache or the file), computing their full-precision distances, and adding their neighbours by
    /// PQ distance. Ends when every candidate is expanded. The expanded nodes that are neither tombstoned nor free are
    /// re-ranked by full-precision distance and the first ids.Length are written, closest first; returns how many.
    /// </summary>
    /// <remarks>
    /// Full-precision distances are the kernel distances the in-memory <see cref="VamanaIndex"/>'s search returns (squared
    /// L2, negative inner product, cosine distance); ties rank the lower id first, NaN last. A step's records missing from the
    /// cache are read together through Linux AIO when the file has O_DIRECT (one read of the node's sector(s) each), else one
    /// after another with RandomAccess. A beam width above L is taken as L, and L above
    /// Count as Count. Takes and releases a reference around the call (so a search after <see cref="Dispose"/> works while
    /// another reference is held); the hot-node cache is the one published when the search starts. Allocation-free once the
    /// index's pooled scratch has grown to the largest L and W asked for.
    /// </remarks>
    /// <exception cref="ArgumentException">Query of the wrong length, list size or beam width below 1.</exception>
    /// <exception cref="ObjectDisposedException">The index was disposed.</exception>
    /// <exception cref="InvalidDataException">A record read is damaged (a degree above R or a neighbour id out of range).</exception>
    public int Search(ReadOnlySpan<float> query, int searchListSize, int beamWidth, Span<uint> ids, Span<float> distances, out DiskSearchStats stats)
    {
        if (query.Length != Dimensions)
        {
            throw new ArgumentException($"expected {Dimensions} dimensions, not {query.Length}", nameof(query));
        }

        if (searchListSize < 1)
        {
            throw new ArgumentException($"the search list size must be at least 1, not {searchListSize}", nameof(searchListSize));
        }

        if (beamWidth < 1)
        {
            throw new ArgumentException($"the beam width must be at least 1, not {beamWidth}", nameof(beamWidth));
        }

        if (ids.Length != distances.Length)
        {
            throw new ArgumentException($"ids has {ids.Length} slots but distances has {distances.Length}", nameof(distances));
        }

        AcquireOrThrow();
        DiskSearchScratch scratch = RentScratch();
        try
        {
            return Metric switch
            {
                Metric.L2 => Search<L2Kernel>(query, searchListSize, beamWidth, ids, distances, scratch, out stats),
                Metric.InnerProduct => Search<InnerProductKernel>(query, searchListSize, beamWidth, ids, distances, scratch, out stats),
                _ => Search<CosineKernel>(query, searchListSize, beamWidth, ids, distances, scratch, out stats),
            };
        }
        finally
        {
            ReturnScratch(scratch);
            Release();
        }
    }

    private int Search<TDistance>(
        ReadOnlySpan<float> query,
        int listSize,
        int beamWidth,
        Span<uint> ids,
        Span<float> distances,
        DiskSearchScratch scratch,
        out DiskSearchStats stats)
        where TDistance : struct, IDistance
    {
        ProductQuantizer quantizer = _quantizer;
        int chunks = _header.Chunks;
        byte[] codes = _codes;
        float[] table = scratch.Table;
        quantizer.ComputeDistanceTable(query, table);

        NodeCache? cache = Volatile.Read(ref _cache);
        int count = _header.Count;
        listSize = Math.Min(listSize, count);
        int width = Math.Min(beamWidth, listSize);
        Span<byte> reads = scratch.EnsureBeam(width, _header.MaxDegree);
        int readBytes = _header.NodeReadBytes;
        uint[] beam = scratch.Beam;
        int[] offsets = scratch.BeamOffsets;
        uint[] fresh = scratch.Fresh;
        float[] freshDistances = scratch.FreshDistances;

        NeighborPriorityQueue candidates = scratch.Candidates;
        IdHashSet visited = scratch.Visited;
        candidates.Reset(listSize);
        visited.Reset();
        scratch.ExpandedCount = 0;

        uint medoid = _header.Medoid;
        visited.Add(medoid);
        candidates.Insert(medoid, ProductQuantizer.Distance(table, codes.AsSpan((int)medoid * chunks, chunks)));
        int pqDistances = 1;
        int hops = 0;
        int sectorReads = 0;
        int cacheHits = 0;
        while (candidates.HasUnexpanded)
        {
            int n = 0;
            while (n < width && candidates.HasUnexpanded)
            {
                beam[n++] = candidates.ExpandClosest().Id;
            }

            hops++;

            // Fetch the beam's records: cache hits in place, the misses read together (DiskANN issues a step's reads at once),
            // then expand them: a full-precision distance each, and the unvisited neighbours of all of them for one PQ pass.
            int misses = 0;
            for (int i = 0; i < n; i++)
            {
                if (cache is not null && cache.TryFind(beam[i], out int offset))
                {
                    offsets[i] = offset;
                    cacheHits++;
                }
                else
                {
                    offsets[i] = -1;
                    misses++;
                }
            }

            if (misses > 0)
            {
                ReadBeam(beam.AsSpan(0, n), offsets, reads, scratch.Aio, misses);
                sectorReads += misses * _header.SectorsPerNode;
            }

            int freshCount = 0;
            for (int i = 0; i < n; i++)
            {
                uint id = beam[i];
                ReadOnlySpan<byte> record = offsets[i] >= 0
                    ? cache!.Records.AsSpan(offsets[i], _header.RecordBytes)
                    : reads.Slice((i * readBytes) + _header.OffsetInSector(id), _header.RecordBytes);

                scratch.AddExpanded(id, TDistance.Distance(query, VectorOf(record)));
                foreach (uint neighbor in NeighborsOf(record))
                {
                    if (visited.Add(neighbor))
                    {
                        fresh[freshCount++] = neighbor;
                    }
                }
            }

            if (freshCount > 0)
            {
                ProductQuantizer.Distances(table, codes, chunks, fresh.AsSpan(0, freshCount), freshDistances.AsSpan(0, freshCount));
                for (int i = 0; i < freshCount; i++)
                {
                    candidates.Insert(fresh[i], freshDistances[i]);
                }

                pqDistances += freshCount;
            }
        }

        // Re-rank: the closest ids.Length expanded points that are neither tombstoned nor free, by full-precision distance.
        ReadOnlySpan<Neighbor> expanded = scratch.Expanded.AsSpan(0, scratch.ExpandedCount);
        TopKHeap top = scratch.Top;
        top.Reset(ids.Length);
        foreach (Neighbor neighbor in expanded)
        {
            if (!IsSet(_deleted, neighbor.Id) && !IsSet(_free, neighbor.Id))
            {
                top.TryAdd(neighbor.Distance, neighbor.Id);
            }
        }

        Span<long> topIds = scratch.EnsureTopIds(top.Count);
        int written = top.DrainSorted(distances, topIds);
        for (int i = 0; i < written; i++)
        {
            ids[i] = (uint)topIds[i];
        }

        stats = new DiskSearchStats(hops, sectorReads, cacheHits, pqDistances, expanded.Length);
        return written;
    }

    /// <summary>
    /// Reads the records of the beam nodes whose offset is -1 into their slots of <paramref name="reads"/> (node i at
    /// i × NodeReadBytes): together through <paramref name="aio"/> when there is one and more than one read, otherwise one
    /// after another.
    /// </summary>
    private unsafe void ReadBeam(ReadOnlySpan<uint> beam, int[] offsets, Span<byte> reads, LinuxAio? aio, int misses)
    {
        int readBytes = _header.NodeReadBytes;
        if (aio is null || misses == 1)
        {
            for (int i = 0; i < beam.Length; i++)
            {
                if (offsets[i] < 0)
                {
                    ReadExactly(_handle, reads.Slice(i * readBytes, readBytes), _header.NodeSectorOffset(beam[i]));
                }
            }

            return;
        }

        // SAFETY: reads is native (AlignedBuffer) memory, so fixing it pins nothing and the address stays valid after the
        // block; ReadAll returns only when every read has completed.
        fixed (byte* buffer = reads)
        {
            for (int i = 0; i < beam.Length; i++)
            {
                if (offsets[i] < 0)
                {
                    aio.Add(_handle, buffer + (i * readBytes), readBytes, _header.NodeSectorOffset(beam[i]));
                }
            }

            aio.ReadAll();
        }
    }
}

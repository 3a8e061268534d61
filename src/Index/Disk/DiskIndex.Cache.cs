namespace AnnSql.Index.Disk;

public sealed partial class DiskIndex
{
    /// <summary>
    /// Fills the hot-node cache: nodes in BFS order from the medoid (DiskANN §3.4) until their records reach
    /// <paramref name="budgetBytes"/>; replaces any earlier cache. Searches running meanwhile read from the file.
    /// </summary>
    /// <remarks>
    /// The records are copied into one array (at most <see cref="Array.MaxLength"/> bytes) with an id → slot map, and the
    /// cache is published in one reference write: searches that started before keep the view they started with. A budget
    /// below one record empties the cache. Nodes not reachable from the medoid are never cached. The BFS reads one node's
    /// sector(s) at a time and keeps a bit per node slot while it runs.
    /// </remarks>
    /// <exception cref="OperationCanceledException">Cancelled; the earlier cache stays.</exception>
    /// <exception cref="ObjectDisposedException">The index was disposed.</exception>
    /// <exception cref="InvalidDataException">A node record read is damaged.</exception>
    public void LoadCache(long budgetBytes, CancellationToken cancellationToken)
    {
        AcquireOrThrow();
        DiskSearchScratch scratch = RentScratch();
        try
        {
            int recordBytes = _header.RecordBytes;
            long fit = Math.Min(Math.Max(budgetBytes, 0), Array.MaxLength) / recordBytes;
            int capacity = (int)Math.Min(fit, _header.Count);
            if (capacity == 0)
            {
                Volatile.Write(ref _cache, null);
                return;
            }

            byte[] records = new byte[(long)capacity * recordBytes];
            uint[] order = new uint[capacity];
            ulong[] seen = new ulong[_free.Length];
            Span<byte> buffer = scratch.EnsureBeam(1, _header.MaxDegree);

            // order doubles as the BFS queue: node `head` is the next to copy and to take neighbours from.
            order[0] = _header.Medoid;
            seen[_header.Medoid >> 6] |= 1UL << (int)(_header.Medoid & 63);
            int queued = 1;
            for (int head = 0; head < queued; head++)
            {
                if ((head & 255) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                uint id = order[head];
                ReadExactly(_handle, buffer, _header.NodeSectorOffset(id));
                ReadOnlySpan<byte> record = buffer.Slice(_header.OffsetInSector(id), recordBytes);
                record.CopyTo(records.AsSpan(head * recordBytes, recordBytes));
                foreach (uint neighbor in NeighborsOf(record))
                {
                    if (queued == capacity)
                    {
                        break;
                    }

                    ref ulong word = ref seen[neighbor >> 6];
                    ulong bit = 1UL << (int)(neighbor & 63);
                    if ((word & bit) == 0)
                    {
                        word |= bit;
                        order[queued++] = neighbor;
                    }
                }
            }

            if (queued < capacity)
            {
                Array.Resize(ref records, queued * recordBytes);
            }

            Volatile.Write(ref _cache, new NodeCache(order.AsSpan(0, queued), records, recordBytes));
        }
        finally
        {
            ReturnScratch(scratch);
            Release();
        }
    }
}

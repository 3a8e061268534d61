using System.Buffers;
using AnnSql.Index.Distance;
using AnnSql.Index.Gpu;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Storage.Tables;

namespace AnnSql.Sql.Execution.Gpu;

/// <summary>
/// One vector column of one table held on the GPU for exact scans: device slot i is the table's row id i (row ids are
/// dense slots). Uploaded once, then brought up to date before each search: rows appended since the last sync are
/// uploaded, and row versions deleted at or before the vacuum horizon (invisible to every statement) are masked. Versions
/// deleted later stay in the device set; the caller filters the candidates by its snapshot, so MVCC stays on the host.
/// </summary>
/// <remarks>
/// Rows whose vector is NULL, or whose dimensions differ from the set's, are stored masked; the caller's CPU path handles
/// NULLs. float32 for <c>vector</c>, float16 for <c>halfvec</c>. Thread-safe: syncs and searches hold the mirror's lock.
/// </remarks>
internal sealed class DeviceVectorMirror : IDisposable
{
    private const int UploadBlockRows = 2048;

    private readonly Lock _lock = new();
    private readonly GpuVectorSet _set;
    private long _deadRowsSeen = -1;
    private bool _sweepAgain;

    private DeviceVectorMirror(TableInfo table, int ordinal, GpuVectorSet set)
    {
        Table = table;
        Ordinal = ordinal;
        _set = set;
    }

    /// <summary>The table definition the mirror was built for; a catalog change (ALTER, DROP) makes a new one.</summary>
    public TableInfo Table { get; }

    public int Ordinal { get; }

    public int Dimensions => _set.Dimensions;

    /// <summary>Rows whose slots are uploaded.</summary>
    public int Count => _set.Count;

    /// <summary>Bytes of device memory the mirror holds.</summary>
    public long DeviceBytes => _set.DeviceBytes;

    public GpuDevice Device => _set.Device;

    /// <summary>
    /// True once a row with other dimensions than the set's was seen (a column declared without dimensions): the device
    /// cannot answer for it, and scans of the column stay on the CPU path, which reports the mismatch as PostgreSQL does.
    /// </summary>
    public bool Incompatible { get; private set; }

    /// <summary>
    /// Creates an empty mirror of column <paramref name="ordinal"/> (vector or halfvec) with <paramref name="dimensions"/>
    /// per row, sized for <paramref name="capacity"/> rows.
    /// </summary>
    /// <exception cref="GpuBudgetExceededException">The rows do not fit the device's budget.</exception>
    public static DeviceVectorMirror Create(GpuDevice device, TableInfo table, int ordinal, int dimensions, int capacity)
    {
        var type = table.Columns[ordinal].Type.Kind == Types.SqlTypeKind.HalfVec ? GpuElementType.Float16 : GpuElementType.Float32;
        return new DeviceVectorMirror(table, ordinal, new GpuVectorSet(device, type, dimensions, Math.Max(1, capacity)));
    }

    /// <summary>
    /// Uploads the rows appended since the last call and masks versions deleted at or before <paramref name="horizon"/>.
    /// </summary>
    /// <exception cref="GpuBudgetExceededException">The new rows do not fit the device's budget (the mirror is unchanged).</exception>
    public void Sync(TableRuntime runtime, long horizon)
    {
        lock (_lock)
        {
            var data = runtime.Data;
            long slots = data.SlotCount;
            if (slots > int.MaxValue)
            {
                throw new GpuBudgetExceededException(slots, int.MaxValue, int.MaxValue);
            }

            if (slots > _set.Count)
            {
                Upload(data, _set.Count, (int)slots, horizon);
            }

            long dead = runtime.DeadRows;
            if (dead != _deadRowsSeen || _sweepAgain)
            {
                _deadRowsSeen = dead;
                _sweepAgain = false;
                for (uint id = 0; id < (uint)_set.Count; id++)
                {
                    if (!_set.IsLive(id))
                    {
                        continue;
                    }

                    var row = data.Get(id);
                    long deleted = row?.DeletedSeq ?? 1;
                    if (deleted != 0 && deleted <= horizon)
                    {
                        _set.Delete(id);
                    }
                    else if (deleted != 0)
                    {
                        _sweepAgain = true;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Exact top-<paramref name="k"/> device slots of each of the row-major <paramref name="queries"/> (queryCount ×
    /// <see cref="Dimensions"/> floats) by <paramref name="metric"/>: ids and distances at [q·k, q·k + k), ascending, ties
    /// by lower id; L2 distances squared. Returns the pairs found per query.
    /// </summary>
    public int Search(Metric metric, ReadOnlySpan<float> queries, int k, Span<uint> ids, Span<float> distances)
    {
        lock (_lock)
        {
            if (_set.ElementType == GpuElementType.Float32)
            {
                return _set.SearchTopK(metric, queries, k, ids, distances);
            }

            var halves = ArrayPool<Half>.Shared.Rent(queries.Length);
            try
            {
                for (int i = 0; i < queries.Length; i++)
                {
                    halves[i] = (Half)queries[i];
                }

                return _set.SearchTopK(metric, halves.AsSpan(0, queries.Length), k, ids, distances);
            }
            finally
            {
                ArrayPool<Half>.Shared.Return(halves);
            }
        }
    }

    public void Dispose() => _set.Dispose();

    private void Upload(TableData data, int first, int end, long horizon)
    {
        int dim = _set.Dimensions;
        bool half = _set.ElementType == GpuElementType.Float16;
        var floats = half ? [] : ArrayPool<float>.Shared.Rent(UploadBlockRows * dim);
        var halves = half ? ArrayPool<Half>.Shared.Rent(UploadBlockRows * dim) : [];
        var masked = new List<uint>();
        try
        {
            for (int start = first; start < end; start += UploadBlockRows)
            {
                int rows = Math.Min(UploadBlockRows, end - start);
                for (int r = 0; r < rows; r++)
                {
                    var row = data.Get(start + r);
                    long deleted = row?.DeletedSeq ?? 1;
                    object? value = deleted == 0 || deleted > horizon ? row!.Values[Ordinal] : null;
                    _sweepAgain |= deleted > horizon;
                    switch (value)
                    {
                        case float[] v when !half && v.Length == dim:
                            v.CopyTo(floats.AsSpan(r * dim, dim));
                            break;
                        case Half[] v when half && v.Length == dim:
                            v.CopyTo(halves.AsSpan(r * dim, dim));
                            break;
                        default:
                            // NULL, vacuumable, or of other dimensions: a masked slot.
                            Incompatible |= value is float[] or Half[];
                            if (half)
                            {
                                halves.AsSpan(r * dim, dim).Clear();
                            }
                            else
                            {
                                floats.AsSpan(r * dim, dim).Clear();
                            }

                            masked.Add((uint)(start + r));
                            break;
                    }
                }

                if (half)
                {
                    _set.Append(halves.AsSpan(0, rows * dim));
                }
                else
                {
                    _set.Append(floats.AsSpan(0, rows * dim));
                }
            }

            foreach (uint id in masked)
            {
                _set.Delete(id);
            }
        }
        finally
        {
            if (half)
            {
                ArrayPool<Half>.Shared.Return(halves);
            }
            else
            {
                ArrayPool<float>.Shared.Return(floats);
            }
        }
    }
}

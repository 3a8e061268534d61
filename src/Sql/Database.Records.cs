using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using AnnSql.Sql.Storage;
using AnnSql.Sql.Storage.Tables;

namespace AnnSql.Sql;

/// <summary>The log records of the database: their encoding and their replay at recovery.</summary>
public sealed partial class Database
{
    private static byte[] EncodeCatalogRecord(CatalogChange change)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(change, JsonOptions);
        var record = new byte[1 + json.Length];
        record[0] = CatalogRecord;
        json.CopyTo(record, 1);
        return record;
    }

    private static byte[] EncodeCommitRecord(long seq, List<(TableRuntime Table, long RowId, object?[]? Values)> ops)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var head = buffer.GetSpan(13);
        head[0] = CommitRecord;
        BinaryPrimitives.WriteInt64LittleEndian(head[1..], seq);
        BinaryPrimitives.WriteInt32LittleEndian(head[9..], ops.Count);
        buffer.Advance(13);
        foreach (var (table, rowId, values) in ops)
        {
            var op = buffer.GetSpan(13);
            op[0] = values is null ? OpDelete : OpInsert;
            BinaryPrimitives.WriteUInt32LittleEndian(op[1..], table.Info.Oid);
            BinaryPrimitives.WriteInt64LittleEndian(op[5..], rowId);
            buffer.Advance(13);
            if (values is not null)
            {
                RowCodec.Write(buffer, table.Info.Columns, values);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void ReplayRecord(ReadOnlySpan<byte> payload)
    {
        switch (payload[0])
        {
            case CatalogRecord:
                var change = JsonSerializer.Deserialize<CatalogChange>(payload[1..], JsonOptions)
                    ?? throw new InvalidDataException("empty catalog record");
                ApplyCatalog(change);
                break;
            case CommitRecord:
                long seq = BinaryPrimitives.ReadInt64LittleEndian(payload[1..]);
                int count = BinaryPrimitives.ReadInt32LittleEndian(payload[9..]);
                int offset = 13;
                var ops = new List<(TableRuntime, long, object?[]?)>(count);
                for (int i = 0; i < count; i++)
                {
                    byte op = payload[offset];
                    uint oid = BinaryPrimitives.ReadUInt32LittleEndian(payload[(offset + 1)..]);
                    long rowId = BinaryPrimitives.ReadInt64LittleEndian(payload[(offset + 5)..]);
                    offset += 13;
                    var table = _tables[oid];
                    object?[]? values = op == OpInsert ? RowCodec.Read(payload, ref offset, table.Info.Columns) : null;
                    ops.Add((table, rowId, values));
                }

                if (seq > _appliedSeq)
                {
                    ApplyCommit(seq, ops);
                    _appliedSeq = seq;
                }

                break;
            default:
                throw new InvalidDataException($"unknown log record kind {payload[0]}");
        }
    }
}

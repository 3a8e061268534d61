using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace AnnSql.IntegrationTests.Infrastructure;

/// <summary>Creates the <c>mnist (id int PRIMARY KEY, label smallint, embedding vector(784))</c> table and fills it by binary COPY.</summary>
public static class MnistTable
{
    /// <summary>
    /// Creates the vector extension and the table, then copies base rows <c>0..count-1</c> (all by default); returns the
    /// row count the COPY reported.
    /// </summary>
    public static async Task<ulong> CreateAsync(NpgsqlConnection conn, MnistDataset data, int? count = null, string table = "mnist")
    {
        await ExecuteAsync(conn, "CREATE EXTENSION IF NOT EXISTS vector");
        await conn.ReloadTypesAsync();
        await ExecuteAsync(conn, $"CREATE TABLE {table} (id int PRIMARY KEY, label smallint, embedding vector(784))");
        return await CopyAsync(conn, data, 0, count ?? data.Base.Length, table);
    }

    /// <summary>Copies base rows <paramref name="from"/>..<paramref name="to"/>-1 with binary COPY; returns the reported row count.</summary>
    public static Task<ulong> CopyAsync(NpgsqlConnection conn, MnistDataset data, int from, int to, string table = "mnist") =>
        CopyAsync(conn, data, Enumerable.Range(from, to - from), table);

    /// <summary>Copies the base rows <paramref name="ids"/>, in that order, with binary COPY; returns the reported row count.</summary>
    public static async Task<ulong> CopyAsync(NpgsqlConnection conn, MnistDataset data, IEnumerable<int> ids, string table = "mnist")
    {
        await using var writer = await conn.BeginBinaryImportAsync($"COPY {table} (id, label, embedding) FROM STDIN (FORMAT BINARY)");
        foreach (int i in ids)
        {
            await writer.StartRowAsync();
            await writer.WriteAsync(i, NpgsqlDbType.Integer);
            await writer.WriteAsync((short)data.BaseLabels[i], NpgsqlDbType.Smallint);
            await writer.WriteAsync(new Vector(data.Base[i]));
        }

        return await writer.CompleteAsync();
    }

    /// <summary>Runs a statement without results.</summary>
    public static async Task ExecuteAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The text lines of <c>EXPLAIN [ANALYZE] sql</c> with the vector parameter ($1) and any further parameters bound.</summary>
    public static async Task<List<string>> ExplainAsync(
        NpgsqlConnection conn, string sql, float[]? parameter = null, bool analyze = true, params object[] more)
    {
        var lines = new List<string>();
        await using var cmd = new NpgsqlCommand((analyze ? "EXPLAIN ANALYZE " : "EXPLAIN ") + sql, conn);
        if (parameter is not null)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(parameter) });
        }

        AddParameters(cmd, more);

        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }

    /// <summary>The first column (int ids) of <paramref name="sql"/> with the vector parameter ($1) and any further parameters bound.</summary>
    public static async Task<List<long>> IdsAsync(NpgsqlConnection conn, string sql, float[] parameter, params object[] more)
    {
        var ids = new List<long>();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(parameter) });
        AddParameters(cmd, more);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt32(0));
        }

        return ids;
    }

    private static void AddParameters(NpgsqlCommand cmd, object[] values)
    {
        foreach (var value in values)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        }
    }
}

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

    /// <summary>
    /// Mean recall@10 of <paramref name="sql"/> (<c>... ORDER BY embedding &lt;-&gt; $1 LIMIT 10</c>, ids first) over queries
    /// 0..<paramref name="queries"/>-1, against an exact top-10 over the base rows <paramref name="present"/> marks; a
    /// returned row that is not present fails the test.
    /// </summary>
    public static async Task<double> RecallAsync(NpgsqlConnection conn, MnistDataset data, bool[] present, string sql, int queries)
    {
        double total = 0;
        for (int q = 0; q < queries; q++)
        {
            var ids = await IdsAsync(conn, sql, data.Queries[q]);
            foreach (long id in ids)
            {
                Xunit.Assert.True(present[id], $"query {q} returned row {id}, which is deleted");
            }

            total += ExactNeighbours.RecallAmong(data, q, ids, present);
        }

        return total / queries;
    }

    /// <summary>
    /// Changes the table in a way a restart must replay: query q's own vector arrives as row 100000 + q for q below
    /// <paramref name="inserted"/>, and the exact nearest base row of each query from there to <paramref name="queries"/>
    /// is deleted (and cleared in <paramref name="present"/>).
    /// </summary>
    public static async Task InsertQueriesAndDeleteNearestAsync(NpgsqlConnection conn, MnistDataset data, bool[] present, int inserted, int queries)
    {
        for (int q = 0; q < inserted; q++)
        {
            await using var cmd = new NpgsqlCommand("INSERT INTO mnist (id, label, embedding) VALUES ($1, 0, $2)", conn);
            cmd.Parameters.Add(new NpgsqlParameter { Value = 100_000 + q });
            cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Queries[q]) });
            await cmd.ExecuteNonQueryAsync();
        }

        for (int q = inserted; q < queries; q++)
        {
            int nearest = data.GroundTruth[q][0];
            present[nearest] = false;
            await using var cmd = new NpgsqlCommand("DELETE FROM mnist WHERE id = $1", conn);
            cmd.Parameters.Add(new NpgsqlParameter { Value = nearest });
            await cmd.ExecuteNonQueryAsync();
        }
    }
}

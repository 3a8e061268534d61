using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Pgvector;
using Pgvector.Npgsql;

namespace AnnSql.Tools.Import;

/// <summary>Rows written to one table.</summary>
/// <param name="Table">Table name.</param>
/// <param name="Rows">Rows committed.</param>
internal sealed record ImportedTable(string Table, long Rows);

/// <summary>
/// Loads an <see cref="ImportPlan"/> into a running server with binary COPY (<c>COPY t (cols) FROM STDIN (FORMAT BINARY)</c>,
/// vectors through Pgvector's Npgsql plugin), one COPY per batch of rows. Tables are created when missing
/// (<c>id int PRIMARY KEY, &lt;column&gt; vector(d)</c> plus <c>labels</c>, <c>neighbors</c>, <c>distances</c> as the source
/// has them) and must be empty unless dropped first.
/// </summary>
/// <remarks>
/// Atomicity: each COPY is one statement, so a batch is committed whole or not at all. By default every batch commits on
/// its own and a failure leaves the batches before it committed (<see cref="CommittedTables"/> says how many rows); with
/// <see cref="ImportOptions.SingleTransaction"/> all batches of all tables commit together or not at all. Tables are
/// created (and dropped, with <see cref="ImportOptions.Drop"/>) before the rows are sent, outside that transaction.
/// </remarks>
internal sealed class VectorImporter(ImportOptions options, ImportPlan plan, TextWriter output)
{
    /// <summary>Rows committed so far per table, also after a failure.</summary>
    public List<ImportedTable> CommittedTables { get; } = [];

    /// <summary>Creates the tables, copies every load and returns the rows per table.</summary>
    /// <exception cref="PostgresException">The server refused a statement.</exception>
    /// <exception cref="InvalidDataException">A file turned out malformed while it was read (the current batch is rolled back).</exception>
    public async Task RunAsync(bool interactive, CancellationToken ct)
    {
        NpgsqlConnectionStringBuilder connection = new(options.ConnectionString);
        if (connection.CommandTimeout == 30)
        {
            connection.CommandTimeout = 0; // a large batch may take longer than Npgsql's 30 s default
        }

        NpgsqlDataSourceBuilder builder = new(connection.ConnectionString);
        builder.UseVector();
        await using NpgsqlDataSource dataSource = builder.Build();
        await using NpgsqlConnection conn = await dataSource.OpenConnectionAsync(ct);

        await ExecuteAsync(conn, "CREATE EXTENSION IF NOT EXISTS vector", ct);
        await conn.ReloadTypesAsync(ct); // PostgreSQL: the vector type may have just been created
        foreach (TableLoad load in plan.Loads)
        {
            await PrepareTableAsync(conn, load, ct);
        }

        NpgsqlTransaction? transaction = options.SingleTransaction ? await conn.BeginTransactionAsync(ct) : null;
        long[] written = new long[plan.Loads.Count];
        await ImportProgress.RunAsync(plan.Loads, output, interactive, async progress =>
        {
            for (int i = 0; i < plan.Loads.Count; i++)
            {
                int index = i;
                written[i] = await CopyAsync(conn, plan.Loads[i], rows =>
                {
                    progress.Advance(index, rows);
                    if (transaction is null)
                    {
                        SetCommitted(plan.Loads[index].Table, written[index] += rows);
                    }
                }, ct);
            }
        });

        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
            for (int i = 0; i < plan.Loads.Count; i++)
            {
                SetCommitted(plan.Loads[i].Table, written[i]);
            }
        }
    }

    private void SetCommitted(string table, long rows)
    {
        int at = CommittedTables.FindIndex(t => t.Table == table);
        if (at < 0)
        {
            CommittedTables.Add(new ImportedTable(table, rows));
        }
        else
        {
            CommittedTables[at] = new ImportedTable(table, rows);
        }
    }

    private async Task PrepareTableAsync(NpgsqlConnection conn, TableLoad load, CancellationToken ct)
    {
        if (options.Drop)
        {
            await ExecuteAsync(conn, $"DROP TABLE IF EXISTS {load.Table}", ct);
        }

        List<string> columns = ["id int PRIMARY KEY"];
        if (load.Rows.IsInteger)
        {
            columns.Add("neighbors int[]");
        }
        else
        {
            columns.Add($"{options.Column} {(options.Type == VectorColumnType.Halfvec ? "halfvec" : "vector")}({load.Rows.Dimensions})");
        }

        if (load.Labels is not null)
        {
            columns.Add(options.LabelType == LabelColumnType.Smallint ? "labels smallint[]" : "labels int[]");
        }

        if (load.Neighbors is not null)
        {
            columns.Add("neighbors int[]");
        }

        if (load.Distances is not null)
        {
            columns.Add("distances real[]");
        }

        await ExecuteAsync(conn, $"CREATE TABLE IF NOT EXISTS {load.Table} ({string.Join(", ", columns)})", ct);
        await using NpgsqlCommand count = new($"SELECT count(*) FROM {load.Table}", conn);
        long existing = (long)(await count.ExecuteScalarAsync(ct))!;
        if (existing > 0)
        {
            throw new ImportException(string.Create(CultureInfo.InvariantCulture,
                $"table {load.Table} already holds {existing} rows; --drop replaces it (ids start at 0)"));
        }
    }

    /// <summary>Copies one load in batches; <paramref name="onBatch"/> hears each completed batch's row count.</summary>
    private async Task<long> CopyAsync(NpgsqlConnection conn, TableLoad load, Action<long> onBatch, CancellationToken ct)
    {
        int dim = load.Rows.Dimensions;
        int batch = options.BatchSize ?? Math.Clamp(ImportOptions.DefaultBatchBytes / (dim * sizeof(float)), 1_000, 100_000);
        long limit = load.Limit ?? long.MaxValue;
        string columns = string.Join(", ", new[]
        {
            "id", load.Rows.IsInteger ? "neighbors" : options.Column,
            load.Labels is null ? null : "labels",
            load.Neighbors is null ? null : "neighbors",
            load.Distances is null ? null : "distances",
        }.Where(c => c is not null));
        string copy = $"COPY {load.Table} ({columns}) FROM STDIN (FORMAT BINARY)";

        float[] vectors = load.Rows.IsInteger ? [] : new float[batch * dim];
        int[] ids = load.Rows.IsInteger ? new int[batch * dim] : [];
        Half[] halves = options.Type == VectorColumnType.Halfvec ? new Half[dim] : [];
        int[] neighbors = load.Neighbors is null ? [] : new int[batch * load.Neighbors.Dimensions];
        float[] distances = load.Distances is null ? [] : new float[batch * load.Distances.Dimensions];

        long done = 0;
        while (done < limit)
        {
            int want = (int)Math.Min(batch, limit - done);
            int n = load.Rows.IsInteger ? load.Rows.Read(ids.AsSpan(0, want * dim)) : load.Rows.Read(vectors.AsSpan(0, want * dim));
            if (n == 0)
            {
                break;
            }

            ReadExactly(load.Neighbors, neighbors, n, load.Rows);
            ReadExactly(load.Distances, distances, n, load.Rows);
            if (load.Labels is not null && done + n > load.Labels.Length)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{options.LabelsFile ?? "the labels file"}: {load.Labels.Length} lines; {load.Rows.Name} has more rows"));
            }

            await using (NpgsqlBinaryImporter importer = await conn.BeginBinaryImportAsync(copy, ct))
            {
                for (int r = 0; r < n; r++)
                {
                    long id = done + r;
                    await importer.StartRowAsync(ct);
                    await importer.WriteAsync((int)id, NpgsqlDbType.Integer, ct);
                    if (load.Rows.IsInteger)
                    {
                        await importer.WriteAsync(ids[(r * dim)..((r + 1) * dim)], NpgsqlDbType.Array | NpgsqlDbType.Integer, ct);
                    }
                    else if (options.Type == VectorColumnType.Halfvec)
                    {
                        for (int i = 0; i < dim; i++)
                        {
                            halves[i] = (Half)vectors[(r * dim) + i];
                        }

                        await importer.WriteAsync(new HalfVector(halves), ct);
                    }
                    else
                    {
                        await importer.WriteAsync(new Vector(vectors.AsMemory(r * dim, dim)), ct);
                    }

                    if (load.Labels is not null)
                    {
                        await WriteLabelsAsync(importer, load.Labels[id], ct);
                    }

                    if (load.Neighbors is { } nb)
                    {
                        await importer.WriteAsync(neighbors[(r * nb.Dimensions)..((r + 1) * nb.Dimensions)], NpgsqlDbType.Array | NpgsqlDbType.Integer, ct);
                    }

                    if (load.Distances is { } ds)
                    {
                        await importer.WriteAsync(distances[(r * ds.Dimensions)..((r + 1) * ds.Dimensions)], NpgsqlDbType.Array | NpgsqlDbType.Real, ct);
                    }
                }

                await importer.CompleteAsync(ct);
            }

            done += n;
            onBatch(n);
        }

        if (load.Limit is null && load.Labels is not null && done != load.Labels.Length)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{options.LabelsFile ?? "the labels file"}: {load.Labels.Length} lines for {done} rows of {load.Rows.Name}"));
        }

        if (load.Limit is null && load.Neighbors is not null && load.Neighbors.Read(neighbors.AsSpan()) > 0)
        {
            throw new InvalidDataException($"{load.Neighbors.Name}: more rows than the {done} queries of {load.Rows.Name}");
        }

        return done;
    }

    private async Task WriteLabelsAsync(NpgsqlBinaryImporter importer, int[] labels, CancellationToken ct)
    {
        if (options.LabelType == LabelColumnType.Smallint)
        {
            short[] small = new short[labels.Length];
            for (int i = 0; i < labels.Length; i++)
            {
                small[i] = (short)labels[i];
            }

            await importer.WriteAsync(small, NpgsqlDbType.Array | NpgsqlDbType.Smallint, ct);
        }
        else
        {
            await importer.WriteAsync(labels, NpgsqlDbType.Array | NpgsqlDbType.Integer, ct);
        }
    }

    private static void ReadExactly(Datasets.IMatrixReader? reader, Span<int> buffer, int rows, Datasets.IMatrixReader of)
    {
        if (reader is not null && reader.Read(buffer[..(rows * reader.Dimensions)]) != rows)
        {
            throw new InvalidDataException($"{reader.Name}: fewer rows than {of.Name}");
        }
    }

    private static void ReadExactly(Datasets.IMatrixReader? reader, Span<float> buffer, int rows, Datasets.IMatrixReader of)
    {
        if (reader is not null && reader.Read(buffer[..(rows * reader.Dimensions)]) != rows)
        {
            throw new InvalidDataException($"{reader.Name}: fewer rows than {of.Name}");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using NpgsqlCommand command = new(sql, conn);
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>An import that cannot go on, for a reason that is neither a malformed file nor a server error.</summary>
internal sealed class ImportException(string message) : Exception(message);

using System.Collections.Concurrent;
using System.Diagnostics;
using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using Pgvector;
using Xunit.Abstractions;

namespace AnnSql.IntegrationTests;

/// <summary>
/// Two writer and four reader connections on one indexed table for a minute (<c>ANNSQL_CONCURRENCY_SECONDS</c> overrides):
/// writers commit and roll back transactions that insert, update and delete rows, vacuum and checkpoint now and then;
/// readers run k-NN queries. No statement may fail, no reader may see a row of a transaction that has not begun to
/// commit or was rolled back, and every k-NN result holds min(k, visible rows) rows.
/// </summary>
public sealed class ConcurrencyTests(ITestOutputHelper output)
{
    private const int Seed = 3000;

    private enum TxnStatus
    {
        Open,
        Committing,
        Committed,
        RollingBack,
        RolledBack,
    }

    [Fact]
    public async Task Two_writers_and_four_readers_never_see_uncommitted_rows_and_always_get_k_rows()
    {
        var data = MnistDataset.Load();
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("ANNSQL_CONCURRENCY_SECONDS"), out int s) ? s : 60;
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource();
        await using (var conn = await source.OpenConnectionAsync())
        {
            await MnistTable.ExecuteAsync(conn, "CREATE EXTENSION IF NOT EXISTS vector");
            await conn.ReloadTypesAsync();
            await MnistTable.ExecuteAsync(conn, "CREATE TABLE live (id bigint PRIMARY KEY, writer int, txn bigint, embedding vector(784))");
            await using (var writer = await conn.BeginBinaryImportAsync("COPY live (id, writer, txn, embedding) FROM STDIN (FORMAT BINARY)"))
            {
                for (int i = 0; i < Seed; i++)
                {
                    await writer.WriteRowAsync(default, (long)i, -1, 0L, new Vector(data.Base[i]));
                }

                await writer.CompleteAsync();
            }

            await MnistTable.ExecuteAsync(conn, "CREATE INDEX live_idx ON live USING diskann (embedding vector_l2_ops)");
        }

        var status = new ConcurrentDictionary<long, TxnStatus>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() => WriteAsync(source, data, w, status, stop.Token))).ToArray();
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(() => ReadAsync(source, data, r, status, stop.Token))).ToArray();
        var written = await Task.WhenAll(writers);
        var read = await Task.WhenAll(readers);

        output.WriteLine($"{seconds} s: writers committed {written.Sum(w => w.Committed)} and rolled back {written.Sum(w => w.RolledBack)} transactions; "
            + $"readers ran {read.Sum()} k-NN queries");
        Assert.All(written, w => Assert.True(w.Committed > 10 && w.RolledBack > 0, $"writer committed {w.Committed}, rolled back {w.RolledBack}"));
        Assert.All(read, r => Assert.True(r > 100, $"a reader ran only {r} queries"));
    }

    private static async Task<(int Committed, int RolledBack)> WriteAsync(
        NpgsqlDataSource source, MnistDataset data, int writer, ConcurrentDictionary<long, TxnStatus> status, CancellationToken stop)
    {
        await using var conn = await source.OpenConnectionAsync(CancellationToken.None);
        var random = new Random(writer);
        var mine = new List<long>();
        long nextId = (writer + 1) * 10_000_000L;
        int committed = 0;
        int rolledBack = 0;
        var maintenance = Stopwatch.StartNew();
        for (long txn = (writer + 1) * 1_000_000L; !stop.IsCancellationRequested; txn++)
        {
            status[txn] = TxnStatus.Open;
            var inserted = new List<long>();
            var deleted = new List<long>();
            await using (var tx = await conn.BeginTransactionAsync(CancellationToken.None))
            {
                int inserts = random.Next(1, 8);
                for (int i = 0; i < inserts; i++)
                {
                    long id = nextId++;
                    await using var cmd = new NpgsqlCommand("INSERT INTO live (id, writer, txn, embedding) VALUES ($1, $2, $3, $4)", conn, tx);
                    cmd.Parameters.Add(new NpgsqlParameter { Value = id });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = writer });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = txn });
                    cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Base[random.Next(data.Base.Length)]) });
                    await cmd.ExecuteNonQueryAsync(CancellationToken.None);
                    inserted.Add(id);
                }

                if (mine.Count > 20)
                {
                    long victim = mine[random.Next(mine.Count)];
                    await using var delete = new NpgsqlCommand("DELETE FROM live WHERE id = $1", conn, tx);
                    delete.Parameters.Add(new NpgsqlParameter { Value = victim });
                    await delete.ExecuteNonQueryAsync(CancellationToken.None);
                    deleted.Add(victim);

                    long moved = mine[random.Next(mine.Count)];
                    await using var update = new NpgsqlCommand("UPDATE live SET embedding = $2, txn = $3 WHERE id = $1", conn, tx);
                    update.Parameters.Add(new NpgsqlParameter { Value = moved });
                    update.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Base[random.Next(data.Base.Length)]) });
                    update.Parameters.Add(new NpgsqlParameter { Value = txn });
                    await update.ExecuteNonQueryAsync(CancellationToken.None);
                }

                // Stay open a little, so readers run while the rows exist uncommitted.
                await Task.Delay(random.Next(0, 5), CancellationToken.None);
                if (random.Next(4) == 0)
                {
                    status[txn] = TxnStatus.RollingBack;
                    await tx.RollbackAsync(CancellationToken.None);
                    status[txn] = TxnStatus.RolledBack;
                    rolledBack++;
                }
                else
                {
                    status[txn] = TxnStatus.Committing;
                    await tx.CommitAsync(CancellationToken.None);
                    status[txn] = TxnStatus.Committed;
                    committed++;
                    mine.AddRange(inserted);
                    mine.RemoveAll(deleted.Contains);
                }
            }

            if (maintenance.Elapsed > TimeSpan.FromSeconds(7))
            {
                await MnistTable.ExecuteAsync(conn, writer == 0 ? "VACUUM live" : "CHECKPOINT");
                maintenance.Restart();
            }
        }

        return (committed, rolledBack);
    }

    private static async Task<int> ReadAsync(
        NpgsqlDataSource source, MnistDataset data, int reader, ConcurrentDictionary<long, TxnStatus> status, CancellationToken stop)
    {
        await using var conn = await source.OpenConnectionAsync(CancellationToken.None);
        var random = new Random(100 + reader);
        int queries = 0;
        while (!stop.IsCancellationRequested)
        {
            // The count is taken in the same statement, so under the same snapshot as the k-NN rows.
            bool filtered = random.Next(3) == 0;
            string sql = filtered
                ? "SELECT id, txn, (SELECT count(*) FROM live WHERE embedding IS NOT NULL AND writer <> $2) FROM live WHERE writer <> $2 ORDER BY embedding <-> $1 LIMIT 10"
                : "SELECT id, txn, (SELECT count(*) FROM live WHERE embedding IS NOT NULL) FROM live ORDER BY embedding <-> $1 LIMIT 10";
            await using var cmd = new NpgsqlCommand(sql, conn);
            cmd.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Queries[random.Next(data.Queries.Length)]) });
            if (filtered)
            {
                cmd.Parameters.Add(new NpgsqlParameter { Value = random.Next(2) });
            }

            int rows = 0;
            long visible = -1;
            await using (var result = await cmd.ExecuteReaderAsync(CancellationToken.None))
            {
                while (await result.ReadAsync(CancellationToken.None))
                {
                    rows++;
                    long txn = result.GetInt64(1);
                    visible = result.GetInt64(2);
                    if (txn != 0)
                    {
                        var seen = status[txn];
                        Assert.True(seen is TxnStatus.Committing or TxnStatus.Committed,
                            $"row {result.GetInt64(0)} of transaction {txn} is visible while the transaction is {seen}");
                    }
                }
            }

            if (visible >= 0)
            {
                Assert.Equal(Math.Min(10, visible), rows);
            }

            queries++;
        }

        return queries;
    }
}

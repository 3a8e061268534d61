using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using NpgsqlTypes;
using Pgvector;
using Xunit.Abstractions;

namespace AnnSql.IntegrationTests;

/// <summary>
/// Kills the server with SIGKILL at a random moment of a mixed write and query load, restarts it, and checks that every
/// acknowledged commit is there, that the one transaction per writer whose commit was in flight is there entirely or not
/// at all, and that the diskann index agrees with the table. 50 iterations by default, 6 when <c>CI</c> is set;
/// <c>ANNSQL_CRASH_ITERATIONS</c> overrides. Checkpoints run every few megabytes of log, so restarts load checkpointed
/// graphs and replay the log tail into them.
/// </summary>
public sealed class CrashLoopTests(ITestOutputHelper output)
{
    private const int SeedRows = 2000;

    [Fact]
    public async Task Every_acknowledged_commit_survives_sigkill_and_the_index_agrees_with_the_table()
    {
        var data = MnistDataset.Load();
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("ANNSQL_CRASH_ITERATIONS"), out int n) ? n
            : Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ? 6 : 50;
        await using var server = await AnnSqlServer.StartAsync("--CheckpointWalBytes=4000000");
        var expected = new HashSet<long>();
        await using (var source = server.CreateDataSource())
        await using (var conn = await source.OpenConnectionAsync())
        {
            await MnistTable.ExecuteAsync(conn, "CREATE EXTENSION IF NOT EXISTS vector");
            await conn.ReloadTypesAsync();
            await MnistTable.ExecuteAsync(conn, "CREATE TABLE crash (id bigint PRIMARY KEY, batch bigint, embedding vector(784))");
            await CopyAsync(conn, Enumerable.Range(0, SeedRows).Select(i => (long)i).ToList(), 0, data);
            await MnistTable.ExecuteAsync(conn, "CREATE INDEX crash_idx ON crash USING diskann (embedding vector_l2_ops) WITH (max_degree = 32, l_build = 64)");
            expected.UnionWith(Enumerable.Range(0, SeedRows).Select(i => (long)i));
        }

        var random = new Random(7);
        long nextId = SeedRows;
        long nextBatch = 1;
        var startups = new List<double>();
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            var writers = new Writer[2];
            using var crash = new CancellationTokenSource();
            await using (var source = server.CreateDataSource())
            {
                for (int w = 0; w < writers.Length; w++)
                {
                    writers[w] = new Writer(w, source, data, expected, new Random(random.Next()), () => Interlocked.Increment(ref nextId), () => Interlocked.Increment(ref nextBatch));
                }

                var load = writers.Select(w => Task.Run(() => w.RunAsync(crash.Token))).Append(Task.Run(() => QueryAsync(source, data, crash.Token))).ToArray();
                await Task.Delay(random.Next(300, 2000));
                server.Kill();
                await crash.CancelAsync();
                await Task.WhenAll(load.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            }

            await server.RestartAsync();
            startups.Add(server.StartupTime.TotalSeconds);
            await using (var source = server.CreateDataSource())
            await using (var conn = await source.OpenConnectionAsync())
            {
                var actual = new HashSet<long>();
                await using (var cmd = new NpgsqlCommand("SELECT id FROM crash", conn))
                await using (var reader = await cmd.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        actual.Add(reader.GetInt64(0));
                    }
                }

                foreach (var writer in writers)
                {
                    writer.Settle(actual, expected);
                }

                Assert.True(expected.SetEquals(actual),
                    $"iteration {iteration}: {expected.Except(actual).Count()} acknowledged rows missing, {actual.Except(expected).Count()} rows never acknowledged");
                await CheckIndexAsync(conn, data, expected, iteration);
            }
        }

        output.WriteLine($"{iterations} SIGKILL iterations; {expected.Count} rows at the end; restart to accepting connections "
            + $"{startups.Average():F2} s mean, {startups.Max():F2} s max");
    }

    /// <summary>
    /// The index answers like the table: every row it returns exists, and recall@10 over 20 queries, against an exact
    /// top-10 over the vectors the table holds (read back from the server), is at least 0.9.
    /// </summary>
    private static async Task CheckIndexAsync(NpgsqlConnection conn, MnistDataset data, HashSet<long> rows, int iteration)
    {
        var vectors = new List<(long Id, float[] Vector)>();
        await using (var cmd = new NpgsqlCommand("SELECT id, embedding FROM crash", conn))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                vectors.Add((reader.GetInt64(0), reader.GetFieldValue<Vector>(1).ToArray()));
            }
        }

        double recall = 0;
        for (int q = 0; q < 20; q++)
        {
            var ids = await MnistTable.IdsAsync(conn, "SELECT id FROM crash ORDER BY embedding <-> $1 LIMIT 10", data.Queries[q]);
            Assert.Equal(Math.Min(10, rows.Count), ids.Count);
            Assert.All(ids, id => Assert.Contains(id, rows));
            var exact = vectors.Select(v => (Distance: MnistDataset.SquaredDistance(data.Queries[q], v.Vector), v.Id))
                .OrderBy(x => x.Distance).ThenBy(x => x.Id).Take(10).ToList();
            float kth = exact[^1].Distance;
            var byId = vectors.ToDictionary(v => v.Id, v => v.Vector);
            recall += ids.Count(id => exact.Any(e => e.Id == id) || MnistDataset.SquaredDistance(data.Queries[q], byId[id]) <= kth) / 10.0;
        }

        Assert.True(recall / 20 >= 0.9, $"iteration {iteration}: recall@10 {recall / 20:F3}");
    }

    private static int BaseOf(long id, MnistDataset data) => (int)(id % data.Base.Length);

    private static async Task CopyAsync(NpgsqlConnection conn, List<long> ids, long batch, MnistDataset data)
    {
        await using var writer = await conn.BeginBinaryImportAsync("COPY crash (id, batch, embedding) FROM STDIN (FORMAT BINARY)");
        foreach (long id in ids)
        {
            await writer.StartRowAsync();
            await writer.WriteAsync(id, NpgsqlDbType.Bigint);
            await writer.WriteAsync(batch, NpgsqlDbType.Bigint);
            await writer.WriteAsync(new Vector(data.Base[BaseOf(id, data)]));
        }

        await writer.CompleteAsync();
    }

    private static async Task QueryAsync(NpgsqlDataSource source, MnistDataset data, CancellationToken crash)
    {
        try
        {
            await using var conn = await source.OpenConnectionAsync(crash);
            for (int q = 0; !crash.IsCancellationRequested; q = (q + 1) % data.Queries.Length)
            {
                await MnistTable.IdsAsync(conn, "SELECT id FROM crash ORDER BY embedding <-> $1 LIMIT 10", data.Queries[q]);
            }
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // The server was killed.
        }
    }

    /// <summary>
    /// One writer connection: transactions that insert rows (multi-row INSERT or COPY) and delete some of the rows it
    /// inserted earlier. Keeps what was acknowledged in the shared expected set and the transaction in flight aside.
    /// </summary>
    private sealed class Writer(int index, NpgsqlDataSource source, MnistDataset data, HashSet<long> expected, Random random, Func<long> nextId, Func<long> nextBatch)
    {
        private readonly List<long> _mine = [];
        private (List<long> Inserted, List<long> Deleted)? _inFlight;

        public async Task RunAsync(CancellationToken crash)
        {
            lock (expected)
            {
                // Each writer deletes only rows it owns (by id parity), so the two never delete the same row.
                _mine.AddRange(expected.Where(id => id >= SeedRows && id % 2 == index && random.Next(4) == 0).Take(200));
            }

            try
            {
                await using var conn = await source.OpenConnectionAsync(crash);
                while (!crash.IsCancellationRequested)
                {
                    long batch = nextBatch();
                    var inserted = Enumerable.Range(0, random.Next(1, 40)).Select(_ => nextId()).ToList();
                    var owned = inserted.Where(id => id % 2 == index);
                    var deleted = _mine.Count > 10 ? _mine.OrderBy(_ => random.Next()).Take(random.Next(0, 5)).ToList() : [];
                    await using var txn = await conn.BeginTransactionAsync(crash);
                    if (random.Next(2) == 0)
                    {
                        await CopyAsync(conn, inserted, batch, data);
                    }
                    else
                    {
                        var values = string.Join(", ", inserted.Select((_, i) => $"(${(2 * i) + 1}, {batch}, ${(2 * i) + 2})"));
                        await using var insert = new NpgsqlCommand($"INSERT INTO crash (id, batch, embedding) VALUES {values}", conn, txn);
                        foreach (long id in inserted)
                        {
                            insert.Parameters.Add(new NpgsqlParameter { Value = id });
                            insert.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Base[BaseOf(id, data)]) });
                        }

                        await insert.ExecuteNonQueryAsync(crash);
                    }

                    if (deleted.Count > 0)
                    {
                        await using var delete = new NpgsqlCommand("DELETE FROM crash WHERE id = ANY($1)", conn, txn);
                        delete.Parameters.Add(new NpgsqlParameter { Value = deleted.ToArray() });
                        await delete.ExecuteNonQueryAsync(crash);
                    }

                    _inFlight = (inserted, deleted);
                    await txn.CommitAsync(CancellationToken.None);
                    lock (expected)
                    {
                        expected.UnionWith(inserted);
                        expected.ExceptWith(deleted);
                    }

                    _inFlight = null;
                    _mine.AddRange(owned);
                    _mine.RemoveAll(deleted.Contains);
                }
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or IOException or InvalidOperationException)
            {
                // The server was killed; a commit that was sent may or may not have happened.
            }
        }

        /// <summary>
        /// Decides the fate of the transaction whose commit was in flight from what the restarted server holds: all of its
        /// changes or none (a mixture fails the test), and adds it to <paramref name="state"/> when it happened.
        /// </summary>
        public void Settle(HashSet<long> actual, HashSet<long> state)
        {
            if (_inFlight is not { } txn)
            {
                return;
            }

            int insertedThere = txn.Inserted.Count(actual.Contains);
            int deletedThere = txn.Deleted.Count(id => !actual.Contains(id));
            bool all = insertedThere == txn.Inserted.Count && deletedThere == txn.Deleted.Count;
            bool none = insertedThere == 0 && deletedThere == 0;
            Assert.True(all || none, $"a transaction is partly visible: {insertedThere} of {txn.Inserted.Count} inserts, {deletedThere} of {txn.Deleted.Count} deletes");
            if (all)
            {
                state.UnionWith(txn.Inserted);
                state.ExceptWith(txn.Deleted);
            }
        }
    }
}

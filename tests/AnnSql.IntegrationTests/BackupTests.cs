using System.Diagnostics;
using System.Text;
using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using Pgvector;
using Xunit.Abstractions;

namespace AnnSql.IntegrationTests;

/// <summary>
/// Online base backups through the real executable: <c>annsql backup</c> against a server under a write load, then
/// <c>annsql restore</c> into a new data directory and a server started on it. The restored table must be the table as it was
/// after some commit at or after the last one acknowledged before the backup began (each commit whole), and its diskann
/// index must answer with the exact neighbours.
/// </summary>
public sealed class BackupTests(ITestOutputHelper output)
{
    private const int Dimensions = 8;
    private const int SeedRows = 400;

    [Theory]
    [InlineData("directory", "memory")]
    [InlineData("backup.tar.zst", "disk")]
    [InlineData("backup.tar.gz", "memory")]
    public async Task A_backup_taken_under_writes_restores_every_acknowledged_commit_and_a_working_index(string target, string storage)
    {
        string work = Path.Combine(Path.GetTempPath(), "annsql-backup-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            // Small checkpoint threshold: checkpoints (and disk index merges) run while the backup streams, against its pins.
            await using var server = await AnnSqlServer.StartAsync("--CheckpointWalBytes=20000");
            await using (var source = server.CreateDataSource())
            await using (var conn = await source.OpenConnectionAsync())
            {
                await ExecuteAsync(conn, "CREATE EXTENSION IF NOT EXISTS vector");
                await conn.ReloadTypesAsync();
                await ExecuteAsync(conn, "CREATE TABLE items (id bigint PRIMARY KEY, version int NOT NULL, embedding vector(8) NOT NULL)");
            }

            var writer = new Writer(server);
            await writer.SeedAsync(SeedRows);
            await using (var source = server.CreateDataSource())
            await using (var conn = await source.OpenConnectionAsync())
            {
                await ExecuteAsync(conn, $"CREATE INDEX items_idx ON items USING diskann (embedding vector_l2_ops) WITH (storage = '{storage}')");
            }

            using var stop = new CancellationTokenSource();
            var load = Task.Run(() => writer.RunAsync(stop.Token));
            await Task.Delay(300);

            // Every commit acknowledged so far must be in the backup.
            int acknowledged = writer.Acknowledged;
            string backupPath = Path.Combine(work, target);
            var clock = Stopwatch.StartNew();
            var backup = await AnnSqlCli.RunAsync("backup", "--connection", server.ConnectionString, "--target", backupPath);
            double backupSeconds = clock.Elapsed.TotalSeconds;
            int duringBackup = writer.Acknowledged - acknowledged;
            await stop.CancelAsync();
            await load;
            Assert.True(backup.ExitCode == 0, backup.Output + backup.Error);
            Assert.Contains("backup: ", backup.Output, StringComparison.Ordinal);
            output.WriteLine(backup.Output.Trim());

            string restored = Path.Combine(work, "restored");
            var restore = await AnnSqlCli.RunAsync("restore", "--from", backupPath, "--data", restored);
            Assert.True(restore.ExitCode == 0, restore.Output + restore.Error);
            output.WriteLine(restore.Output.Trim());

            await using var copy = await AnnSqlServer.StartOnAsync(restored);
            await using var restoredSource = copy.CreateDataSource();
            await using var check = await restoredSource.OpenConnectionAsync();
            var rows = await ReadRowsAsync(check);
            int matchedAt = writer.FirstMatchingState(rows, acknowledged);
            output.WriteLine($"{writer.Acknowledged} commits, {acknowledged} acknowledged before the backup began, {duringBackup} during its {backupSeconds:F2} s; " +
                $"the restored table is the state after commit {matchedAt} ({rows.Count} rows)");
            Assert.True(matchedAt >= acknowledged,
                $"the restored table ({rows.Count} rows) is not the table after any commit from {acknowledged} on");

            await ExecuteAsync(check, "SET diskann.l_search = 200");
            var random = new Random(11);
            for (int q = 0; q < 5; q++)
            {
                var query = RandomVector(random);
                await using (var explain = new NpgsqlCommand("EXPLAIN SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10", check))
                {
                    explain.Parameters.AddWithValue(new Vector(query));
                    var plan = new StringBuilder();
                    await using var reader = await explain.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                        plan.AppendLine(reader.GetString(0));
                    }

                    Assert.Contains("Index Scan using items_idx", plan.ToString(), StringComparison.Ordinal);
                }

                var actual = new List<double>();
                await using (var cmd = new NpgsqlCommand("SELECT embedding <-> $1 FROM items ORDER BY embedding <-> $1 LIMIT 10", check))
                {
                    cmd.Parameters.AddWithValue(new Vector(query));
                    await using var reader = await cmd.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                        actual.Add(reader.GetDouble(0));
                    }
                }

                var exact = rows.Values.Select(r => Distance(r.Embedding, query)).Order().Take(10).ToList();
                Assert.Equal(exact.Count, actual.Count);
                for (int i = 0; i < exact.Count; i++)
                {
                    Assert.Equal(exact[i], actual[i], 1e-4);
                }
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task Restore_refuses_a_non_empty_target_and_a_truncated_archive_and_BASE_BACKUP_refuses_a_transaction_block()
    {
        string work = Path.Combine(Path.GetTempPath(), "annsql-backup-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            await using var server = await AnnSqlServer.StartAsync();
            await using var source = server.CreateDataSource();
            await using (var conn = await source.OpenConnectionAsync())
            {
                await ExecuteAsync(conn, "CREATE TABLE t (id int PRIMARY KEY, note text)");
                await ExecuteAsync(conn, "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 200) g");

                // As PostgreSQL's replication commands: 25001 inside a block, the block fails, and the connection goes on.
                await using (var transaction = await conn.BeginTransactionAsync())
                {
                    var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(conn, "BASE_BACKUP"));
                    Assert.Equal("25001", error.SqlState);
                    Assert.Equal("BASE_BACKUP cannot run inside a transaction block", error.MessageText);
                    await transaction.RollbackAsync();
                }

                await using var count = new NpgsqlCommand("SELECT count(*) FROM t", conn);
                Assert.Equal(200L, await count.ExecuteScalarAsync());
            }

            string tar = Path.Combine(work, "backup.tar");
            var backup = await AnnSqlCli.RunAsync("backup", "--connection", server.ConnectionString, "--target", tar);
            Assert.True(backup.ExitCode == 0, backup.Output + backup.Error);

            // A target that holds anything is left alone.
            string occupied = Path.Combine(work, "occupied");
            Directory.CreateDirectory(occupied);
            await File.WriteAllTextAsync(Path.Combine(occupied, "keep.txt"), "mine");
            var refused = await AnnSqlCli.RunAsync("restore", "--from", tar, "--data", occupied);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("is not empty", refused.Error, StringComparison.Ordinal);
            Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(occupied).Select(Path.GetFileName));

            // Cut in the middle of a file, and cut cleanly just before backup_label (a well-formed tar that lacks its end marker).
            byte[] bytes = await File.ReadAllBytesAsync(tar);
            int labelEntry = FindEntry(bytes, "backup_label");
            foreach ((string name, int length) in new[] { ("half.tar", bytes.Length / 2), ("nolabel.tar", labelEntry) })
            {
                string cut = Path.Combine(work, name);
                await File.WriteAllBytesAsync(cut, bytes[..length]);
                string into = Path.Combine(work, "from-" + name);
                var truncated = await AnnSqlCli.RunAsync("restore", "--from", cut, "--data", into);
                output.WriteLine($"{name}: {truncated.Error.Trim()}");
                Assert.NotEqual(0, truncated.ExitCode);
                Assert.Contains("restore failed", truncated.Error, StringComparison.Ordinal);
                Assert.False(Directory.Exists(into), "a refused restore leaves nothing behind");
            }

            // A backup directory whose label is gone (a copy interrupted before its last file) is incomplete.
            string directory = Path.Combine(work, "directory");
            backup = await AnnSqlCli.RunAsync("backup", "--connection", server.ConnectionString, "--target", directory);
            Assert.True(backup.ExitCode == 0, backup.Output + backup.Error);
            File.Delete(Path.Combine(directory, "backup_label"));
            var unlabelled = await AnnSqlCli.RunAsync("restore", "--from", directory, "--data", Path.Combine(work, "from-directory"));
            output.WriteLine($"directory without its label: {unlabelled.Error.Trim()}");
            Assert.NotEqual(0, unlabelled.ExitCode);
            Assert.Contains("no backup_label", unlabelled.Error, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(work, "from-directory")));

            // The whole archive restores, and the restored server has the rows.
            string restored = Path.Combine(work, "restored");
            var restore = await AnnSqlCli.RunAsync("restore", "--from", tar, "--data", restored);
            Assert.True(restore.ExitCode == 0, restore.Output + restore.Error);
            await using var copy = await AnnSqlServer.StartOnAsync(restored);
            await using var copySource = copy.CreateDataSource();
            await using var check = await copySource.OpenConnectionAsync();
            await using var restoredCount = new NpgsqlCommand("SELECT count(*), max(note) FROM t", check);
            await using var reader = await restoredCount.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(200L, reader.GetInt64(0));
            Assert.Equal("row 99", reader.GetString(1));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Offset of the first 512-byte tar header whose name field holds <paramref name="name"/> (its PAX header comes first).</summary>
    private static int FindEntry(byte[] tar, string name)
    {
        byte[] wanted = Encoding.ASCII.GetBytes(name);
        for (int offset = 0; offset + 512 <= tar.Length; offset += 512)
        {
            if (tar.AsSpan(offset, 100).IndexOf(wanted) >= 0)
            {
                return offset;
            }
        }

        throw new InvalidOperationException($"no {name} entry in the archive");
    }

    private static async Task<Dictionary<long, Row>> ReadRowsAsync(NpgsqlConnection conn)
    {
        var rows = new Dictionary<long, Row>();
        await using var cmd = new NpgsqlCommand("SELECT id, version, embedding FROM items", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetInt64(0), new Row(reader.GetInt32(1), reader.GetFieldValue<Vector>(2).ToArray()));
        }

        return rows;
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static float[] RandomVector(Random random)
    {
        var v = new float[Dimensions];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = (float)random.NextDouble();
        }

        return v;
    }

    private static double Distance(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            sum += d * d;
        }

        return Math.Sqrt(sum);
    }

    private sealed record Row(int Version, float[] Embedding)
    {
        public bool SameAs(Row? other) => other is not null && other.Version == Version && other.Embedding.AsSpan().SequenceEqual(Embedding);
    }

    /// <summary>One change a commit made: the row's new state, or null when it deleted the row.</summary>
    private readonly record struct Change(long Id, Row? After);

    /// <summary>
    /// One connection that commits inserts (two rows in one statement), updates and deletes in a loop, and records each
    /// acknowledged commit's changes in order, so the table after any commit can be reconstructed.
    /// </summary>
    private sealed class Writer(AnnSqlServer server)
    {
        private readonly Random _random = new(5);
        private readonly List<Change[]> _commits = [];
        private readonly Dictionary<long, Row> _seed = [];
        private readonly List<long> _live = [];
        private long _nextId;

        /// <summary>Commits acknowledged by the server since the seed.</summary>
        public int Acknowledged => Volatile.Read(ref _acknowledged);

        private int _acknowledged;

        public async Task SeedAsync(int rows)
        {
            await using var source = server.CreateDataSource();
            await using var conn = await source.OpenConnectionAsync();
            await using var batch = new NpgsqlBatch(conn);
            for (int i = 0; i < rows; i++)
            {
                var row = new Row(0, RandomVector(_random));
                var cmd = new NpgsqlBatchCommand("INSERT INTO items VALUES ($1, 0, $2)");
                cmd.Parameters.AddWithValue((long)i);
                cmd.Parameters.AddWithValue(new Vector(row.Embedding));
                batch.BatchCommands.Add(cmd);
                _seed[i] = row;
                _live.Add(i);
            }

            await batch.ExecuteNonQueryAsync();
            _nextId = rows;
        }

        public async Task RunAsync(CancellationToken ct)
        {
            await using var source = server.CreateDataSource();
            await using var conn = await source.OpenConnectionAsync(CancellationToken.None);
            var versions = _seed.ToDictionary(kv => kv.Key, kv => kv.Value.Version);
            while (!ct.IsCancellationRequested)
            {
                int kind = _random.Next(10);
                Change[] changes;
                if (kind < 6 || _live.Count < 50)
                {
                    long a = _nextId++, b = _nextId++;
                    var ra = new Row(0, RandomVector(_random));
                    var rb = new Row(0, RandomVector(_random));
                    await using var cmd = new NpgsqlCommand("INSERT INTO items VALUES ($1, 0, $2), ($3, 0, $4)", conn);
                    cmd.Parameters.AddWithValue(a);
                    cmd.Parameters.AddWithValue(new Vector(ra.Embedding));
                    cmd.Parameters.AddWithValue(b);
                    cmd.Parameters.AddWithValue(new Vector(rb.Embedding));
                    await cmd.ExecuteNonQueryAsync(CancellationToken.None);
                    _live.Add(a);
                    _live.Add(b);
                    versions[a] = 0;
                    versions[b] = 0;
                    changes = [new Change(a, ra), new Change(b, rb)];
                }
                else if (kind < 9)
                {
                    long id = _live[_random.Next(_live.Count)];
                    var row = new Row(versions[id] + 1, RandomVector(_random));
                    await using var cmd = new NpgsqlCommand("UPDATE items SET version = $2, embedding = $3 WHERE id = $1", conn);
                    cmd.Parameters.AddWithValue(id);
                    cmd.Parameters.AddWithValue(row.Version);
                    cmd.Parameters.AddWithValue(new Vector(row.Embedding));
                    Assert.Equal(1, await cmd.ExecuteNonQueryAsync(CancellationToken.None));
                    versions[id] = row.Version;
                    changes = [new Change(id, row)];
                }
                else
                {
                    int at = _random.Next(_live.Count);
                    long id = _live[at];
                    _live[at] = _live[^1];
                    _live.RemoveAt(_live.Count - 1);
                    await using var cmd = new NpgsqlCommand("DELETE FROM items WHERE id = $1", conn);
                    cmd.Parameters.AddWithValue(id);
                    Assert.Equal(1, await cmd.ExecuteNonQueryAsync(CancellationToken.None));
                    changes = [new Change(id, null)];
                }

                lock (_commits)
                {
                    _commits.Add(changes);
                }

                Interlocked.Increment(ref _acknowledged);
            }
        }

        /// <summary>
        /// The first commit count k ≥ <paramref name="from"/> such that <paramref name="rows"/> is exactly the table after the
        /// first k commits; -1 when there is none. Walks the commits once, keeping the number of rows that differ.
        /// </summary>
        public int FirstMatchingState(Dictionary<long, Row> rows, int from)
        {
            var state = new Dictionary<long, Row>(_seed);
            for (int k = 0; k < from; k++)
            {
                Apply(state, _commits[k]);
            }

            int differing = rows.Keys.Count(id => !rows[id].SameAs(state.GetValueOrDefault(id))) + state.Keys.Count(id => !rows.ContainsKey(id));
            for (int k = from; ; k++)
            {
                if (differing == 0)
                {
                    return k;
                }

                if (k == _commits.Count)
                {
                    return -1;
                }

                foreach (var change in _commits[k])
                {
                    var wanted = rows.GetValueOrDefault(change.Id);
                    bool before = !SameOrBothMissing(wanted, state.GetValueOrDefault(change.Id));
                    bool after = !SameOrBothMissing(wanted, change.After);
                    differing += (after ? 1 : 0) - (before ? 1 : 0);
                    if (change.After is null)
                    {
                        state.Remove(change.Id);
                    }
                    else
                    {
                        state[change.Id] = change.After;
                    }
                }
            }
        }

        private static bool SameOrBothMissing(Row? a, Row? b) => a is null ? b is null : a.SameAs(b);

        private static void Apply(Dictionary<long, Row> state, Change[] changes)
        {
            foreach (var change in changes)
            {
                if (change.After is null)
                {
                    state.Remove(change.Id);
                }
                else
                {
                    state[change.Id] = change.After;
                }
            }
        }
    }
}

using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace AnnSql.IntegrationTests;

/// <summary>
/// Concurrent writers of the same rows, as READ COMMITTED in PostgreSQL behaves: a second UPDATE or DELETE of a row waits
/// for the transaction that changed it, then applies to the newest version if that still matches its WHERE clause;
/// deadlocks fail one transaction with 40P01; cancelling a waiting statement gives 57014. Every scenario runs against
/// AnnSql and against the reference PostgreSQL 15 with the same assertions.
/// </summary>
public sealed class RowLockTests(RowLockTests.Servers servers, ITestOutputHelper output) : IClassFixture<RowLockTests.Servers>
{
    /// <summary>How long a statement must stay blocked to count as waiting.</summary>
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(400);

    public static TheoryData<string> Targets => new() { "annsql", "postgres" };

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_second_update_waits_for_the_first_and_applies_to_the_new_version(string target)
    {
        string table = await CreateCountersAsync(target, primaryKey: true);
        foreach (bool commit in new[] { true, false })
        {
            await ExecuteAsync(target, $"UPDATE {table} SET n = 0 WHERE id = 1");
            await using var first = await OpenAsync(target);
            await using var txn = await first.BeginTransactionAsync();
            Assert.Equal(1, await NonQueryAsync(first, $"UPDATE {table} SET n = n + 1 WHERE id = 1"));

            var second = Task.Run(() => ExecuteAsync(target, $"UPDATE {table} SET n = n + 10 WHERE id = 1"));
            await AssertWaitingAsync(second);
            await (commit ? txn.CommitAsync() : txn.RollbackAsync());

            Assert.Equal(1, await second);
            Assert.Equal(commit ? 11 : 10, await ScalarAsync<int>(target, $"SELECT n FROM {table} WHERE id = 1"));
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_waiting_update_rechecks_its_where_clause_on_the_new_version_and_skips_deleted_rows(string target)
    {
        foreach (bool primaryKey in new[] { true, false })
        {
            string table = await CreateCountersAsync(target, primaryKey);
            await using var first = await OpenAsync(target);
            await using (var txn = await first.BeginTransactionAsync())
            {
                await NonQueryAsync(first, $"UPDATE {table} SET n = 5 WHERE id = 1");
                var second = Task.Run(() => ExecuteAsync(target, $"UPDATE {table} SET n = n + 1 WHERE id = 1 AND n = 0"));
                var third = Task.Run(() => ExecuteAsync(target, $"UPDATE {table} SET n = n + 1 WHERE id = 1 AND n < 10"));
                await AssertWaitingAsync(second);
                await txn.CommitAsync();
                Assert.Equal(0, await second);
                Assert.Equal(1, await third);
            }

            Assert.Equal(6, await ScalarAsync<int>(target, $"SELECT n FROM {table} WHERE id = 1"));

            await using (var txn = await first.BeginTransactionAsync())
            {
                await NonQueryAsync(first, $"DELETE FROM {table} WHERE id = 2");
                var update = Task.Run(() => ExecuteAsync(target, $"UPDATE {table} SET n = 7 WHERE id = 2"));
                var delete = Task.Run(() => ExecuteAsync(target, $"DELETE FROM {table} WHERE id = 2"));
                await AssertWaitingAsync(update);
                await txn.CommitAsync();
                Assert.Equal(0, await update);
                Assert.Equal(0, await delete);
            }

            Assert.Equal(3L, await ScalarAsync<long>(target, $"SELECT count(*) FROM {table}"));
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Concurrent_increments_and_upserts_of_one_row_all_apply(string target)
    {
        const int Clients = 6, Rounds = 20;
        string table = await CreateCountersAsync(target, primaryKey: true);
        int deadlocks = 0;
        var workers = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            await using var conn = await OpenAsync(target);
            for (int i = 0; i < Rounds; i++)
            {
                await NonQueryAsync(conn, $"UPDATE {table} SET n = n + 1 WHERE id = 1");
                await NonQueryAsync(conn, $"INSERT INTO {table} VALUES (4, 1) ON CONFLICT (id) DO UPDATE SET n = {table}.n + 1");

                // A transfer between two rows in one transaction, locking them in an order that differs between clients:
                // a deadlock aborts one transaction with 40P01, and the client retries it, as applications do.
                var (from, to) = c % 2 == 0 ? (2, 3) : (3, 2);
                while (true)
                {
                    await using var txn = await conn.BeginTransactionAsync();
                    try
                    {
                        await NonQueryAsync(conn, $"UPDATE {table} SET n = n - 1 WHERE id = {from}");
                        await NonQueryAsync(conn, $"UPDATE {table} SET n = n + 1 WHERE id = {to}");
                        await txn.CommitAsync();
                        break;
                    }
                    catch (PostgresException e) when (e.SqlState == "40P01")
                    {
                        Interlocked.Increment(ref deadlocks);
                        await txn.RollbackAsync();
                    }
                }
            }
        }));

        await Task.WhenAll(workers);
        output.WriteLine($"{target}: {deadlocks} transfers retried after a deadlock");
        Assert.Equal(Clients * Rounds, await ScalarAsync<int>(target, $"SELECT n FROM {table} WHERE id = 1"));
        Assert.Equal(Clients * Rounds, await ScalarAsync<int>(target, $"SELECT n FROM {table} WHERE id = 4"));

        // As many transfers went each way, so both rows are back where they started.
        Assert.Equal(0, await ScalarAsync<int>(target, $"SELECT n FROM {table} WHERE id = 2"));
        Assert.Equal(0, await ScalarAsync<int>(target, $"SELECT n FROM {table} WHERE id = 3"));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task A_deadlock_aborts_one_transaction_with_40P01_and_the_other_commits(string target)
    {
        string table = await CreateCountersAsync(target, primaryKey: true);
        await using var a = await OpenAsync(target);
        await using var b = await OpenAsync(target);
        await using var txnA = await a.BeginTransactionAsync();
        await using var txnB = await b.BeginTransactionAsync();
        await NonQueryAsync(a, $"UPDATE {table} SET n = 1 WHERE id = 1");
        await NonQueryAsync(b, $"UPDATE {table} SET n = 2 WHERE id = 2");
        var aWaits = Task.Run(() => NonQueryAsync(a, $"UPDATE {table} SET n = 1 WHERE id = 2"));
        await AssertWaitingAsync(aWaits);
        var bCloses = Task.Run(() => NonQueryAsync(b, $"UPDATE {table} SET n = 2 WHERE id = 1"));

        var results = await Task.WhenAll(Outcome(aWaits), Outcome(bCloses));
        Assert.Single(results, r => r == "40P01");
        Assert.Single(results, r => r == "1");
        var (winner, winnerTxn, loserTxn, value) = results[0] == "1" ? (a, txnA, txnB, 1) : (b, txnB, txnA, 2);
        await loserTxn.RollbackAsync();
        await winnerTxn.CommitAsync();
        Assert.Equal(2L, await ScalarAsync<long>(target, $"SELECT count(*) FROM {table} WHERE id IN (1, 2) AND n = {value}"));
        Assert.Equal(1, await NonQueryAsync(winner, $"UPDATE {table} SET n = 0 WHERE id = 1"));

        static async Task<string> Outcome(Task<int> statement)
        {
            try
            {
                return (await statement).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (PostgresException e)
            {
                return e.SqlState;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Cancelling_a_waiting_update_answers_57014_and_leaves_the_row_to_its_holder(string target)
    {
        string table = await CreateCountersAsync(target, primaryKey: true);
        await using var holder = await OpenAsync(target);
        await using var waiter = await OpenAsync(target);
        await using var txn = await holder.BeginTransactionAsync();
        await NonQueryAsync(holder, $"UPDATE {table} SET n = 1 WHERE id = 1");

        await using var command = new NpgsqlCommand($"UPDATE {table} SET n = 2 WHERE id = 1", waiter);
        var waiting = Task.Run(() => command.ExecuteNonQueryAsync());
        await AssertWaitingAsync(waiting);
        command.Cancel();
        var cancelled = await Assert.ThrowsAsync<OperationCanceledException>(() => waiting);
        Assert.Equal("57014", Assert.IsType<PostgresException>(cancelled.InnerException).SqlState);

        Assert.Equal(1, await NonQueryAsync(waiter, $"UPDATE {table} SET n = 3 WHERE id = 3"));
        await txn.CommitAsync();
        Assert.Equal(1, await ScalarAsync<int>(target, $"SELECT n FROM {table} WHERE id = 1"));
        Assert.Equal(1, await NonQueryAsync(waiter, $"UPDATE {table} SET n = 2 WHERE id = 1"));
    }

    private static async Task AssertWaitingAsync(Task statement)
    {
        await Task.WhenAny(statement, Task.Delay(Blocked));
        Assert.False(statement.IsCompleted, "the statement should wait for the row lock");
    }

    private async Task<string> CreateCountersAsync(string target, bool primaryKey)
    {
        string table = $"counters_{Guid.NewGuid():N}"[..20];
        await ExecuteAsync(target, $"CREATE TABLE {table} (id int{(primaryKey ? " PRIMARY KEY" : "")}, n int NOT NULL)");
        await ExecuteAsync(target, $"INSERT INTO {table} VALUES (1, 0), (2, 0), (3, 0), (4, 0)");
        return table;
    }

    private async Task<NpgsqlConnection> OpenAsync(string target)
    {
        var conn = new NpgsqlConnection(await servers.ConnectionStringAsync(target));
        await conn.OpenAsync();
        return conn;
    }

    private async Task<int> ExecuteAsync(string target, string sql)
    {
        await using var conn = await OpenAsync(target);
        return await NonQueryAsync(conn, sql);
    }

    private async Task<T> ScalarAsync<T>(string target, string sql)
    {
        await using var conn = await OpenAsync(target);
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<int> NonQueryAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>One AnnSql server and one reference PostgreSQL, started on first use and shared by the scenarios.</summary>
    public sealed class Servers : IAsyncDisposable
    {
        private readonly SemaphoreSlim _start = new(1, 1);
        private AnnSqlServer? _annSql;
        private ReferencePostgres? _postgres;

        public async Task<string> ConnectionStringAsync(string target)
        {
            await _start.WaitAsync();
            try
            {
                if (target == "annsql")
                {
                    _annSql ??= await AnnSqlServer.StartAsync();
                    return _annSql.ConnectionString;
                }

                // PostgreSQL looks for deadlocks after deadlock_timeout (1 s by default); AnnSql at once. The transfers
                // deadlock often, so a short timeout keeps the reference run from taking minutes.
                _postgres ??= await ReferencePostgres.StartAsync();
                return _postgres.ConnectionString + ";Options=-c deadlock_timeout=20ms";
            }
            finally
            {
                _start.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_annSql is not null)
            {
                await _annSql.DisposeAsync();
            }

            if (_postgres is not null)
            {
                await _postgres.DisposeAsync();
            }

            _start.Dispose();
        }
    }
}

using AnnSql.Sql.Errors;
using AnnSql.Sql.Transactions;

namespace AnnSql.Sql.Tests.Transactions;

/// <summary>
/// The row lock table with real blocking waits: each waiter runs on a thread of its own, and a test goes on only once the
/// table reports it waiting; every wait the test itself makes is bounded, so a broken lock fails instead of hanging.
/// </summary>
public sealed class RowLockTableTests
{
    private const uint Table = 16384;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_waiter_gets_the_row_when_the_holder_ends_and_relocking_an_own_row_does_not_wait()
    {
        var locks = new RowLockTable();
        var holder = new Transaction(isExplicit: true);
        var waiter = new Transaction(isExplicit: true);
        locks.Acquire(holder, Table, 1, CancellationToken.None);
        locks.Acquire(holder, Table, 1, CancellationToken.None);

        var waiting = StartWaiting(locks, waiter, 1);
        await UntilWaitingAsync(locks, 1);
        Assert.False(waiting.IsCompleted);

        locks.ReleaseAll(holder);
        await waiting.WaitAsync(Bound);
        Assert.Equal(1, locks.Count);
        locks.ReleaseAll(waiter);
        Assert.Equal(0, locks.Count);
    }

    [Fact]
    public async Task A_wait_that_closes_a_cycle_of_three_fails_with_40P01_and_the_others_go_on_once_it_ends()
    {
        var locks = new RowLockTable();
        var a = new Transaction(isExplicit: true);
        var b = new Transaction(isExplicit: true);
        var c = new Transaction(isExplicit: true);
        locks.Acquire(a, Table, 1, CancellationToken.None);
        locks.Acquire(b, Table, 2, CancellationToken.None);
        locks.Acquire(c, Table, 3, CancellationToken.None);

        var aWaits = StartWaiting(locks, a, 2);
        var bWaits = StartWaiting(locks, b, 3);
        await UntilWaitingAsync(locks, 2);

        using var bound = new CancellationTokenSource(Bound);
        var deadlock = Assert.Throws<SqlException>(() => locks.Acquire(c, Table, 1, bound.Token));
        Assert.Equal(SqlState.DeadlockDetected, deadlock.SqlState);

        locks.ReleaseAll(c);
        await bWaits.WaitAsync(Bound);
        locks.ReleaseAll(b);
        await aWaits.WaitAsync(Bound);
        locks.ReleaseAll(a);
        Assert.Equal(0, locks.Count);
    }

    [Fact]
    public async Task Cancelling_a_wait_throws_and_leaves_the_holder_alone()
    {
        var locks = new RowLockTable();
        var holder = new Transaction(isExplicit: true);
        var waiter = new Transaction(isExplicit: true);
        locks.Acquire(holder, Table, 7, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = StartWaiting(locks, waiter, 7, cancel.Token);
        await UntilWaitingAsync(locks, 1);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Bound));
        Assert.Equal(0, locks.Waiting);

        // The cancelled waiter waits for nobody now: the holder can wait for it without a false deadlock.
        locks.Acquire(waiter, Table, 8, CancellationToken.None);
        var holderWaits = StartWaiting(locks, holder, 8);
        await UntilWaitingAsync(locks, 1);
        locks.ReleaseAll(waiter);
        await holderWaits.WaitAsync(Bound);
        Assert.Equal(2, locks.Count);
    }

    /// <summary>Acquires on a dedicated thread (the wait blocks it), so the thread pool never has to supply one.</summary>
    private static Task StartWaiting(RowLockTable locks, Transaction txn, long rowId, CancellationToken ct = default) =>
        Task.Factory.StartNew(() => locks.Acquire(txn, Table, rowId, ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static async Task UntilWaitingAsync(RowLockTable locks, int waiting)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (locks.Waiting < waiting)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{locks.Waiting} of {waiting} transactions waiting");
            await Task.Delay(5);
        }
    }
}

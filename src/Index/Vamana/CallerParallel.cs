using System.Runtime.ExceptionServices;

namespace AnnSql.Index.Vamana;

/// <summary>
/// A parallel loop whose calling thread does the work itself, helped by up to maxDegreeOfParallelism − 1 thread-pool
/// workers when the pool can spare them. <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/> queues even its
/// first replica to the pool, so a caller on a non-pool thread waits until a pool thread is free; a consolidation holding
/// the index exclusively would then block every insert for as long as the pool is busy (seconds under a search load).
/// </summary>
internal static class CallerParallel
{
    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over [0, <paramref name="count"/>) in chunks of <paramref name="chunk"/>
    /// items, on the calling thread and up to <paramref name="maxDegreeOfParallelism"/> − 1 pool workers; returns when every
    /// claimed chunk is done. A late worker finds nothing left and exits. Cancellation is checked between chunks; the first
    /// exception thrown by a chunk stops the loop and is rethrown.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static void For(int count, int chunk, int maxDegreeOfParallelism, Action<int, int> body, CancellationToken cancellationToken)
    {
        Loop loop = new(count, chunk, body, cancellationToken);
        int helpers = Math.Min(maxDegreeOfParallelism - 1, ((count + chunk - 1) / chunk) - 1);
        for (int i = 0; i < helpers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Work(), loop, preferLocal: false);
        }

        loop.Work();
        loop.Close();
        loop.Failure?.Throw();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private sealed class Loop(int count, int chunk, Action<int, int> body, CancellationToken cancellationToken)
    {
        private int _next;
        private int _busy;
        private int _closed;
        private ExceptionDispatchInfo? _failure;

        public ExceptionDispatchInfo? Failure => Volatile.Read(ref _failure);

        /// <summary>Claims and runs chunks until none is left, the loop is closed, cancelled or has failed.</summary>
        public void Work()
        {
            Interlocked.Increment(ref _busy);
            try
            {
                // The increment above is a full fence: a worker either is counted before Close reads _busy, or sees it closed.
                while (Volatile.Read(ref _closed) == 0 && !cancellationToken.IsCancellationRequested && Failure is null)
                {
                    int start = Interlocked.Add(ref _next, chunk) - chunk;
                    if (start >= count || start < 0)
                    {
                        break;
                    }

                    body(start, Math.Min(count, start + chunk));
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            }
            finally
            {
                Interlocked.Decrement(ref _busy);
            }
        }

        /// <summary>Stops late workers from starting chunks and waits for the chunks in progress.</summary>
        public void Close()
        {
            // A full fence, so the read of _busy below cannot move before it.
            Interlocked.Exchange(ref _closed, 1);
            SpinWait spin = default;
            while (Volatile.Read(ref _busy) != 0)
            {
                spin.SpinOnce();
            }
        }
    }
}

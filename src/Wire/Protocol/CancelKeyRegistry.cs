using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace AnnSql.Wire.Protocol;

/// <summary>
/// Process-wide map from BackendKeyData (process id, secret key) to the live session, so that a CancelRequest arriving on
/// a new connection can cancel the right statement (PG docs: protocol-flow.html "Canceling Requests in Progress").
/// Thread-safe.
/// </summary>
public sealed class CancelKeyRegistry
{
    private readonly ConcurrentDictionary<int, CancelKeyRegistration> _entries = new();
    private int _nextProcessId = RandomNumberGenerator.GetInt32(1000, 1 << 22);

    /// <summary>The registry used unless <see cref="PgConnectionOptions.CancelKeys"/> says otherwise.</summary>
    public static CancelKeyRegistry Shared { get; } = new();

    /// <summary>Number of live registrations.</summary>
    public int Count => _entries.Count;

    /// <summary>Allocates a process id unique among live registrations and a random secret key.</summary>
    public CancelKeyRegistration Register()
    {
        while (true)
        {
            var processId = Interlocked.Increment(ref _nextProcessId) & int.MaxValue;
            if (processId == 0)
            {
                continue;
            }

            var registration = new CancelKeyRegistration(this, processId, RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue));
            if (_entries.TryAdd(processId, registration))
            {
                return registration;
            }
        }
    }

    /// <summary>
    /// Cancels the session with this key, if any; a wrong secret is ignored (PG answers a CancelRequest with nothing
    /// either way). Returns whether a session was signalled.
    /// </summary>
    public bool TryCancel(int processId, int secretKey)
    {
        if (!_entries.TryGetValue(processId, out var registration) || registration.SecretKey != secretKey)
        {
            return false;
        }

        return registration.Signal();
    }

    internal void Remove(CancelKeyRegistration registration) =>
        _entries.TryRemove(new KeyValuePair<int, CancelKeyRegistration>(registration.ProcessId, registration));
}

/// <summary>One connection's cancel key; dispose to unregister.</summary>
public sealed class CancelKeyRegistration : IDisposable
{
    private readonly CancelKeyRegistry _registry;
    private Action? _onCancel;

    internal CancelKeyRegistration(CancelKeyRegistry registry, int processId, int secretKey)
    {
        _registry = registry;
        ProcessId = processId;
        SecretKey = secretKey;
    }

    /// <summary>Sent as the process id in BackendKeyData.</summary>
    public int ProcessId { get; }

    /// <summary>Sent as the secret key in BackendKeyData.</summary>
    public int SecretKey { get; }

    /// <summary>Sets what a matching CancelRequest calls (e.g. the session handler's Cancel).</summary>
    public void Attach(Action onCancel) => Volatile.Write(ref _onCancel, onCancel);

    /// <inheritdoc/>
    public void Dispose()
    {
        Volatile.Write(ref _onCancel, null);
        _registry.Remove(this);
    }

    internal bool Signal()
    {
        var onCancel = Volatile.Read(ref _onCancel);
        if (onCancel is null)
        {
            return false;
        }

        onCancel();
        return true;
    }
}

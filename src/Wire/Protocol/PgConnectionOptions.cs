using System.Net.Security;
using AnnSql.Wire.Auth;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnnSql.Wire.Protocol;

/// <summary>Limits and services for <see cref="PgConnection"/>; one instance can serve every connection.</summary>
public sealed class PgConnectionOptions
{
    /// <summary>PostgreSQL's PQ_LARGE_MESSAGE_LIMIT (MaxAllocSize - 1, just under 1 GiB).</summary>
    public const int DefaultMaxMessageLength = 0x3FFFFFFF - 1;

    /// <summary>PostgreSQL's PQ_SMALL_MESSAGE_LIMIT and MAX_STARTUP_PACKET_LENGTH.</summary>
    public const int DefaultSmallMessageLength = 10000;

    /// <summary>Largest accepted length (bytes, including the length word) of Bind, Parse, Query, CopyData and FunctionCall.</summary>
    public int MaxMessageLength { get; init; } = DefaultMaxMessageLength;

    /// <summary>Largest accepted length (bytes) of the other messages (Describe, Execute, Close, Sync, …).</summary>
    public int MaxSmallMessageLength { get; init; } = DefaultSmallMessageLength;

    /// <summary>Largest accepted startup packet (bytes).</summary>
    public int MaxStartupPacketLength { get; init; } = DefaultSmallMessageLength;

    /// <summary>Buffered output (bytes) above which complete messages are handed to the transport during long results.</summary>
    public int OutputFlushThreshold { get; init; } = 64 * 1024;

    /// <summary>How long the final FATAL message may take to send before the connection is dropped anyway.</summary>
    public TimeSpan FinalMessageTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where BackendKeyData keys are registered for CancelRequest.</summary>
    public CancelKeyRegistry CancelKeys { get; init; } = CancelKeyRegistry.Shared;

    /// <summary>Logger for connection events.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>PostgreSQL's authentication_timeout default.</summary>
    public static readonly TimeSpan DefaultAuthenticationTimeout = TimeSpan.FromMinutes(1);

    /// <summary>Longest time from accepting a connection to the end of authentication (TLS handshake included); the
    /// connection is closed without a message when it expires (PostgreSQL's authentication_timeout).</summary>
    public TimeSpan AuthenticationTimeout { get; init; } = DefaultAuthenticationTimeout;

    /// <summary>Host-based authentication; null accepts every connection without a password (in-process use and tests).</summary>
    public PgAuthenticationOptions? Authentication { get; init; }

    /// <summary>
    /// TLS settings (server certificate); when set, an SSLRequest on a stream connection is answered with <c>S</c> and the
    /// connection continues over TLS; when null it is answered with <c>N</c>.
    /// </summary>
    public SslServerAuthenticationOptions? Tls { get; init; }
}

using Microsoft.Extensions.Logging;

namespace AnnSql.Wire.Telemetry;

/// <summary>Source-generated log messages of the protocol layer.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug,
        Message = "connection {ProcessId} started: user={User} database={Database} application={ApplicationName} remote={RemoteEndPoint}")]
    public static partial void ConnectionStarted(ILogger logger, int processId, string user, string database, string? applicationName,
        string? remoteEndPoint);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "connection {ProcessId} closed")]
    public static partial void ConnectionClosed(ILogger logger, int processId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "connection {ProcessId}: protocol violation: {Reason}")]
    public static partial void ProtocolViolation(ILogger logger, int processId, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "connection {ProcessId}: unhandled error in session handler")]
    public static partial void HandlerFailed(ILogger logger, int processId, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "cancel request for process {ProcessId}: matched={Matched}")]
    public static partial void CancelRequest(ILogger logger, int processId, bool matched);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "connection {ProcessId}: client went away")]
    public static partial void ClientDisconnected(ILogger logger, int processId);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "connection {ProcessId}: terminating for server shutdown")]
    public static partial void Shutdown(ILogger logger, int processId);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "connection {ProcessId}: could not send the final error")]
    public static partial void FinalErrorNotSent(ILogger logger, int processId, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Debug, Message = "connection {ProcessId}: {Severity} {SqlState} {Message}")]
    public static partial void ErrorSent(ILogger logger, int processId, string severity, string sqlState, string message);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information,
        Message = "authentication failed for user {User} ({Method}) from {Host}")]
    public static partial void AuthenticationFailed(ILogger logger, string user, string method, string host);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "could not accept SSL connection from {Host}: {Reason}")]
    public static partial void TlsFailed(ILogger logger, string? host, string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "canceling authentication due to timeout: {Host}")]
    public static partial void AuthenticationTimeout(ILogger logger, string? host);
}

using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net;
using AnnSql.Wire.Buffers;
using AnnSql.Wire.Errors;
using AnnSql.Wire.Handlers;
using AnnSql.Wire.Messages;
using AnnSql.Wire.Telemetry;
using Microsoft.Extensions.Logging;
using ProtocolViolationException = AnnSql.Wire.Errors.ProtocolViolationException;

namespace AnnSql.Wire.Protocol;

/// <summary>
/// Runs one PostgreSQL v3 connection over a duplex pipe: startup, simple and extended query, COPY, errors and cancel keys.
/// It reads one message at a time (pipelined batches and messages split across reads are normal), keeps the prepared
/// statement and portal maps, and calls an <see cref="IPgSessionHandler"/> for everything that needs SQL.
/// Source: PG docs, protocol-flow.html and protocol-message-formats.html (PostgreSQL 15).
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "Instances never escape RunAsync, which disposes the buffers when the connection ends.")]
public sealed partial class PgConnection
{
    private IDuplexPipe _pipe;
    private readonly IPgSessionHandlerFactory _factory;
    private readonly PgConnectionOptions _options;
    private readonly EndPoint? _remoteEndPoint;
    private readonly CancellationToken _ct;
    private readonly ILogger _logger;
    private MessageFramer _framer;
    private readonly PgOutputBuffer _out = new();
    private readonly PgResponder _responder;
    private readonly Dictionary<string, PgPreparedStatement> _statements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PgPortal> _portals = new(StringComparer.Ordinal);
    private IPgSessionHandler? _handler;
    private CancelKeyRegistration? _cancelKey;
    private ConnectionState _state = ConnectionState.Startup;

    private PgConnection(IDuplexPipe pipe, IPgSessionHandlerFactory factory, PgConnectionOptions options, EndPoint? remoteEndPoint,
        CancellationToken ct)
    {
        _pipe = pipe;
        _factory = factory;
        _options = options;
        _remoteEndPoint = remoteEndPoint;
        _ct = ct;
        _logger = options.Logger;
        _framer = new MessageFramer(pipe.Input, options);
        _responder = new PgResponder(this);
    }

    private IPgSessionHandler Handler => _handler ?? throw new InvalidOperationException("no session handler yet");

    private int ProcessId => _cancelKey?.ProcessId ?? 0;

    /// <summary>
    /// Serves the connection until the client terminates or disconnects, a FATAL error, or <paramref name="ct"/>
    /// (server shutdown: FATAL 57P01 is sent first). Completes both halves of <paramref name="pipe"/> when done.
    /// Query errors never end the connection; protocol violations (08P01) do.
    /// </summary>
    public static Task RunAsync(IDuplexPipe pipe, IPgSessionHandlerFactory factory, PgConnectionOptions options, CancellationToken ct) =>
        RunAsync(pipe, factory, options, remoteEndPoint: null, ct);

    /// <summary>As <see cref="RunAsync(IDuplexPipe, IPgSessionHandlerFactory, PgConnectionOptions, CancellationToken)"/>, passing the
    /// peer's address on to <see cref="PgStartupInfo.RemoteEndPoint"/>.</summary>
    public static async Task RunAsync(IDuplexPipe pipe, IPgSessionHandlerFactory factory, PgConnectionOptions options,
        EndPoint? remoteEndPoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        var connection = new PgConnection(pipe, factory, options, remoteEndPoint, ct);
        await connection.RunCoreAsync();
    }

    /// <summary>
    /// Serves a connection over <paramref name="stream"/> (a socket's stream), which allows an SSLRequest to switch it to TLS
    /// when <see cref="PgConnectionOptions.Tls"/> is set. The stream is left open; the caller disposes it.
    /// </summary>
    public static async Task RunAsync(Stream stream, IPgSessionHandlerFactory factory, PgConnectionOptions options,
        EndPoint? remoteEndPoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(options);
        var connection = new PgConnection(new StreamDuplexPipe(stream), factory, options, remoteEndPoint, ct) { _stream = stream };
        await connection.RunCoreAsync();
    }

    private async Task RunCoreAsync()
    {
        WireMetrics.ConnectionOpened();
        bool started = false;
        try
        {
            if (await RunStartupWithTimeoutAsync())
            {
                started = true;
                await RunMessageLoopAsync();
            }
        }
        catch (ProtocolViolationException ex)
        {
            Log.ProtocolViolation(_logger, ProcessId, ex.Message);
            var error = ex.ToError();
            if (!started)
            {
                WireMetrics.ConnectionRejected(error.SqlState);
            }

            await TrySendFinalAsync(error);
        }
        catch (PgErrorException ex) when (ex.Error.IsFatal)
        {
            if (!started)
            {
                WireMetrics.ConnectionRejected(ex.Error.SqlState);
            }

            await TrySendFinalAsync(ex.Error);
        }
        catch (OperationCanceledException) when (_ct.IsCancellationRequested)
        {
            Log.Shutdown(_logger, ProcessId);
            await TrySendFinalAsync(PgError.Fatal(SqlState.AdminShutdown, "terminating connection due to administrator command"));
        }
        catch (Exception ex) when (ex is ClientDisconnectedException or IOException)
        {
            Log.ClientDisconnected(_logger, ProcessId);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, ProcessId, ex);
            await TrySendFinalAsync(PgError.Fatal(SqlState.InternalError, ex.Message));
        }
        finally
        {
            await CleanUpAsync();
            WireMetrics.ConnectionClosed();
        }
    }

    private async Task RunMessageLoopAsync()
    {
        while (true)
        {
            var frame = await _framer.ReadAsync(_ct);
            if (frame.IsEof)
            {
                Log.ClientDisconnected(_logger, ProcessId);
                return;
            }

            var tag = frame.Tag;
            if (_state == ConnectionState.SkipUntilSync && tag is not (FrontendMessageCode.Sync or FrontendMessageCode.Terminate))
            {
                continue; // the next ReadAsync releases the frame
            }

            switch (tag)
            {
                case FrontendMessageCode.Query:
                    await OnQueryAsync(frame);
                    break;
                case FrontendMessageCode.Parse:
                case FrontendMessageCode.Bind:
                case FrontendMessageCode.Describe:
                case FrontendMessageCode.Execute:
                case FrontendMessageCode.Close:
                    await OnExtendedMessageAsync(frame);
                    break;
                case FrontendMessageCode.Sync:
                    _framer.Release();
                    await OnSyncAsync();
                    break;
                case FrontendMessageCode.Flush:
                    _framer.Release();
                    await FlushOutputAsync(_ct);
                    break;
                case FrontendMessageCode.Terminate:
                    return;
                case FrontendMessageCode.CopyData:
                case FrontendMessageCode.CopyDone:
                case FrontendMessageCode.CopyFail:
                    // Left over from a COPY that already failed: PG drops them silently.
                    break;
                case FrontendMessageCode.FunctionCall:
                    _framer.Release();
                    WriteError(PgError.Error(SqlState.FeatureNotSupported, "function call protocol is not supported"));
                    await WriteReadyForQueryAsync();
                    break;
                default:
                    throw new ProtocolViolationException($"invalid frontend message type {tag}");
            }
        }
    }

    private async ValueTask OnQueryAsync(Frame frame)
    {
        try
        {
            var sql = StringMessage.Decode(frame.Payload);
            _framer.Release();
            await Handler.SimpleQueryAsync(sql, _responder, _ct);
        }
        catch (Exception ex) when (IsStatementError(ex))
        {
            WriteError(ToError(ex));
        }

        _state = ConnectionState.Ready;
        await WriteReadyForQueryAsync();
    }

    private async ValueTask WriteReadyForQueryAsync()
    {
        var status = Handler.TransactionStatus;
        if (status == 'I')
        {
            ClosePortals();
        }

        BackendMessages.WriteReadyForQuery(_out, status);
        await FlushOutputAsync(_ct);
    }

    /// <summary>Errors that end the statement, not the connection.</summary>
    private bool IsStatementError(Exception ex) => ex switch
    {
        PgErrorException pg => !pg.Error.IsFatal,
        ProtocolViolationException or ClientDisconnectedException or IOException => false,
        OperationCanceledException => !_ct.IsCancellationRequested,
        _ => true,
    };

    private PgError ToError(Exception ex)
    {
        switch (ex)
        {
            case PgErrorException pg:
                return pg.Error;
            case OperationCanceledException:
                return PgError.Error(SqlState.QueryCanceled, "canceling statement due to user request");
            default:
                Log.HandlerFailed(_logger, ProcessId, ex);
                return PgError.Error(SqlState.InternalError, ex.Message);
        }
    }

    /// <summary>Writes an ErrorResponse, dropping any message the handler left unfinished.</summary>
    private void WriteError(PgError error)
    {
        _responder.AbortOpenMessage();
        Log.ErrorSent(_logger, ProcessId, error.Severity, error.SqlState, error.Message);
        BackendMessages.WriteErrorResponse(_out, error);
    }

    /// <summary>Moves buffered messages to the transport without waiting (called between messages during long results).</summary>
    internal void SpillIfLarge()
    {
        if (_out.WrittenCount >= _options.OutputFlushThreshold)
        {
            _pipe.Output.Write(_out.WrittenSpan);
            _out.Reset();
        }
    }

    internal async ValueTask FlushOutputAsync(CancellationToken ct)
    {
        if (_out.WrittenCount > 0)
        {
            _pipe.Output.Write(_out.WrittenSpan);
            _out.Reset();
        }

        var result = await _pipe.Output.FlushAsync(ct);
        if (result.IsCompleted)
        {
            throw new ClientDisconnectedException();
        }
    }

    private async ValueTask TrySendFinalAsync(PgError error)
    {
        try
        {
            WriteError(error.IsFatal ? error : error.WithSeverity("FATAL"));
            using var timeout = new CancellationTokenSource(_options.FinalMessageTimeout);
            await FlushOutputAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ClientDisconnectedException or IOException
                                       or InvalidOperationException)
        {
            Log.FinalErrorNotSent(_logger, ProcessId, ex);
        }
    }

    private void ClosePortals()
    {
        if (_portals.Count == 0)
        {
            return;
        }

        foreach (var portal in _portals.Values)
        {
            Handler.Close(portal);
        }

        _portals.Clear();
    }

    private async ValueTask CleanUpAsync()
    {
        _cancelKey?.Dispose();
        _portals.Clear();
        _statements.Clear();
        if (_handler is not null)
        {
            try
            {
                await _handler.DisposeAsync();
            }
            catch (Exception ex)
            {
                Log.HandlerFailed(_logger, ProcessId, ex);
            }
        }

        Log.ConnectionClosed(_logger, ProcessId);
        _framer.Dispose();
        _copyIn?.Dispose();
        _out.Dispose();
        await _pipe.Input.CompleteAsync();
        await _pipe.Output.CompleteAsync();
        if (_tls is not null)
        {
            await _tls.DisposeAsync();
        }
    }
}

/// <summary>The client closed the connection or stopped reading.</summary>
internal sealed class ClientDisconnectedException : Exception
{
    public ClientDisconnectedException()
        : base("the client closed the connection")
    {
    }
}

using System.Buffers;
using AnnSql.Wire.Buffers;
using AnnSql.Wire.Errors;
using AnnSql.Wire.Handlers;
using AnnSql.Wire.Messages;
using AnnSql.Wire.Telemetry;

namespace AnnSql.Wire.Protocol;

/// <summary>Startup phase (PG docs: protocol-flow.html "Start-up", "SSL Session Encryption", "Canceling Requests in Progress").</summary>
public sealed partial class PgConnection
{
    private CancellationToken _startupToken;

    /// <summary>
    /// Runs the startup under <see cref="PgConnectionOptions.AuthenticationTimeout"/>: when it expires, pending reads end as if
    /// the client had hung up and the TLS handshake is abandoned, so the connection closes without a message (PostgreSQL's
    /// authentication_timeout).
    /// </summary>
    private async ValueTask<bool> RunStartupWithTimeoutAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_ct);
        _startupToken = timeout.Token;
        timeout.CancelAfter(_options.AuthenticationTimeout);
        await using var expiry = timeout.Token.Register(() => _pipe.Input.CancelPendingRead());
        try
        {
            return await RunStartupAsync();
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_ct.IsCancellationRequested)
        {
            Log.AuthenticationTimeout(_logger, _remoteEndPoint?.ToString());
            return false;
        }
    }

    /// <summary>Returns false when the connection ends during startup without a session (CancelRequest, EOF).</summary>
    private async ValueTask<bool> RunStartupAsync()
    {
        StartupMessage startup;
        while (true)
        {
            var frame = await _framer.ReadStartupAsync(_ct);
            if (frame.IsEof)
            {
                LogIfTimedOut();
                return false;
            }

            var payload = frame.Payload;
            var code = ReadCode(payload);
            switch (code)
            {
                // Each may come once, GSSENCRequest not after TLS (PG's ssl_done / gss_done); a repeat falls through to the
                // "unsupported frontend protocol 1234.5679" error below, as in PostgreSQL.
                case FrontendMessageCode.SslRequestCode when !_sslDone:
                    EnsureLength(payload, 4);
                    _framer.Release();
                    _sslDone = true;
                    if (_options.Tls is null || _stream is null)
                    {
                        _out.WriteByte(BackendMessageCode.EncryptionRefused);
                        await FlushOutputAsync(_ct);
                        continue;
                    }

                    if (!await StartTlsAsync())
                    {
                        return false;
                    }

                    _gssDone = true;
                    continue;
                case FrontendMessageCode.GssEncRequestCode when !_gssDone:
                    EnsureLength(payload, 4);
                    _framer.Release();
                    _gssDone = true;
                    _out.WriteByte(BackendMessageCode.EncryptionRefused);
                    await FlushOutputAsync(_ct);
                    continue;
                case FrontendMessageCode.CancelRequestCode:
                    EnsureLength(payload, 12);
                    var reader = new PgMessageReader(payload.Slice(4));
                    var processId = reader.ReadInt32();
                    var secretKey = reader.ReadInt32();
                    _framer.Release();
                    var matched = _options.CancelKeys.TryCancel(processId, secretKey);
                    Log.CancelRequest(_logger, processId, matched);
                    return false; // no response, as PG
                default:
                    if (code >>> 16 != 3)
                    {
                        throw new PgErrorException(PgError.Fatal(SqlState.FeatureNotSupported,
                            $"unsupported frontend protocol {code >>> 16}.{code & 0xFFFF}: server supports 3.0 to 3.0"));
                    }

                    startup = StartupMessage.Decode(code, payload.Slice(4));
                    _framer.Release();
                    break;
            }

            break;
        }

        if (!startup.Parameters.TryGetValue("user", out var user) || user.Length == 0)
        {
            throw new PgErrorException(PgError.Fatal(SqlState.InvalidAuthorizationSpecification,
                "no PostgreSQL user name specified in startup packet"));
        }

        var database = startup.Parameters.TryGetValue("database", out var db) && db.Length > 0 ? db : user;
        startup.Parameters.TryGetValue("application_name", out var applicationName);
        if (!await AuthenticateAsync(user, database))
        {
            return false;
        }

        _cancelKey = _options.CancelKeys.Register();
        var info = new PgStartupInfo
        {
            Parameters = startup.Parameters,
            User = user,
            Database = database,
            ApplicationName = applicationName,
            RemoteEndPoint = _remoteEndPoint,
            ProcessId = _cancelKey.ProcessId,
            ProtocolMinorVersion = startup.MinorVersion,
            IsEncrypted = _tls is not null,
        };
        Log.ConnectionStarted(_logger, info.ProcessId, user, database, applicationName, _remoteEndPoint?.ToString());

        _handler = _factory.Create(info) ?? throw new InvalidOperationException("the session handler factory returned null");
        _cancelKey.Attach(_handler.Cancel);

        // PG 15 speaks 3.0 only: a newer minor version or _pq_ options are answered before authentication.
        if (startup.MinorVersion > 0 || startup.ProtocolOptions.Count > 0)
        {
            BackendMessages.WriteNegotiateProtocolVersion(_out, 0, startup.ProtocolOptions);
        }

        BackendMessages.WriteAuthenticationOk(_out);
        IReadOnlyList<KeyValuePair<string, string>> parameters;
        try
        {
            parameters = await _handler.StartupAsync(_ct);
        }
        catch (PgErrorException ex)
        {
            throw new PgErrorException(ex.Error.IsFatal ? ex.Error : ex.Error.WithSeverity("FATAL"), ex);
        }

        foreach (var (name, value) in parameters)
        {
            BackendMessages.WriteParameterStatus(_out, name, value);
        }

        BackendMessages.WriteBackendKeyData(_out, _cancelKey.ProcessId, _cancelKey.SecretKey);
        _state = ConnectionState.Ready;
        await WriteReadyForQueryAsync();
        return true;
    }

    private void LogIfTimedOut()
    {
        if (_startupToken.IsCancellationRequested && !_ct.IsCancellationRequested)
        {
            Log.AuthenticationTimeout(_logger, _remoteEndPoint?.ToString());
        }
    }

    private static int ReadCode(ReadOnlySequence<byte> payload)
    {
        var reader = new PgMessageReader(payload);
        return reader.ReadInt32();
    }

    private static void EnsureLength(ReadOnlySequence<byte> payload, int expected)
    {
        if (payload.Length != expected)
        {
            throw new ProtocolViolationException("invalid length of startup packet");
        }
    }
}

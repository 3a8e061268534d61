using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using AnnSql.Wire.Messages;
using AnnSql.Wire.Telemetry;
using ProtocolViolationException = AnnSql.Wire.Errors.ProtocolViolationException;

namespace AnnSql.Wire.Protocol;

/// <summary>SSL session encryption (PG docs: protocol-flow.html "SSL Session Encryption").</summary>
public sealed partial class PgConnection
{
    private Stream? _stream;
    private SslStream? _tls;
    private bool _sslDone;
    private bool _gssDone;

    /// <summary>
    /// Answers an SSLRequest with <c>S</c> and runs the TLS handshake on the raw stream; the connection's pipe and framer then
    /// read and write through TLS. False when the handshake fails (the client is told nothing more, as in PostgreSQL).
    /// </summary>
    private async ValueTask<bool> StartTlsAsync()
    {
        // Bytes already buffered arrived before the handshake, unencrypted: they may have been injected (CVE-2021-23214).
        if (_pipe.Input.TryRead(out var pending))
        {
            var buffered = pending.Buffer.Length;
            _pipe.Input.AdvanceTo(pending.Buffer.Start);
            if (buffered > 0)
            {
                throw new ProtocolViolationException("received unencrypted data after SSL request");
            }
        }

        _out.WriteByte(BackendMessageCode.EncryptionAccepted);
        await FlushOutputAsync(_ct);
        await _pipe.Input.CompleteAsync();
        await _pipe.Output.CompleteAsync();
        var tls = new SslStream(_stream!, leaveInnerStreamOpen: true);
        _tls = tls;
        try
        {
            await tls.AuthenticateAsServerAsync(_options.Tls!, _startupToken);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            Log.TlsFailed(_logger, _remoteEndPoint?.ToString(), ex.Message);
            return false;
        }

        _pipe = new StreamDuplexPipe(tls);
        _framer = new MessageFramer(_pipe.Input, _options);
        return true;
    }
}

/// <summary>A duplex pipe over a stream that it leaves open.</summary>
internal sealed class StreamDuplexPipe(Stream stream) : IDuplexPipe
{
    public PipeReader Input { get; } = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));

    public PipeWriter Output { get; } = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
}

using System.Buffers;
using AnnSql.Wire.Buffers;
using AnnSql.Wire.Errors;
using AnnSql.Wire.Handlers;
using AnnSql.Wire.Messages;

namespace AnnSql.Wire.Protocol;

/// <summary>COPY FROM STDIN sub-protocol (PG docs: protocol-flow.html "COPY Operations").</summary>
public sealed partial class PgConnection
{
    private CopyInReader? _copyIn;

    internal PgOutputBuffer Output => _out;

    internal async ValueTask<IPgCopyInReader> BeginCopyInAsync(CancellationToken ct)
    {
        if (_state == ConnectionState.CopyIn)
        {
            throw new InvalidOperationException("a COPY FROM STDIN is already in progress");
        }

        await FlushOutputAsync(ct);
        _state = ConnectionState.CopyIn;
        _copyIn ??= new CopyInReader(this);
        _copyIn.Start();
        return _copyIn;
    }

    /// <summary>Reads CopyData until CopyDone; one instance per connection, restarted for each COPY.</summary>
    private sealed class CopyInReader(PgConnection connection) : IPgCopyInReader, IDisposable
    {
        private byte[] _buffer = [];
        private bool _finished;
        private PgErrorException? _failure;

        public void Start()
        {
            _finished = false;
            _failure = null;
        }

        public async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken ct)
        {
            if (_failure is not null)
            {
                throw _failure;
            }

            if (_finished)
            {
                return null;
            }

            var framer = connection._framer;
            while (true)
            {
                var frame = await framer.ReadAsync(ct);
                if (frame.IsEof)
                {
                    throw new ClientDisconnectedException();
                }

                switch (frame.Tag)
                {
                    case FrontendMessageCode.CopyData:
                        var payload = frame.Payload;
                        if (payload.IsSingleSegment)
                        {
                            return payload.First; // held until the next read releases the frame
                        }

                        if (_buffer.Length < payload.Length)
                        {
                            Dispose();
                            _buffer = ArrayPool<byte>.Shared.Rent((int)payload.Length);
                        }

                        payload.CopyTo(_buffer);
                        var length = (int)payload.Length;
                        framer.Release();
                        return _buffer.AsMemory(0, length);
                    case FrontendMessageCode.CopyDone:
                        framer.Release();
                        Finish();
                        return null;
                    case FrontendMessageCode.CopyFail:
                        var reason = StringMessage.Decode(frame.Payload);
                        framer.Release();
                        throw Fail(new PgErrorException(SqlState.QueryCanceled, $"COPY from stdin failed: {reason}"));
                    case FrontendMessageCode.Flush:
                    case FrontendMessageCode.Sync:
                        continue; // ignored during COPY IN
                    default:
                        var tag = frame.Tag;
                        framer.Release();
                        throw Fail(new PgErrorException(SqlState.ProtocolViolation,
                            $"unexpected message type 0x{tag:X2} during COPY from stdin"));
                }
            }
        }

        public void Dispose()
        {
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = [];
            }
        }

        private void Finish()
        {
            _finished = true;
            connection._state = ConnectionState.Ready;
        }

        private PgErrorException Fail(PgErrorException error)
        {
            Finish();
            _failure = error;
            return error;
        }
    }
}

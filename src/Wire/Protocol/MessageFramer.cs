using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using AnnSql.Wire.Errors;
using AnnSql.Wire.Messages;

namespace AnnSql.Wire.Protocol;

/// <summary>One frontend message: its tag (0 for a startup packet) and body without the length word.</summary>
internal readonly struct Frame(byte tag, ReadOnlySequence<byte> payload, bool isEof)
{
    public byte Tag { get; } = tag;

    /// <summary>The body; valid until the next <see cref="MessageFramer.ReadAsync"/> or <see cref="MessageFramer.Release"/>.</summary>
    public ReadOnlySequence<byte> Payload { get; } = payload;

    /// <summary>The client closed its side (possibly in the middle of a message).</summary>
    public bool IsEof { get; } = isEof;
}

/// <summary>
/// Cuts the input pipe into messages: 1-byte tag + int32 big-endian length that counts itself (the startup packet has
/// no tag). Limits are checked before the body is awaited. A message that is complete in the pipe is returned in place;
/// one that is not yet complete is copied into a pooled array while it arrives, so a message larger than the pipe's
/// pause threshold can never deadlock the transport. Source: PG docs, protocol-overview.html "Messaging Overview".
/// </summary>
internal sealed class MessageFramer(PipeReader reader, PgConnectionOptions options) : IDisposable
{
    private readonly byte[] _header = new byte[5];
    private bool _holdsPipe;
    private SequencePosition _consumed;
    private byte[]? _rented;

    /// <summary>Reads the next tagged message, releasing the previous one first.</summary>
    public ValueTask<Frame> ReadAsync(CancellationToken ct) => ReadFrameAsync(tagged: true, ct);

    /// <summary>Reads an untagged startup-phase packet (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest).</summary>
    public ValueTask<Frame> ReadStartupAsync(CancellationToken ct) => ReadFrameAsync(tagged: false, ct);

    /// <summary>Gives the current message's bytes back; idempotent.</summary>
    public void Release()
    {
        if (_holdsPipe)
        {
            _holdsPipe = false;
            reader.AdvanceTo(_consumed);
        }

        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public void Dispose() => Release();

    private async ValueTask<Frame> ReadFrameAsync(bool tagged, CancellationToken ct)
    {
        Release();
        var headerSize = tagged ? 5 : 4;
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            if (buffer.Length < headerSize)
            {
                if (result.IsCompleted || result.IsCanceled)
                {
                    reader.AdvanceTo(buffer.End);
                    return new Frame(0, default, isEof: true);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            buffer.Slice(0, headerSize).CopyTo(_header);
            var tag = tagged ? _header[0] : (byte)0;
            var length = BinaryPrimitives.ReadInt32BigEndian(_header.AsSpan(tagged ? 1 : 0));
            var bodyLength = Validate(tagged, tag, length);
            var total = (long)headerSize + bodyLength;
            if (buffer.Length >= total)
            {
                _consumed = buffer.GetPosition(total);
                _holdsPipe = true;
                return new Frame(tag, buffer.Slice(headerSize, bodyLength), isEof: false);
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                reader.AdvanceTo(buffer.End);
                return new Frame(0, default, isEof: true);
            }

            return await CopyIncompleteAsync(tag, buffer.Slice(headerSize), bodyLength, ct);
        }
    }

    private async ValueTask<Frame> CopyIncompleteAsync(byte tag, ReadOnlySequence<byte> available, int bodyLength, CancellationToken ct)
    {
        var array = ArrayPool<byte>.Shared.Rent(bodyLength);
        _rented = array;
        available.CopyTo(array);
        var have = (int)available.Length;
        reader.AdvanceTo(available.End);
        while (have < bodyLength)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            var take = (int)Math.Min(buffer.Length, bodyLength - have);
            buffer.Slice(0, take).CopyTo(array.AsSpan(have));
            have += take;
            reader.AdvanceTo(buffer.GetPosition(take));
            if (have < bodyLength && (result.IsCompleted || result.IsCanceled))
            {
                return new Frame(0, default, isEof: true);
            }
        }

        return new Frame(tag, new ReadOnlySequence<byte>(array, 0, bodyLength), isEof: false);
    }

    /// <summary>Checks tag and length as PG's SocketBackend / ProcessStartupPacket do; returns the body length.</summary>
    private int Validate(bool tagged, byte tag, int length)
    {
        if (!tagged)
        {
            if (length < 8 || length > options.MaxStartupPacketLength)
            {
                throw new ProtocolViolationException("invalid length of startup packet");
            }

            return length - 4;
        }

        if (!FrontendMessageCode.TryGetMaxLength(tag, options.MaxSmallMessageLength, options.MaxMessageLength, out var max))
        {
            throw new ProtocolViolationException($"invalid frontend message type {tag}");
        }

        if (length < 4 || length > max)
        {
            throw new ProtocolViolationException("invalid message length");
        }

        return length - 4;
    }
}

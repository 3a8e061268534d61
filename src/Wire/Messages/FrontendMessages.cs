using System.Buffers;
using System.Buffers.Binary;
using AnnSql.Wire.Buffers;
using AnnSql.Wire.Errors;

namespace AnnSql.Wire.Messages;

/// <summary>StartupMessage body after the protocol version: name/value pairs ending in an empty name.</summary>
internal sealed record StartupMessage(int MajorVersion, int MinorVersion, Dictionary<string, string> Parameters, List<string> ProtocolOptions)
{
    public static StartupMessage Decode(int version, ReadOnlySequence<byte> body)
    {
        var reader = new PgMessageReader(body);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var options = new List<string>();
        while (true)
        {
            var name = reader.ReadCString();
            if (name.Length == 0)
            {
                break;
            }

            var value = reader.ReadCString();
            if (name.StartsWith("_pq_.", StringComparison.Ordinal))
            {
                options.Add(name);
            }
            else
            {
                parameters[name] = value;
            }
        }

        reader.EnsureEnd();
        return new StartupMessage(version >>> 16, version & 0xFFFF, parameters, options);
    }
}

/// <summary>Parse ('P'): statement name, query text, parameter type OIDs (0 = unspecified).</summary>
internal readonly record struct ParseMessage(string StatementName, string Query, uint[] ParameterTypeOids)
{
    public static ParseMessage Decode(ReadOnlySequence<byte> payload)
    {
        var reader = new PgMessageReader(payload);
        var name = reader.ReadCString();
        var query = reader.ReadCString();
        var count = reader.ReadInt16();
        if (count < 0)
        {
            throw new ProtocolViolationException("invalid message format");
        }

        var oids = count == 0 ? [] : new uint[count];
        for (var i = 0; i < oids.Length; i++)
        {
            oids[i] = reader.ReadUInt32();
        }

        reader.EnsureEnd();
        return new ParseMessage(name, query, oids);
    }
}

/// <summary>Bind ('B') exactly as sent: the 0 / 1 / N rules are applied by the connection.</summary>
internal sealed record BindMessage(
    string PortalName, string StatementName, short[] ParameterFormats, ReadOnlyMemory<byte>?[] Values, short[] ResultFormats)
{
    /// <summary>Decodes a Bind; parameter values are copied into one array the portal can keep.</summary>
    public static BindMessage Decode(ReadOnlySequence<byte> payload)
    {
        var reader = new PgMessageReader(payload);
        var portal = reader.ReadCString();
        var statement = reader.ReadCString();
        var parameterFormats = ReadInt16Array(ref reader);
        var valueCount = reader.ReadInt16();
        if (valueCount < 0)
        {
            throw new ProtocolViolationException("invalid message format");
        }

        // Copy the rest once (values + result formats); values become slices of it.
        var rest = reader.UnreadSequence.ToArray();
        var values = valueCount == 0 ? [] : new ReadOnlyMemory<byte>?[valueCount];
        var position = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (rest.Length - position < 4)
            {
                throw new ProtocolViolationException("insufficient data left in message");
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(rest.AsSpan(position));
            position += 4;
            if (length == -1)
            {
                values[i] = null;
                continue;
            }

            if (length < 0 || length > rest.Length - position)
            {
                throw new ProtocolViolationException("insufficient data left in message");
            }

            values[i] = rest.AsMemory(position, length);
            position += length;
        }

        var tail = new PgMessageReader(new ReadOnlySequence<byte>(rest, position, rest.Length - position));
        var resultFormats = ReadInt16Array(ref tail);
        tail.EnsureEnd();
        return new BindMessage(portal, statement, parameterFormats, values, resultFormats);
    }

    private static short[] ReadInt16Array(ref PgMessageReader reader)
    {
        var count = reader.ReadInt16();
        if (count < 0)
        {
            throw new ProtocolViolationException("invalid message format");
        }

        var result = count == 0 ? [] : new short[count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = reader.ReadInt16();
        }

        return result;
    }
}

/// <summary>Describe ('D') or Close ('C'): 'S' statement or 'P' portal, and its name.</summary>
internal readonly record struct TargetMessage(byte Kind, string Name)
{
    public static TargetMessage Decode(ReadOnlySequence<byte> payload, string messageName)
    {
        var reader = new PgMessageReader(payload);
        var kind = reader.ReadByte();
        var name = reader.ReadCString();
        reader.EnsureEnd();
        if (kind is not ((byte)'S' or (byte)'P'))
        {
            throw new ProtocolViolationException($"invalid {messageName} message subtype {kind}");
        }

        return new TargetMessage(kind, name);
    }
}

/// <summary>Execute ('E'): portal name and row limit (0 = no limit).</summary>
internal readonly record struct ExecuteMessage(string PortalName, int MaxRows)
{
    public static ExecuteMessage Decode(ReadOnlySequence<byte> payload)
    {
        var reader = new PgMessageReader(payload);
        var portal = reader.ReadCString();
        var maxRows = reader.ReadInt32();
        reader.EnsureEnd();
        return new ExecuteMessage(portal, maxRows < 0 ? 0 : maxRows);
    }
}

/// <summary>Messages whose body is one string: Query ('Q') and CopyFail ('f').</summary>
internal static class StringMessage
{
    public static string Decode(ReadOnlySequence<byte> payload)
    {
        var reader = new PgMessageReader(payload);
        var text = reader.ReadCString();
        reader.EnsureEnd();
        return text;
    }
}

using AnnSql.Wire.Errors;
using AnnSql.Wire.Handlers;
using AnnSql.Wire.Messages;

namespace AnnSql.Wire.Protocol;

/// <summary>
/// Extended query protocol: Parse, Bind, Describe, Execute, Close, Sync (PG docs: protocol-flow.html "Extended Query").
/// Any error writes ErrorResponse and enters <see cref="ConnectionState.SkipUntilSync"/>.
/// </summary>
public sealed partial class PgConnection
{
    private async ValueTask OnExtendedMessageAsync(Frame frame)
    {
        try
        {
            switch (frame.Tag)
            {
                case FrontendMessageCode.Parse:
                    var parse = ParseMessage.Decode(frame.Payload);
                    _framer.Release();
                    OnParse(parse);
                    break;
                case FrontendMessageCode.Bind:
                    var bind = BindMessage.Decode(frame.Payload);
                    _framer.Release();
                    OnBind(bind);
                    break;
                case FrontendMessageCode.Describe:
                    var describe = TargetMessage.Decode(frame.Payload, "DESCRIBE");
                    _framer.Release();
                    OnDescribe(describe);
                    break;
                case FrontendMessageCode.Execute:
                    var execute = ExecuteMessage.Decode(frame.Payload);
                    _framer.Release();
                    await Handler.ExecuteAsync(GetPortal(execute.PortalName), execute.MaxRows, _responder, _ct);
                    _state = ConnectionState.Ready; // a COPY the handler left open is over
                    break;
                case FrontendMessageCode.Close:
                    var close = TargetMessage.Decode(frame.Payload, "CLOSE");
                    _framer.Release();
                    OnClose(close);
                    break;
            }
        }
        catch (Exception ex) when (IsStatementError(ex))
        {
            WriteError(ToError(ex));
            _state = ConnectionState.SkipUntilSync;
            // PG flushes errors at once, so a client waiting after Flush learns of it.
            await FlushOutputAsync(_ct);
        }
    }

    private void OnParse(ParseMessage message)
    {
        var name = message.StatementName;
        if (name.Length == 0)
        {
            if (_statements.Remove(name, out var previous))
            {
                Handler.Close(previous);
            }
        }
        else if (_statements.ContainsKey(name))
        {
            throw new PgErrorException(SqlState.DuplicatePreparedStatement, $"prepared statement \"{name}\" already exists");
        }

        var statement = Handler.Parse(name, message.Query, message.ParameterTypeOids)
                        ?? throw new InvalidOperationException("the session handler returned no prepared statement");
        _statements[name] = statement;
        BackendMessages.WriteEmpty(_out, BackendMessageCode.ParseComplete);
    }

    private void OnBind(BindMessage message)
    {
        var portalName = message.PortalName;
        if (portalName.Length == 0)
        {
            if (_portals.Remove(portalName, out var previous))
            {
                Handler.Close(previous);
            }
        }
        else if (_portals.ContainsKey(portalName))
        {
            throw new PgErrorException(SqlState.DuplicateCursor, $"cursor \"{portalName}\" already exists");
        }

        var statement = GetStatement(message.StatementName);
        var values = message.Values;
        var formats = message.ParameterFormats;
        if (formats.Length > 1 && formats.Length != values.Length)
        {
            throw new PgErrorException(SqlState.ProtocolViolation,
                $"bind message has {formats.Length} parameter formats but {values.Length} parameters");
        }

        if (values.Length != statement.ParameterTypeOids.Length)
        {
            throw new PgErrorException(SqlState.ProtocolViolation,
                $"bind message supplies {values.Length} parameters, but prepared statement \"{statement.Name}\" requires "
                + $"{statement.ParameterTypeOids.Length}");
        }

        var parameterFormats = Expand(formats, values.Length);
        var resultFormats = message.ResultFormats;
        CheckFormats(resultFormats);
        if (statement.Fields is { } fields)
        {
            if (resultFormats.Length > 1 && resultFormats.Length != fields.Length)
            {
                throw new PgErrorException(SqlState.ProtocolViolation,
                    $"bind message has {resultFormats.Length} result formats but query has {fields.Length} columns");
            }

            resultFormats = Expand(resultFormats, fields.Length);
        }

        var portal = Handler.Bind(portalName, statement, new PgBindParameters(values, parameterFormats, resultFormats))
                     ?? throw new InvalidOperationException("the session handler returned no portal");
        _portals[portalName] = portal;
        BackendMessages.WriteEmpty(_out, BackendMessageCode.BindComplete);
    }

    private void OnDescribe(TargetMessage message)
    {
        if (message.Kind == (byte)'S')
        {
            var statement = GetStatement(message.Name);
            BackendMessages.WriteParameterDescription(_out, statement.ParameterTypeOids);
            WriteRowDescriptionOrNoData(statement.Fields);
        }
        else
        {
            WriteRowDescriptionOrNoData(GetPortal(message.Name).Fields);
        }
    }

    private void OnClose(TargetMessage message)
    {
        if (message.Kind == (byte)'S')
        {
            if (_statements.Remove(message.Name, out var statement))
            {
                // Closing a statement closes the portals built from it (PG docs: protocol-flow.html).
                List<string>? dependent = null;
                foreach (var (name, portal) in _portals)
                {
                    if (ReferenceEquals(portal.Statement, statement))
                    {
                        (dependent ??= []).Add(name);
                    }
                }

                foreach (var name in dependent ?? [])
                {
                    _portals.Remove(name, out var portal);
                    Handler.Close(portal!);
                }

                Handler.Close(statement);
            }
        }
        else if (_portals.Remove(message.Name, out var portal))
        {
            Handler.Close(portal);
        }

        BackendMessages.WriteEmpty(_out, BackendMessageCode.CloseComplete);
    }

    private async ValueTask OnSyncAsync()
    {
        _state = ConnectionState.Ready;
        await WriteReadyForQueryAsync();
    }

    private void WriteRowDescriptionOrNoData(PgField[]? fields)
    {
        if (fields is null)
        {
            BackendMessages.WriteEmpty(_out, BackendMessageCode.NoData);
        }
        else
        {
            BackendMessages.WriteRowDescription(_out, fields);
        }
    }

    private PgPreparedStatement GetStatement(string name) =>
        _statements.TryGetValue(name, out var statement)
            ? statement
            : throw new PgErrorException(SqlState.InvalidSqlStatementName,
                name.Length == 0 ? "unnamed prepared statement does not exist" : $"prepared statement \"{name}\" does not exist");

    private PgPortal GetPortal(string name) =>
        _portals.TryGetValue(name, out var portal)
            ? portal
            : throw new PgErrorException(SqlState.InvalidCursorName, $"portal \"{name}\" does not exist");

    /// <summary>Applies PG's rule: 0 codes = all text, 1 code = for all, N codes = one each (count checked by the caller).</summary>
    private static short[] Expand(short[] formats, int count)
    {
        CheckFormats(formats);
        if (formats.Length == count)
        {
            return formats;
        }

        var expanded = new short[count];
        if (formats.Length == 1)
        {
            Array.Fill(expanded, formats[0]);
        }

        return expanded;
    }

    private static void CheckFormats(short[] formats)
    {
        foreach (var format in formats)
        {
            if (format is not (PgFormatCode.Text or PgFormatCode.Binary))
            {
                throw new PgErrorException(SqlState.InvalidParameterValue, $"unsupported format code: {format}");
            }
        }
    }
}

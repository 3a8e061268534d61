using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using AnnSql.Wire.Errors;
using AnnSql.Wire.Handlers;

namespace AnnSql.Wire.Tests.Support;

public sealed class FakeHandlerFactory : IPgSessionHandlerFactory
{
    private readonly ConcurrentQueue<FakeHandler> _handlers = new();

    /// <summary>Applied to each new handler (scripts the test's behaviour).</summary>
    public Action<FakeHandler>? Configure { get; set; }

    public IReadOnlyList<FakeHandler> Handlers => _handlers.ToArray();

    public IPgSessionHandler Create(PgStartupInfo startup)
    {
        var handler = new FakeHandler(startup);
        Configure?.Invoke(handler);
        _handlers.Enqueue(handler);
        return handler;
    }
}

/// <summary>
/// A scripted session handler. Defaults: "SELECT ..." returns one int4 column with value 1 (or $1 when given), "fail..."
/// is a 42601 syntax error, "boom" throws a plain exception, an empty query gets EmptyQueryResponse.
/// </summary>
public sealed partial class FakeHandler(PgStartupInfo startup) : IPgSessionHandler
{
    public static readonly PgField IntColumn = new("?column?", 0, 0, 23, 4, -1, 0);

    private int _cancels;

    public PgStartupInfo StartupInfo { get; } = startup;

    public ConcurrentQueue<string> Calls { get; } = new();

    public int CancelCount => Volatile.Read(ref _cancels);

    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Disposed { get; private set; }

    public char TransactionStatus { get; set; } = 'I';

    public PgError? StartupError { get; set; }

    public Func<string, IPgResponder, CancellationToken, ValueTask>? OnQuery { get; set; }

    public Func<PgPortal, int, IPgResponder, CancellationToken, ValueTask>? OnExecute { get; set; }

    public List<KeyValuePair<string, string>> ParameterStatuses { get; } =
    [
        new("server_version", "15.20"),
        new("client_encoding", "UTF8"),
        new("DateStyle", "ISO, MDY"),
    ];

    public ValueTask<IReadOnlyList<KeyValuePair<string, string>>> StartupAsync(CancellationToken ct)
    {
        Calls.Enqueue("Startup");
        if (StartupError is { } error)
        {
            throw new PgErrorException(error);
        }

        return ValueTask.FromResult<IReadOnlyList<KeyValuePair<string, string>>>(ParameterStatuses);
    }

    public async ValueTask SimpleQueryAsync(string sql, IPgResponder responder, CancellationToken ct)
    {
        Calls.Enqueue("Query " + sql);
        if (OnQuery is not null)
        {
            await OnQuery(sql, responder, ct);
            return;
        }

        var trimmed = sql.Trim().Trim(';').Trim();
        if (trimmed.Length == 0)
        {
            responder.WriteEmptyQueryResponse();
        }
        else if (trimmed.StartsWith("fail", StringComparison.Ordinal))
        {
            throw new PgErrorException(new PgError("ERROR", SqlState.SyntaxError, "syntax error at or near \"fail\"") { Position = 1 });
        }
        else if (trimmed == "boom")
        {
            throw new InvalidOperationException("boom");
        }
        else
        {
            responder.WriteRowDescription([IntColumn]);
            responder.BeginDataRow(1);
            responder.WriteField("1"u8);
            responder.EndDataRow();
            responder.WriteCommandComplete("SELECT 1");
        }
    }

    public PgPreparedStatement Parse(string statementName, string sql, ReadOnlySpan<uint> parameterTypeOids)
    {
        Calls.Enqueue($"Parse {statementName}");
        if (sql.StartsWith("fail", StringComparison.Ordinal))
        {
            throw new PgErrorException(new PgError("ERROR", SqlState.SyntaxError, "syntax error at or near \"fail\"") { Position = 1 });
        }

        var count = ParameterRegex().Matches(sql).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0).Max();
        var oids = new uint[Math.Max(count, parameterTypeOids.Length)];
        for (var i = 0; i < oids.Length; i++)
        {
            oids[i] = i < parameterTypeOids.Length && parameterTypeOids[i] != 0 ? parameterTypeOids[i] : 25;
        }

        PgField[]? fields = sql.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase) ? [IntColumn] : null;
        return new PgPreparedStatement(statementName, sql, oids, fields);
    }

    public PgPortal Bind(string portalName, PgPreparedStatement statement, PgBindParameters parameters)
    {
        Calls.Enqueue($"Bind {portalName} {statement.Name}");
        foreach (var value in parameters.Values)
        {
            if (value is { } v && v.Span.SequenceEqual("bad"u8))
            {
                throw new PgErrorException(SqlState.InvalidTextRepresentation, "invalid input syntax for type integer: \"bad\"");
            }
        }

        return new PgPortal(portalName, statement, parameters.ApplyResultFormats(statement.Fields)) { State = parameters };
    }

    public async ValueTask ExecuteAsync(PgPortal portal, int maxRows, IPgResponder responder, CancellationToken ct)
    {
        Calls.Enqueue($"Execute {portal.Name}");
        if (OnExecute is not null)
        {
            await OnExecute(portal, maxRows, responder, ct);
            return;
        }

        if (portal.Fields is null)
        {
            responder.WriteCommandComplete(portal.Statement.Sql.Split(' ')[0].ToUpperInvariant());
            return;
        }

        var parameters = (PgBindParameters)portal.State!;
        responder.BeginDataRow(1);
        if (parameters.Values.Length > 0)
        {
            if (parameters.Values[0] is { } value)
            {
                responder.WriteField(value.Span);
            }
            else
            {
                responder.WriteNull();
            }
        }
        else if (portal.Fields[0].FormatCode == 1)
        {
            var writer = responder.BeginField();
            BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), 1);
            writer.Advance(4);
            responder.EndField();
        }
        else
        {
            responder.WriteField(Encoding.ASCII.GetBytes("1"));
        }

        responder.EndDataRow();
        responder.WriteCommandComplete("SELECT 1");
    }

    public void Close(PgPreparedStatement statement) => Calls.Enqueue($"CloseStatement {statement.Name}");

    public void Close(PgPortal portal) => Calls.Enqueue($"ClosePortal {portal.Name}");

    public void Cancel()
    {
        Interlocked.Increment(ref _cancels);
        Cancelled.TrySetResult();
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex ParameterRegex();
}

using System.Buffers;
using System.Diagnostics;
using System.Text;
using AnnSql.Host.Telemetry;
using AnnSql.Sql;
using AnnSql.Sql.Ast;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Session;
using AnnSql.Sql.Types;
using AnnSql.Wire.Errors;
using AnnSql.Wire.Handlers;
using SqlState = AnnSql.Sql.Errors.SqlState;

namespace AnnSql.Host.Adapters;

/// <summary>
/// The glue between the protocol and the engine for one connection: simple and extended queries become
/// <see cref="SqlSession"/> calls; values cross as PostgreSQL text or binary through the engine's type I/O; engine errors
/// become ErrorResponses with their SQLSTATE and 1-based position.
/// </summary>
public sealed class SqlSessionHandler(Database database, PgStartupInfo startup) : IPgSessionHandler
{
    private readonly SqlSession _session = database.CreateSession(startup.User, startup.Database);
    private CancellationTokenSource? _running;

    public char TransactionStatus => _session.TransactionStatus;

    public ValueTask<IReadOnlyList<KeyValuePair<string, string>>> StartupAsync(CancellationToken ct)
    {
        _session.ProcessId = startup.ProcessId;
        _session.Settings.SetSessionDefault("application_name", startup.ApplicationName ?? "");
        _session.Settings.SetSessionDefault("server_version", database.Options.ServerVersion);
        _session.Settings.PendingReports.Clear();
        IReadOnlyList<KeyValuePair<string, string>> reports = [.. _session.Settings.StartupReports()];
        return ValueTask.FromResult(reports);
    }

    public async ValueTask SimpleQueryAsync(string sql, IPgResponder responder, CancellationToken ct)
    {
        IReadOnlyList<Statement> statements;
        long started = Stopwatch.GetTimestamp();
        try
        {
            statements = SqlSession.Parse(sql);
        }
        catch (SqlException e)
        {
            QueryMetrics.Failed(sql, Stopwatch.GetElapsedTime(started).TotalSeconds);
            _session.MarkFailed();
            throw ToPg(e);
        }

        if (statements.Count == 1 && statements[0] is EmptyStatement)
        {
            responder.WriteEmptyQueryResponse();
            return;
        }

        foreach (var statement in statements)
        {
            string text = sql.Substring(statement.Position, Math.Min(statement.Length, sql.Length - statement.Position));
            started = Stopwatch.GetTimestamp();
            bool analyzed = false;
            try
            {
                var prepared = _session.Prepare(statement, text, []);
                analyzed = true;
                await RunAsync(prepared, [], responder, null, writeDescription: true, ct);
            }
            catch (SqlException e)
            {
                if (!analyzed)
                {
                    // RunAsync counts the statements that ran; this one failed in parse analysis.
                    QueryMetrics.Failed(text, Stopwatch.GetElapsedTime(started).TotalSeconds);
                }

                _session.MarkFailed();
                responder.WriteError(ToPg(e).Error);
                return;
            }
            finally
            {
                _session.ReleaseSnapshot();
            }
        }
    }

    public PgPreparedStatement Parse(string statementName, string sql, ReadOnlySpan<uint> parameterTypeOids)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            var statements = SqlSession.Parse(sql);
            if (statements.Count > 1)
            {
                throw new SqlException(SqlState.SyntaxError, "cannot insert multiple commands into a prepared statement");
            }

            var prepared = _session.Prepare(statements[0], sql, parameterTypeOids.ToArray());
            prepared.ResultDescribed = true;
            var fields = prepared.Columns is null ? null : TextFields(prepared.Columns);
            return new PgPreparedStatement(statementName, sql, prepared.ParameterTypes.Select(t => t.TypeOid).ToArray(), fields) { State = prepared };
        }
        catch (SqlException e)
        {
            QueryMetrics.Failed(sql, Stopwatch.GetElapsedTime(started).TotalSeconds);
            _session.MarkFailed();
            throw ToPg(e);
        }
    }

    public PgPortal Bind(string portalName, PgPreparedStatement statement, PgBindParameters parameters)
    {
        var prepared = (PreparedStatement)statement.State!;
        try
        {
            var values = new object?[parameters.Values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                if (parameters.Values[i] is not { } bytes)
                {
                    continue;
                }

                var type = i < prepared.ParameterTypes.Length ? prepared.ParameterTypes[i] : SqlType.Text;
                values[i] = parameters.ParameterFormats[i] == 1
                    ? TypeIO.ReceiveBinary(bytes.Span, type)
                    : TypeIO.ParseText(Encoding.UTF8.GetString(bytes.Span), type);
            }

            var fields = parameters.ApplyResultFormats(statement.Fields);
            return new PgPortal(portalName, statement, fields) { State = values };
        }
        catch (SqlException e)
        {
            _session.MarkFailed();
            throw ToPg(e);
        }
    }

    public async ValueTask ExecuteAsync(PgPortal portal, int maxRows, IPgResponder responder, CancellationToken ct)
    {
        var prepared = (PreparedStatement)portal.Statement.State!;
        try
        {
            await RunAsync(prepared, (object?[])portal.State!, responder, portal.Fields, writeDescription: false, ct);
        }
        catch (SqlException e)
        {
            _session.MarkFailed();
            throw ToPg(e);
        }
        finally
        {
            // Every row of the portal has been written (maxRows is treated as 0), so its snapshot is no longer needed.
            _session.ReleaseSnapshot();
        }
    }

    /// <summary>
    /// Executes and writes the result; a CancelRequest stops the statement until its last row is written, since rows are
    /// produced while they are written.
    /// </summary>
    private async ValueTask RunAsync(PreparedStatement prepared, object?[] values, IPgResponder responder, PgField[]? portalFields,
        bool writeDescription, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _running = cts;
        _session.NoticeSink = async (message, token) =>
        {
            responder.WriteNotice(PgError.Notice(message));
            await responder.FlushAsync(token);
        };
        long started = Stopwatch.GetTimestamp();
        bool completed = false;
        try
        {
            StatementResult result;
            try
            {
                result = await _session.ExecuteAsync(prepared, values, cts.Token);
            }
            finally
            {
                _session.NoticeSink = null;
            }

            var (tag, rows) = await WriteResultAsync(result, responder, portalFields, writeDescription, ct);
            completed = true;
            QueryMetrics.Completed(tag, rows, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new SqlException(SqlState.QueryCanceled, "canceling statement due to user request");
        }
        finally
        {
            _running = null;
            if (!completed)
            {
                QueryMetrics.Failed(prepared.Sql, Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        }
    }

    /// <summary>Writes the result's messages; returns the command tag sent and the rows returned.</summary>
    private async ValueTask<(string Tag, long Rows)> WriteResultAsync(StatementResult result, IPgResponder responder, PgField[]? portalFields, bool writeDescription, CancellationToken ct)
    {
        foreach (var notice in result.Notices)
        {
            responder.WriteNotice(PgError.Notice(notice));
        }

        if (result.CopyIn is { } copyIn)
        {
            short format = copyIn.Format == CopyFormat.Binary ? (short)1 : (short)0;
            var formats = Enumerable.Repeat(format, copyIn.Columns.Count).ToArray();
            var reader = await responder.BeginCopyInAsync(format, formats, ct);
            while (await reader.ReadAsync(ct) is { } chunk)
            {
                copyIn.Write(chunk.Span);
            }

            string copyTag = await copyIn.CompleteAsync(ct);
            responder.WriteCommandComplete(copyTag);
            return (copyTag, 0);
        }

        if (result.BaseBackup is { } backup)
        {
            await using (backup)
            {
                // PostgreSQL's walsender answers BASE_BACKUP with a CopyOutResponse too; the archive is one binary stream.
                responder.BeginCopyOut(1, []);
                var stream = new CopyDataStream(responder);
                try
                {
                    await backup.WriteAsync(stream, ct);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    // Ends the COPY with an ErrorResponse: the client never takes a cut-off stream for a whole archive.
                    throw new SqlException(SqlState.IoError, "base backup failed: " + e.Message);
                }
            }

            responder.EndCopyOut();
            string backupTag = result.Tag(0);
            responder.WriteCommandComplete(backupTag);
            return (backupTag, 0);
        }

        if (result.CopyOut is { } copyOut)
        {
            short format = copyOut.Format == CopyFormat.Binary ? (short)1 : (short)0;
            responder.BeginCopyOut(format, Enumerable.Repeat(format, copyOut.Columns.Count).ToArray());
            var prologue = copyOut.Prologue();
            var buffer = new ArrayBufferWriter<byte>(1024);
            long n = 0;
            foreach (var row in copyOut.Rows)
            {
                buffer.ResetWrittenCount();
                if (n == 0 && prologue.Length > 0)
                {
                    buffer.Write(prologue);
                }

                copyOut.EncodeRow(row, buffer);
                responder.WriteCopyData(buffer.WrittenSpan);
                n++;
            }

            if (n == 0 && prologue.Length > 0)
            {
                responder.WriteCopyData(prologue);
            }

            if (copyOut.Epilogue() is { Length: > 0 } epilogue)
            {
                responder.WriteCopyData(epilogue);
            }

            responder.EndCopyOut();
            string copyOutTag = result.Tag(n);
            responder.WriteCommandComplete(copyOutTag);
            return (copyOutTag, n);
        }

        long rows = 0;
        if (result.Columns is { } columns && result.Rows is { } data)
        {
            var fields = portalFields ?? TextFields(columns);
            if (writeDescription)
            {
                responder.WriteRowDescription(fields);
            }

            foreach (var row in data)
            {
                responder.BeginDataRow(row.Length);
                for (int i = 0; i < row.Length; i++)
                {
                    if (row[i] is not { } value)
                    {
                        responder.WriteNull();
                        continue;
                    }

                    var writer = responder.BeginField();
                    if (i < fields.Length && fields[i].FormatCode == 1)
                    {
                        TypeIO.SendBinary(value, columns[i].Type, writer);
                    }
                    else
                    {
                        TypeIO.FormatText(value, columns[i].Type, writer);
                    }

                    responder.EndField();
                }

                responder.EndDataRow();
                if (++rows % 4096 == 0)
                {
                    await responder.FlushAsync(ct);
                }
            }
        }

        foreach (var (name, value) in _session.Settings.PendingReports)
        {
            responder.WriteParameterStatus(name, value);
        }

        _session.Settings.PendingReports.Clear();
        string tag = result.Tag(rows);
        responder.WriteCommandComplete(tag);
        return (tag, rows);
    }

    /// <summary>RowDescription fields in text format (Bind's result formats are applied by Wire).</summary>
    private static PgField[] TextFields(IReadOnlyList<OutputColumn> columns) =>
        columns.Select((c, i) => new PgField(c.Name, c.TableOid, c.AttributeNumber, c.Type.TypeOid, c.Type.TypeLength,
            c.Type.IsVector || c.Type.Kind is SqlTypeKind.Bit or SqlTypeKind.VarBit || c.Type.Kind is SqlTypeKind.Varchar or SqlTypeKind.Char or SqlTypeKind.Numeric ? c.Type.Modifier : -1,
            PgFormatCode.Text)).ToArray();

    private static PgErrorException ToPg(SqlException e) => new(new PgError(e.Severity, e.SqlState, e.Message)
    {
        Detail = e.Detail,
        Hint = e.Hint,
        Position = e.Position >= 0 ? e.Position + 1 : null,
        SchemaName = e.SchemaName,
        TableName = e.TableName,
        ColumnName = e.ColumnName,
        ConstraintName = e.ConstraintName,
    });

    public void Close(PgPreparedStatement statement)
    {
    }

    public void Close(PgPortal portal)
    {
    }

    public void Cancel() => _running?.Cancel();

    public ValueTask DisposeAsync()
    {
        _session.Dispose();
        return ValueTask.CompletedTask;
    }
}

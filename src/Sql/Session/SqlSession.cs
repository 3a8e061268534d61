using AnnSql.Sql.Ast;
using AnnSql.Sql.Binding;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Parsing;
using AnnSql.Sql.Transactions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Session;

/// <summary>
/// One client session: settings, the current transaction (explicit or none), prepared statements created with PREPARE, and
/// statement execution. Not thread-safe: a connection runs one statement at a time.
/// </summary>
public sealed partial class SqlSession : IDisposable
{
    private readonly Dictionary<string, PreparedStatement> _sqlPrepared = new(StringComparer.Ordinal);

    internal SqlSession(Database database, string user, string databaseName, int id)
    {
        Database = database;
        User = user;
        DatabaseName = databaseName;
        ProcessId = id;
        SessionId = id;
        Settings.SetSessionDefault("session_authorization", user);
        Settings.PendingReports.Clear();
    }

    public Database Database { get; }

    public string User { get; }

    public string DatabaseName { get; }

    /// <summary>This session's number within its database (unique while the database runs).</summary>
    public int SessionId { get; }

    /// <summary>
    /// The oldest snapshot this session may still read with (0 for none): taken by its first statement and kept until
    /// <see cref="ReleaseSnapshot"/> runs outside a transaction block. Guarded by the database's snapshot lock.
    /// </summary>
    internal long HeldSnapshot { get; set; }

    /// <summary>The backend process id reported in BackendKeyData and by pg_backend_pid().</summary>
    public int ProcessId { get; set; }

    public SessionSettings Settings { get; } = new();

    /// <summary>
    /// Sends a NoticeResponse while a statement is still running (e.g. index build progress); null when the caller
    /// cannot, and then notices are sent with the statement's result.
    /// </summary>
    public Func<string, CancellationToken, ValueTask>? NoticeSink { get; set; }

    /// <summary>The open transaction block, or null in autocommit mode.</summary>
    public Transaction? Transaction { get; private set; }

    public DateTime TransactionTimestamp { get; private set; } = DateTime.UtcNow;

    public DateTime StatementTimestamp { get; private set; } = DateTime.UtcNow;

    /// <summary>ReadyForQuery status: 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block.</summary>
    public char TransactionStatus => Transaction is null ? 'I' : Transaction.Failed ? 'E' : 'T';

    /// <summary>Parses a query string into statements (42601 with position on a syntax error).</summary>
    public static IReadOnlyList<Statement> Parse(string sql) => SqlParser.ParseScript(sql);

    /// <summary>
    /// Binds a statement: infers parameter types (declared OIDs, 0 = infer) and computes result columns; plans queries.
    /// </summary>
    public PreparedStatement Prepare(Statement statement, string sql, IReadOnlyList<uint> parameterOids)
    {
        var prepared = new PreparedStatement(statement, sql);
        var declared = parameterOids.Select(TypeForOid).ToArray();
        Bind(prepared, declared);
        return prepared;
    }

    private static SqlType TypeForOid(uint oid)
    {
        if (oid == 0)
        {
            return SqlType.Unknown;
        }

        return Catalog.System.SystemCatalog.AllTypes.FirstOrDefault(t => t.TypeOid == oid) ?? SqlType.Unknown;
    }

    private void Bind(PreparedStatement prepared, SqlType[] declared)
    {
        var catalog = Database.Catalog;
        var binder = new Binder(this, catalog, declared);
        switch (prepared.Statement)
        {
            case SelectStatement select:
                prepared.Plan = binder.BindQuery(select, null);
                prepared.Columns = prepared.Plan.Columns;
                break;
            case InsertStatement or UpdateStatement or DeleteStatement:
                prepared.Columns = BindDml(binder, prepared.Statement);
                break;
            case ExplainStatement:
                prepared.Columns = [new OutputColumn("QUERY PLAN", SqlType.Text)];
                break;
            case ShowStatement show:
                prepared.Columns = show.Name == "all"
                    ? [new OutputColumn("name", SqlType.Text), new OutputColumn("setting", SqlType.Text), new OutputColumn("description", SqlType.Text)]
                    : [new OutputColumn(SessionSettings.Canonical(show.Name), SqlType.Text)]; // SHOW datestyle is headed DateStyle
                break;
            case ExecuteStatement exec:
                prepared.Columns = _sqlPrepared.TryGetValue(exec.Name, out var target) ? target.Columns : null;
                break;
        }

        prepared.ParameterTypes = binder.ParameterTypes;
        prepared.BoundCatalog = catalog;
    }

    /// <summary>
    /// Executes a prepared statement with parameter values (already converted to <see cref="PreparedStatement.ParameterTypes"/>).
    /// In autocommit mode a writing statement commits (durably) before this returns.
    /// </summary>
    public async ValueTask<StatementResult> ExecuteAsync(PreparedStatement prepared, object?[] parameters, CancellationToken ct)
    {
        StatementTimestamp = DateTime.UtcNow;
        if (Transaction is null)
        {
            TransactionTimestamp = StatementTimestamp;
        }

        if (Transaction is { Failed: true } && prepared.Statement is not TransactionStatement { Action: TransactionAction.Rollback or TransactionAction.Commit or TransactionAction.RollbackToSavepoint })
        {
            throw new SqlException(SqlState.InFailedSqlTransaction, "current transaction is aborted, commands ignored until end of transaction block");
        }

        // The snapshot is taken before the catalog is compared, so a statement planned against a table's old row layout
        // holds a snapshot from before the ALTER TABLE that replaced it, which keeps the old rows readable.
        long snapshot = Database.TakeSnapshot(this);
        try
        {
            if (!ReferenceEquals(prepared.BoundCatalog, Database.Catalog) && prepared.Statement is SelectStatement or InsertStatement or UpdateStatement or DeleteStatement)
            {
                // A client that holds the old row description (Describe) must not be sent rows that do not match it: as
                // PostgreSQL does, refuse a plan whose result columns changed.
                var described = prepared.Columns;
                Bind(prepared, prepared.ParameterTypes);
                if (prepared.ResultDescribed && described is not null && !SameResultType(described, prepared.Columns))
                {
                    throw new SqlException(SqlState.FeatureNotSupported, "cached plan must not change result type");
                }
            }

            var context = new QueryContext(this, parameters, snapshot, ct);
            return await ExecuteStatementAsync(prepared, context, ct);
        }
        catch
        {
            MarkFailed();
            throw;
        }
    }

    /// <summary>
    /// Says that the rows of the statements run so far have been consumed. Outside a transaction block this releases the
    /// session's snapshot, so the versions only it kept can be vacuumed; inside one, the block keeps its first snapshot
    /// until it ends.
    /// </summary>
    public void ReleaseSnapshot()
    {
        if (Transaction is null && HeldSnapshot != 0)
        {
            Database.ReleaseSnapshot(this);
        }
    }

    private static bool SameResultType(IReadOnlyList<OutputColumn> a, IReadOnlyList<OutputColumn>? b) =>
        b is not null && a.Count == b.Count && a.Zip(b).All(p => p.First.Type == p.Second.Type);

    /// <summary>Ends the session: rolls back its open transaction, releases its snapshot and forgets it.</summary>
    public void Dispose()
    {
        if (Transaction is { } open)
        {
            Transaction = null;
            Database.Rollback(open);
        }

        Database.ReleaseSnapshot(this);
        Database.EndSession(this);
    }

    /// <summary>
    /// Records that the current statement failed: an explicit transaction becomes failed (25P02 until ROLLBACK). As in
    /// PostgreSQL, which aborts the transaction at the error, its row locks are released at once, so a transaction waiting
    /// for them (the other side of a deadlock) goes on; with a savepoint to roll back to, they are kept until it ends.
    /// </summary>
    public void MarkFailed()
    {
        if (Transaction is { } txn)
        {
            txn.Failed = true;
            if (!txn.HasSavepoints)
            {
                Database.Rollback(txn);
            }
        }
    }

    /// <summary>Sends <paramref name="message"/> now through <see cref="NoticeSink"/>, or queues it with the result.</summary>
    private async ValueTask NoticeAsync(string message, List<string> queued, CancellationToken ct)
    {
        if (NoticeSink is { } sink)
        {
            await sink(message, ct);
        }
        else
        {
            queued.Add(message);
        }
    }

    /// <summary>Drops everything a pooled connection must forget (DISCARD ALL).</summary>
    private void DiscardAll()
    {
        if (Transaction is not null)
        {
            throw new SqlException(SqlState.ActiveSqlTransaction, "DISCARD ALL cannot run inside a transaction block");
        }

        _sqlPrepared.Clear();
        Settings.ResetAll();
        Settings.PendingReports.Clear();
    }

    /// <summary>Runs <paramref name="work"/> in the open transaction, or in an implicit one committed at the end.</summary>
    private async ValueTask<T> InTransactionAsync<T>(Func<Transaction, T> work, CancellationToken ct)
    {
        if (Transaction is not null)
        {
            return work(Transaction);
        }

        var implicitTxn = new Transaction(isExplicit: false);
        T result;
        try
        {
            result = work(implicitTxn);
        }
        catch
        {
            Database.Rollback(implicitTxn);
            throw;
        }

        await Database.CommitAsync(implicitTxn, ct);
        return result;
    }
}

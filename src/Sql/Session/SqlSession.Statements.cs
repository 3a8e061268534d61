using System.Globalization;
using AnnSql.Sql.Ast;
using AnnSql.Sql.Binding;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Execution.Plan;
using AnnSql.Sql.Parsing;
using AnnSql.Sql.Transactions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Session;

public sealed partial class SqlSession
{
    private async ValueTask<StatementResult> ExecuteStatementAsync(PreparedStatement prepared, QueryContext ctx, CancellationToken ct)
    {
        switch (prepared.Statement)
        {
            case SelectStatement:
                var plan = prepared.Plan!;
                return new StatementResult
                {
                    Columns = plan.Columns,
                    Rows = plan.Execute(ctx, null),
                    Tag = n => "SELECT " + n.ToString(CultureInfo.InvariantCulture),
                };
            case InsertStatement or UpdateStatement or DeleteStatement:
                return await ExecuteDmlAsync(prepared, ctx, ct);
            case CopyStatement copy:
                return await ExecuteCopyAsync(copy, ctx, ct);
            case TransactionStatement t:
                return await ExecuteTransactionAsync(t, ct);
            case CreateTableStatement create:
                return await CreateTableAsync(create, ct);
            case DropStatement drop:
                return await DropAsync(drop, ct);
            case CreateIndexStatement index:
                return await CreateIndexAsync(index, ct);
            case CreateExtensionStatement ext:
                return await CreateExtensionAsync(ext, ct);
            case CreateDatabaseStatement db:
                await Database.ChangeCatalogAsync(c => c.Databases.Contains(db.Name)
                    ? throw new SqlException(SqlState.DuplicateDatabase, $"database \"{db.Name}\" already exists")
                    : CatalogChange.Of(c with { Databases = c.Databases.Add(db.Name) }), ct);
                return StatementResult.Command("CREATE DATABASE");
            case CreateSchemaStatement schema:
                if (schema.Name is "public" or "pg_catalog" && !schema.IfNotExists)
                {
                    throw new SqlException(SqlState.DuplicateObject.Replace("710", "P06", StringComparison.Ordinal), $"schema \"{schema.Name}\" already exists");
                }

                return StatementResult.Command("CREATE SCHEMA");
            case TruncateStatement truncate:
                var oids = truncate.Tables.Select(n => RequireTable(n).Oid).ToList();
                await Database.ChangeCatalogAsync(c => new CatalogChange(c, oids), ct);
                return StatementResult.Command("TRUNCATE TABLE");
            case SetStatement set:
                return ExecuteSet(set);
            case ResetStatement reset:
                if (reset.Name is null)
                {
                    Settings.ResetAll();
                }
                else
                {
                    Settings.Set(reset.Name, null);
                }

                return StatementResult.Command("RESET");
            case ShowStatement show:
                return ExecuteShow(show, prepared);
            case DiscardStatement discard:
                if (discard.What == "all")
                {
                    DiscardAll();
                }

                return StatementResult.Command("DISCARD " + discard.What.ToUpperInvariant());
            case CloseStatement close:
                return close.Name is null
                    ? StatementResult.Command("CLOSE CURSOR ALL")
                    : throw new SqlException(SqlState.InvalidCursorName, $"cursor \"{close.Name}\" does not exist");
            case UnlistenStatement:
                return StatementResult.Command("UNLISTEN");
            case DeallocateStatement dealloc:
                if (dealloc.Name is null)
                {
                    _sqlPrepared.Clear();
                }
                else if (!_sqlPrepared.Remove(dealloc.Name))
                {
                    throw new SqlException(SqlState.InvalidSqlStatementName, $"prepared statement \"{dealloc.Name}\" does not exist");
                }

                return StatementResult.Command(dealloc.Name is null ? "DEALLOCATE ALL" : "DEALLOCATE");
            case PrepareStatement prep:
                if (_sqlPrepared.ContainsKey(prep.Name))
                {
                    throw new SqlException(SqlState.DuplicatePreparedStatement, $"prepared statement \"{prep.Name}\" already exists");
                }

                var declared = prep.ParameterTypes.Select(TypeNames.Resolve).Select(t => t.TypeOid).ToArray();
                _sqlPrepared[prep.Name] = Prepare(prep.Inner, prepared.Sql, declared);
                return StatementResult.Command("PREPARE");
            case ExecuteStatement exec:
                {
                    if (!_sqlPrepared.TryGetValue(exec.Name, out var target))
                    {
                        throw new SqlException(SqlState.InvalidSqlStatementName, $"prepared statement \"{exec.Name}\" does not exist");
                    }

                    var binder = new Binder(this, Database.Catalog, []);
                    var scope = new Scope(null);
                    var values = exec.Arguments.Select((a, i) =>
                    {
                        var e = binder.Coerce(binder.BindExpr(a, scope, target.ParameterTypes[i]), target.ParameterTypes[i], a.Position);
                        return e.Eval(new EvalContext(ctx, null));
                    }).ToArray();
                    return await ExecuteAsync(target, values, ct);
                }

            case ExplainStatement explain:
                return await ExplainAsync(explain, prepared, ctx, ct);
            case VacuumStatement v:
                {
                    var vacuumed = v.Tables.Select(t => RequireTable(t).Oid).ToArray();
                    if (v.AnalyzeOnly)
                    {
                        return StatementResult.Command("ANALYZE");
                    }

                    if (Transaction is not null)
                    {
                        throw new SqlException(SqlState.ActiveSqlTransaction, "VACUUM cannot run inside a transaction block");
                    }

                    // The statement's own snapshot is not needed: let the vacuum horizon move past it.
                    ReleaseSnapshot();
                    await Task.Run(() => Database.Vacuum(consolidate: true, vacuumed.Length > 0 ? vacuumed : null), ct);
                    return StatementResult.Command("VACUUM");
                }

            case CheckpointStatement:
                await Database.CheckpointAsync(ct);
                return StatementResult.Command("CHECKPOINT");
            case BaseBackupStatement backup:
                return await StartBaseBackupAsync(backup, ct);
            case LockTableStatement lk:
                if (Transaction is null)
                {
                    throw new SqlException(SqlState.NoActiveSqlTransaction, "LOCK TABLE can only be used in transaction blocks");
                }

                foreach (var t in lk.Tables)
                {
                    RequireTable(t);
                }

                return StatementResult.Command("LOCK TABLE");
            case ReindexStatement reindex:
                await ReindexAsync(reindex, ct);
                return StatementResult.Command("REINDEX");
            case AlterTableStatement alter:
                return await AlterTableAsync(alter, ctx, ct);
            case EmptyStatement:
                return StatementResult.Command("");
            default:
                throw new SqlException(SqlState.FeatureNotSupported, $"statement not supported: {prepared.Statement.GetType().Name}");
        }
    }

    /// <summary>
    /// REINDEX INDEX | TABLE: builds each named diskann index afresh from its table's rows and swaps it in; the old graph
    /// answers queries until then. Unique indexes are always exact, so there is nothing to rebuild for them.
    /// </summary>
    private async ValueTask ReindexAsync(ReindexStatement reindex, CancellationToken ct)
    {
        var catalog = Database.Catalog;
        uint tableOid;
        uint? indexOid = null;
        if (reindex.IsTable)
        {
            tableOid = RequireTable(reindex.Name).Oid;
        }
        else
        {
            var found = catalog.FindIndex(reindex.Name.Name)
                ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{reindex.Name}\" does not exist", reindex.Name.Position);
            tableOid = found.Table.Oid;
            indexOid = found.Index.Oid;
        }

        foreach (var index in Database.GetTable(tableOid).VectorIndexes)
        {
            if (indexOid is null || index.Info.Oid == indexOid)
            {
                long budget = Settings.GetBytes("maintenance_work_mem");
                await Task.Run(() => index.Build(Environment.ProcessorCount, null, ct, budget), ct);
                Database.RequestCheckpoint();
            }
        }
    }

    private TableInfo RequireTable(QualifiedName name) =>
        Database.Catalog.FindTable(name.Name, name.Schema)
        ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{name}\" does not exist", name.Position);

    private async ValueTask<StatementResult> ExecuteTransactionAsync(TransactionStatement t, CancellationToken ct)
    {
        switch (t.Action)
        {
            case TransactionAction.Begin:
                if (Transaction is not null)
                {
                    return new StatementResult { Tag = _ => "BEGIN", Notices = ["there is already a transaction in progress"] };
                }

                Transaction = new Transaction(isExplicit: true);
                TransactionTimestamp = DateTime.UtcNow;
                return StatementResult.Command("BEGIN");
            case TransactionAction.Commit:
                if (Transaction is null)
                {
                    return new StatementResult { Tag = _ => "COMMIT", Notices = ["there is no transaction in progress"] };
                }

                var txn = Transaction;
                Transaction = null;
                if (txn.Failed)
                {
                    Database.Rollback(txn);
                    return StatementResult.Command("ROLLBACK");
                }

                await Database.CommitAsync(txn, ct);
                return StatementResult.Command("COMMIT");
            case TransactionAction.Rollback:
                if (Transaction is null)
                {
                    return new StatementResult { Tag = _ => "ROLLBACK", Notices = ["there is no transaction in progress"] };
                }

                Database.Rollback(Transaction);
                Transaction = null;
                return StatementResult.Command("ROLLBACK");
            case TransactionAction.Savepoint:
                RequireBlock("SAVEPOINT").Savepoint(t.SavepointName!);
                return StatementResult.Command("SAVEPOINT");
            case TransactionAction.Release:
                if (!RequireBlock("RELEASE SAVEPOINT").Release(t.SavepointName!))
                {
                    throw new SqlException(SqlState.InvalidSavepointSpecification, $"savepoint \"{t.SavepointName}\" does not exist");
                }

                return StatementResult.Command("RELEASE");
            default:
                if (!RequireBlock("ROLLBACK TO SAVEPOINT").RollbackTo(t.SavepointName!))
                {
                    throw new SqlException(SqlState.InvalidSavepointSpecification, $"savepoint \"{t.SavepointName}\" does not exist");
                }

                return StatementResult.Command("ROLLBACK");
        }
    }

    private Transaction RequireBlock(string statement) =>
        Transaction ?? throw new SqlException(SqlState.NoActiveSqlTransaction, $"{statement} can only be used in transaction blocks");

    private StatementResult ExecuteSet(SetStatement set)
    {
        if (set.Name == "transaction" || set.Name == "session characteristics")
        {
            return StatementResult.Command("SET");
        }

        string? value = set.Values is null ? null : string.Join(", ", set.Values);
        if (set.Name == "session_authorization")
        {
            // Only the session user itself is a role AnnSql knows; DEFAULT returns to it.
            if (value is not null && value != User)
            {
                throw new SqlException(SqlState.UndefinedObject, $"role \"{value}\" does not exist");
            }

            Settings.Set(set.Name, User);
            return StatementResult.Command("SET");
        }

        if (set.Name.Equals("client_encoding", StringComparison.OrdinalIgnoreCase) && value is not null
            && !value.Replace("-", "", StringComparison.Ordinal).Equals("UTF8", StringComparison.OrdinalIgnoreCase))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"conversion between {value} and UTF8 is not supported");
        }

        Settings.Set(set.Name, value);
        return StatementResult.Command("SET");
    }

    private StatementResult ExecuteShow(ShowStatement show, PreparedStatement prepared)
    {
        if (show.Name == "all")
        {
            var rows = Settings.All.Select(s => new object?[] { s.Name, s.Value, s.Description }).ToList();
            return new StatementResult { Columns = prepared.Columns, Rows = rows, Tag = _ => "SHOW" };
        }

        var value = Settings.Get(show.Name, missingOk: false);
        return new StatementResult { Columns = prepared.Columns, Rows = [[value]], Tag = _ => "SHOW" };
    }

    private async ValueTask<StatementResult> ExplainAsync(ExplainStatement explain, PreparedStatement prepared, QueryContext ctx, CancellationToken ct)
    {
        if (explain.Inner is not SelectStatement select)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "EXPLAIN is supported for SELECT only");
        }

        var binder = new Binder(this, Database.Catalog, prepared.ParameterTypes);
        var plan = binder.BindQuery(select, null);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (explain.Analyze)
        {
            foreach (var _ in plan.Execute(ctx, null))
            {
                ct.ThrowIfCancellationRequested();
            }
        }

        else
        {
            plan.PrepareExplain(ctx);
        }

        var lines = new List<string>();
        plan.Explain(lines, 0, explain.Analyze);
        if (explain.Analyze)
        {
            if (ctx.DistanceComputations > 0)
            {
                lines.Add($"Distance Computations: {ctx.DistanceComputations}");
            }

            if (ctx.DeviceSearches > 0)
            {
                lines.Add($"Device Searches: {ctx.DeviceSearches}");
            }

            lines.Add(string.Create(CultureInfo.InvariantCulture, $"Execution Time: {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:F3} ms"));
        }

        await Task.CompletedTask;
        return new StatementResult { Columns = prepared.Columns, Rows = lines.Select(l => new object?[] { l }).ToList(), Tag = _ => "EXPLAIN" };
    }

    private async ValueTask<StatementResult> CreateExtensionAsync(CreateExtensionStatement ext, CancellationToken ct)
    {
        string name = ext.Name;
        if (name is not ("vector" or "vectorscale" or "pg_diskann" or "plpgsql"))
        {
            throw new SqlException("58P01", $"extension \"{name}\" is not available",
                detail: $"Could not open extension control file \"/usr/share/postgresql/15/extension/{name}.control\": No such file or directory.",
                hint: "The extension must first be installed on the system where PostgreSQL is running.");
        }

        bool exists = Database.Catalog.Extensions.Contains(name);
        if (exists && !ext.IfNotExists)
        {
            throw new SqlException(SqlState.DuplicateObject, $"extension \"{name}\" already exists");
        }

        if (exists)
        {
            return new StatementResult { Tag = _ => "CREATE EXTENSION", Notices = [$"extension \"{name}\" already exists, skipping"] };
        }

        await Database.ChangeCatalogAsync(c => CatalogChange.Of(c with { Extensions = c.Extensions.Add(name) }), ct);
        return StatementResult.Command("CREATE EXTENSION");
    }
}


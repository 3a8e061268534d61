using AnnSql.Sql.Ast;
using AnnSql.Sql.Binding;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Execution.Plan;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Session;

public sealed partial class SqlSession
{
    private async ValueTask<StatementResult> ExecuteCopyAsync(CopyStatement copy, QueryContext ctx, CancellationToken ct)
    {
        if (copy.FileName is not null)
        {
            throw new SqlException(SqlState.InsufficientPrivilege, "COPY to or from a file is not supported; use STDIN/STDOUT (psql's \\copy)",
                hint: "Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.");
        }

        var options = copy.Options;
        if (copy.BaseBackup is { } backup)
        {
            if (copy.IsFrom || options.Count > (options.ContainsKey("format") ? 1 : 0)
                || !options.GetValueOrDefault("format", "binary").Equals("binary", StringComparison.OrdinalIgnoreCase))
            {
                throw new SqlException(SqlState.FeatureNotSupported, "BASE_BACKUP can only be copied TO STDOUT, as a binary archive");
            }

            return await StartBaseBackupAsync(backup, ct);
        }

        var format = options.GetValueOrDefault("format", "text").ToLowerInvariant() switch
        {
            "binary" => CopyFormat.Binary,
            "csv" => CopyFormat.Csv,
            "text" => CopyFormat.Text,
            var f => throw new SqlException(SqlState.InvalidParameterValue, $"COPY format \"{f}\" not recognized"),
        };
        char delimiter = options.TryGetValue("delimiter", out var d) && d.Length > 0 ? d[0] : format == CopyFormat.Csv ? ',' : '\t';
        string nullText = options.GetValueOrDefault("null", format == CopyFormat.Csv ? "" : "\\N");
        bool header = options.TryGetValue("header", out var h) && h.ToLowerInvariant() is "true" or "on" or "1" or "" or "match";

        if (copy.IsFrom)
        {
            var table = RequireTable(copy.Table!);
            var ordinals = copy.Columns is null ? Enumerable.Range(0, table.Columns.Count).ToArray()
                : copy.Columns.Select(c => table.ColumnOrdinal(c) is int o and >= 0 ? o
                    : throw new SqlException(SqlState.UndefinedColumn, $"column \"{c}\" of relation \"{table.Name}\" does not exist")).ToArray();
            var columns = ordinals.Select(o => table.Columns[o]).ToList();
            var op = new CopyInOperation(format, columns, delimiter, nullText, header, async (rows, token) =>
                await InTransactionAsync(txn =>
                {
                    var pending = txn.For(table);
                    var runtime = Database.GetTable(table);
                    var defaults = new DefaultEvaluator(this, table, runtime, ctx);
                    foreach (var source in rows)
                    {
                        var row = new object?[table.Columns.Count];
                        var given = new bool[row.Length];
                        for (int i = 0; i < ordinals.Length; i++)
                        {
                            row[ordinals[i]] = source[i] is null ? null : Casts.ApplyModifier(source[i]!, table.Columns[ordinals[i]].Type);
                            given[ordinals[i]] = true;
                        }

                        for (int o = 0; o < row.Length; o++)
                        {
                            if (!given[o])
                            {
                                row[o] = defaults.Evaluate(o);
                            }
                        }

                        CheckNotNull(table, row);
                        if (FindConflict(runtime, pending, row, null) is { } c)
                        {
                            throw Database.UniqueViolation(table, c.Index, c.Index.KeyOf(row));
                        }

                        pending.Inserted.Add(row);
                    }

                    return (long)rows.Count;
                }, token));
            return new StatementResult { CopyIn = op, Tag = _ => "COPY" };
        }

        PlanNode plan;
        if (copy.Query is not null)
        {
            plan = new Binder(this, Database.Catalog, []).BindQuery(copy.Query, null);
        }
        else
        {
            var table = RequireTable(copy.Table!);
            var names = copy.Columns ?? table.Columns.Select(c => c.Name).ToList();
            var select = new SelectStatement(new SelectCore(false, names.Select(n => new SelectItem(new ColumnRef([n]), null)).ToList(),
                [new NamedTableRef(copy.Table!, null, null)], null, [], null), [], null, null);
            plan = new Binder(this, Database.Catalog, []).BindQuery(select, null);
        }

        await Task.CompletedTask;
        var outOp = new CopyOutOperation(format, plan.Columns, plan.Execute(ctx, null), delimiter, nullText, header);
        return new StatementResult { CopyOut = outOp, Tag = n => "COPY " + n.ToString(System.Globalization.CultureInfo.InvariantCulture) };
    }

    /// <summary>
    /// BASE_BACKUP (or COPY (BASE_BACKUP) TO STDOUT): checkpoints and pins a base backup for the caller to stream. As PostgreSQL's
    /// replication commands, it may not run inside a transaction block (25001).
    /// </summary>
    private async ValueTask<StatementResult> StartBaseBackupAsync(BaseBackupStatement backup, CancellationToken ct)
    {
        if (Transaction is not null)
        {
            throw new SqlException(SqlState.ActiveSqlTransaction, "BASE_BACKUP cannot run inside a transaction block");
        }

        // The backup reads files, not rows: let the vacuum horizon move on while it streams.
        ReleaseSnapshot();
        return new StatementResult
        {
            BaseBackup = await Database.StartBackupAsync(backup.Label ?? "base backup", ct),
            Tag = _ => "BASE_BACKUP",
        };
    }
}

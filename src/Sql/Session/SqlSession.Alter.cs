using AnnSql.Sql.Ast;
using AnnSql.Sql.Binding;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Session;

public sealed partial class SqlSession
{
    /// <summary>
    /// ALTER TABLE [IF EXISTS] t action, ...: applies every action, in PostgreSQL's order of passes
    /// (<see cref="TableAlteration.Pass"/>), to a working copy of the table's definition, then
    /// publishes the result as one catalog change (logged, so it survives a restart): all actions take effect together
    /// or, when one fails, none does. Actions that change the row layout (ADD/DROP COLUMN, TYPE) rewrite the rows into a
    /// new generation of the table (<see cref="TableAlteration"/>); the others change the catalog only. Messages and
    /// SQLSTATEs follow PostgreSQL 15 (tablecmds.c).
    /// </summary>
    private async ValueTask<StatementResult> AlterTableAsync(AlterTableStatement alter, QueryContext ctx, CancellationToken ct)
    {
        var notices = new List<string>();
        await Database.ChangeCatalogAsync(catalog =>
        {
            var table = catalog.FindTable(alter.Table.Name, alter.Table.Schema);
            if (table is null)
            {
                if (alter.IfExists)
                {
                    notices.Add($"relation \"{alter.Table.Name}\" does not exist, skipping");
                    return CatalogChange.Of(catalog);
                }

                // PostgreSQL reports no position here (the relation is looked up after parse analysis).
                throw new SqlException(SqlState.UndefinedTable, $"relation \"{alter.Table}\" does not exist");
            }

            var work = new TableAlteration(this, alter, catalog, table, Database.GetTable(table.Oid), ctx, notices);
            foreach (var action in alter.Actions.OrderBy(TableAlteration.Pass))
            {
                work.Apply(action);
            }

            var change = work.Finish(out var rewritePending);
            if (rewritePending is not null)
            {
                Transaction?.RewriteTable(table.Oid, rewritePending, table.Layout, table.Layout + 1);
            }

            return change;
        }, ct);
        return new StatementResult { Tag = _ => "ALTER TABLE", Notices = notices };
    }

    /// <summary>
    /// Whether PostgreSQL converts a <paramref name="from"/> value to <paramref name="to"/> in an assignment (an implicit or
    /// assignment cast exists), which ALTER COLUMN TYPE without USING requires: within the numbers, within the strings,
    /// anything to a string, between the date/time types, between the pgvector types, from numeric arrays to them and from
    /// vector and halfvec to real[].
    /// </summary>
    internal static bool AssignmentCastExists(SqlType from, SqlType to)
    {
        if (from.Kind == to.Kind && (from.Kind != SqlTypeKind.Array || from.Element!.Kind == to.Element!.Kind))
        {
            return true;
        }

        if (to.IsString || from.Kind == SqlTypeKind.Unknown)
        {
            return true;
        }

        if (from.IsNumeric && to.IsNumeric)
        {
            return true;
        }

        if (from.IsString && to.IsString)
        {
            return true;
        }

        static bool DateTime(SqlTypeKind k) => k is SqlTypeKind.Date or SqlTypeKind.Timestamp or SqlTypeKind.TimestampTz;
        if (DateTime(from.Kind) && DateTime(to.Kind))
        {
            return true;
        }

        if (from.Kind is SqlTypeKind.Bit or SqlTypeKind.VarBit && to.Kind is SqlTypeKind.Bit or SqlTypeKind.VarBit)
        {
            return true;
        }

        if (to.IsVector && (from.IsVector || (from.Kind == SqlTypeKind.Array && from.Element!.IsNumeric)))
        {
            return true;
        }

        // pgvector: vector and halfvec convert implicitly to real[].
        if (from.Kind is SqlTypeKind.Vector or SqlTypeKind.HalfVec && to.Kind == SqlTypeKind.Array && to.Element!.Kind == SqlTypeKind.Float4)
        {
            return true;
        }

        return from.Kind is SqlTypeKind.Json or SqlTypeKind.Jsonb && to.Kind is SqlTypeKind.Json or SqlTypeKind.Jsonb;
    }
}

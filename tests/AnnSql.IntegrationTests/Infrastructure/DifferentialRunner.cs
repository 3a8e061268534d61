using System.Globalization;
using System.Text;
using Npgsql;

namespace AnnSql.IntegrationTests.Infrastructure;

/// <summary>What one statement did on one server.</summary>
/// <param name="Compared">The part compared between servers: column names and type OIDs, rows as text, the command
/// affected-row count, or the SQLSTATE of an error.</param>
/// <param name="Detail">Extra text shown on a mismatch but not compared (the error message).</param>
/// <param name="ConnectionLost">Whether the connection is no longer usable after the statement.</param>
public sealed record DifferentialOutcome(string Compared, string Detail, bool ConnectionLost)
{
    public override string ToString() => Detail.Length == 0 ? Compared : Compared + "\n" + Detail;
}

/// <summary>
/// Runs one statement of the differential suite over Npgsql and describes its outcome. Every result column is asked
/// for in text format (<see cref="NpgsqlCommand.AllResultTypesAreUnknown"/>), so rows compare as the server's
/// own text output; the column types compare by the RowDescription type OID and Npgsql's name for it.
/// </summary>
public static class DifferentialRunner
{
    public static async Task<DifferentialOutcome> RunAsync(NpgsqlConnection conn, DifferentialStatement statement,
        CancellationToken cancellationToken)
    {
        try
        {
            if (statement.CopyData is not null)
            {
                await using (var writer = await conn.BeginTextImportAsync(statement.Sql, cancellationToken))
                {
                    await writer.WriteAsync(statement.CopyData);
                }

                return new DifferentialOutcome("COPY done", "", false);
            }

            if (DifferentialScript.IsCopyToStdout(statement.Sql))
            {
                using var reader = await conn.BeginTextExportAsync(statement.Sql, cancellationToken);
                var text = await reader.ReadToEndAsync(cancellationToken);
                return new DifferentialOutcome("COPY output:\n" + text, "", false);
            }

            return await QueryAsync(conn, statement, cancellationToken);
        }
        catch (PostgresException e)
        {
            return new DifferentialOutcome("ERROR " + e.SqlState, e.MessageText, conn.State != System.Data.ConnectionState.Open);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or NotSupportedException or IOException)
        {
            return new DifferentialOutcome("CLIENT " + e.GetType().Name, e.Message, conn.State != System.Data.ConnectionState.Open);
        }
    }

    private static async Task<DifferentialOutcome> QueryAsync(NpgsqlConnection conn, DifferentialStatement statement,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(statement.Sql, conn) { AllResultTypesAreUnknown = true };
        var text = new StringBuilder();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        {
            if (reader.FieldCount > 0)
            {
                text.Append("columns:");
                for (int i = 0; i < reader.FieldCount; i++)
                {
                    text.Append(' ').Append(reader.GetName(i)).Append(' ')
                        .Append(reader.GetDataTypeName(i)).Append('(')
                        .Append(reader.GetDataTypeOID(i).ToString(CultureInfo.InvariantCulture)).Append(')');
                }

                text.Append('\n');
            }

            var rows = new List<string>();
            while (await reader.ReadAsync(cancellationToken))
            {
                var fields = new string[reader.FieldCount];
                for (int i = 0; i < fields.Length; i++)
                {
                    fields[i] = reader.IsDBNull(i) ? "NULL" : reader.GetString(i);
                }

                rows.Add(string.Join('|', fields));
            }

            if (statement.RowSort)
            {
                rows.Sort(StringComparer.Ordinal);
            }

            foreach (var row in rows)
            {
                text.Append("  ").Append(row).Append('\n');
            }
        }

        await reader.CloseAsync();
        text.Append("affected ").Append(reader.RecordsAffected.ToString(CultureInfo.InvariantCulture));
        return new DifferentialOutcome(text.ToString(), "", false);
    }
}

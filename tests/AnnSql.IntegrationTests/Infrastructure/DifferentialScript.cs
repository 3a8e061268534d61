using System.Text;

namespace AnnSql.IntegrationTests.Infrastructure;

/// <summary>One statement of a differential SQL file.</summary>
/// <param name="Line">1-based line of the statement's first line in its file.</param>
/// <param name="Sql">The statement text, without the terminating semicolon.</param>
/// <param name="CopyData">For <c>COPY ... FROM STDIN</c>: the data lines up to <c>\.</c>, each ending in a newline; otherwise null.</param>
/// <param name="Differs">The reason given by a <c>-- differs:</c> annotation, or null when the results must match.</param>
/// <param name="RowSort">Whether a <c>-- rowsort</c> annotation asks to compare the rows in sorted order.</param>
public sealed record DifferentialStatement(int Line, string Sql, string? CopyData, string? Differs, bool RowSort);

/// <summary>
/// Reads the SQL files of the differential suite (tests/differential/*.sql). A statement runs up to a line that ends
/// with ';' (outside quotes); lines starting with "--" outside a statement are comments. Annotations in the comment
/// lines right before a statement apply to it: <c>-- differs: reason</c> (a documented difference: both servers run
/// the statement but the results are not compared) and <c>-- rowsort</c> (compare rows as a sorted set). A
/// <c>COPY ... FROM STDIN</c> statement is followed by its data lines, ended by a line holding <c>\.</c>, as in psql.
/// </summary>
public static class DifferentialScript
{
    public const string DiffersPrefix = "-- differs:";
    public const string RowSortAnnotation = "-- rowsort";

    /// <summary>Folder of the suite, relative to the repository root.</summary>
    public const string RelativeDirectory = "tests/differential";

    public static string Directory => Path.Combine(MnistDataset.FindRepositoryRoot(), RelativeDirectory);

    /// <summary>The suite's files by name (without folder), sorted.</summary>
    public static IEnumerable<string> FileNames() =>
        System.IO.Directory.GetFiles(Directory, "*.sql").Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    /// <summary>Splits a file into statements.</summary>
    /// <exception cref="FormatException">A statement or COPY data block is not terminated.</exception>
    public static List<DifferentialStatement> Parse(string fileName, string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var statements = new List<DifferentialStatement>();
        string? differs = null;
        bool rowSort = false;
        var sql = new StringBuilder();
        int start = 0;
        bool inQuote = false;
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (sql.Length == 0)
            {
                var trimmed = line.Trim();
                if (trimmed.Length == 0 || trimmed.StartsWith("--", StringComparison.Ordinal))
                {
                    if (trimmed.StartsWith(DiffersPrefix, StringComparison.Ordinal))
                    {
                        differs = trimmed[DiffersPrefix.Length..].Trim();
                    }
                    else if (trimmed == RowSortAnnotation)
                    {
                        rowSort = true;
                    }

                    continue;
                }

                start = i + 1;
            }
            else
            {
                sql.Append('\n');
            }

            sql.Append(line);
            foreach (char c in line)
            {
                if (c == '\'')
                {
                    inQuote = !inQuote;
                }
            }

            if (inQuote || !line.TrimEnd().EndsWith(';'))
            {
                continue;
            }

            var statement = sql.ToString().TrimEnd();
            statement = statement[..^1].TrimEnd();
            string? copyData = null;
            if (IsCopyFromStdin(statement))
            {
                var data = new StringBuilder();
                for (i++; ; i++)
                {
                    if (i >= lines.Length)
                    {
                        throw new FormatException($"{fileName}:{start}: COPY data is not ended by a line \\.");
                    }

                    if (lines[i] == "\\.")
                    {
                        break;
                    }

                    data.Append(lines[i]).Append('\n');
                }

                copyData = data.ToString();
            }

            statements.Add(new DifferentialStatement(start, statement, copyData, differs, rowSort));
            sql.Clear();
            differs = null;
            rowSort = false;
        }

        if (sql.Length > 0)
        {
            throw new FormatException($"{fileName}:{start}: statement does not end with ';'");
        }

        return statements;
    }

    public static bool IsCopyFromStdin(string sql) =>
        sql.StartsWith("COPY", StringComparison.OrdinalIgnoreCase) && sql.Contains("FROM STDIN", StringComparison.OrdinalIgnoreCase);

    public static bool IsCopyToStdout(string sql) =>
        sql.StartsWith("COPY", StringComparison.OrdinalIgnoreCase) && sql.Contains("TO STDOUT", StringComparison.OrdinalIgnoreCase);
}

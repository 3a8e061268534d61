using System.Text.RegularExpressions;
using AnnSql.IntegrationTests.Infrastructure;

namespace AnnSql.IntegrationTests;

/// <summary>
/// psql's meta-commands (<c>\l</c>, <c>\dt</c>, <c>\d items</c>, <c>\d+ items</c>, <c>\di</c>, <c>\dx</c>, <c>\d</c> of a table with
/// an identity, halfvec, sparsevec, bit and varchar-with-default column, <c>\dt+</c>, <c>\di+</c>, <c>\l+</c>, <c>\dn</c>, <c>\du</c>,
/// <c>\dT</c>, <c>\d</c> of an index, <c>\copy ... FROM csv WITH HEADER</c>, <c>\timing</c>)
/// run by the real psql 15 (simple protocol, <c>-X</c>, default settings) against the real server, compared with
/// tests/sql/psql/expected.out, which PostgreSQL 15.20 + pgvector 0.8.6 printed for the same script (recorded by
/// tests/sql/psql/record.sh on a fresh initdb cluster, so the database list and owners are the defaults).
/// </summary>
/// <remarks>
/// What is masked or deliberately different, and why:
/// <list type="bullet">
/// <item><c>Time: 0.123 ms</c> (after <c>\timing</c>) is replaced by <c>Time: x ms</c> on both sides: it is a measurement.</item>
/// <item>pgvector has no diskann access method, so the reference ran <c>USING hnsw</c> where the script says <c>USING diskann</c>
/// (same column and opclass; neither method has a default opclass for vector_l2_ops, so both print it) and record.sh turned the
/// method word on that one index line of <c>\d</c>/<c>\d+</c> and its <c>Access method</c> cell in <c>\di+</c> back into
/// <c>diskann</c>.</item>
/// <item>The <c>Size</c> column of <c>\dt+</c>, <c>\di+</c> and <c>\l+</c>: AnnSql does not track per-relation sizes (it reports
/// 0 bytes) and PostgreSQL's depend on its page layout. In any table whose header has a <c>Size</c> column, both outputs are
/// compared cell by cell (cells trimmed, runs of spaces collapsed, separator and title lines reduced to a marker, since the
/// Size cells set the widths) with the Size cells replaced by <c>&lt;size&gt;</c>.</item>
/// <item>Nothing else: OIDs and owners do not appear in these commands' output, the server version is not printed, and
/// <c>\dx</c> shows the extension version AnnSql reports, 0.8.6.</item>
/// </list>
/// Standard error is not compared (it holds pgvector's and AnnSql's different index-build NOTICEs) but must hold no ERROR.
/// </remarks>
public sealed partial class PsqlMetaCommandTests
{
    [Fact]
    public async Task Meta_commands_print_what_postgresql_with_pgvector_prints()
    {
        string root = MnistDataset.FindRepositoryRoot();
        string script = await File.ReadAllTextAsync(Path.Combine(root, "tests/sql/psql/meta.sql"));
        string expected = await File.ReadAllTextAsync(Path.Combine(root, "tests/sql/psql/expected.out"));
        await using var server = await AnnSqlServer.StartAsync();

        var (exitCode, stdout, stderr) = await Psql.RunAsync(server, script);

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("ERROR", stderr, StringComparison.Ordinal);
        Assert.Single(TimingLine().Matches(stdout));
        string actual = MaskSizes(TimingLine().Replace(stdout, "Time: x ms"));
        expected = MaskSizes(expected);
        if (actual != expected)
        {
            Assert.Fail("psql output differs from PostgreSQL's:\n" + FirstDifference(expected, actual) + "\nstderr:\n" + stderr);
        }
    }

    /// <summary>Rewrites every aligned table with a <c>Size</c> column as trimmed cells with the sizes masked (see the remarks).</summary>
    private static string MaskSizes(string output)
    {
        var lines = output.Split('\n');
        for (int i = 1; i < lines.Length; i++)
        {
            string[] header = Cells(lines[i]);
            int size = Array.IndexOf(header, "Size");
            if (size < 0 || i + 1 >= lines.Length || !lines[i + 1].StartsWith("---", StringComparison.Ordinal))
            {
                continue;
            }

            lines[i - 1] = "<title> " + lines[i - 1].Trim();
            lines[i] = string.Join(" | ", header);
            lines[i + 1] = "<separator>";
            for (i += 2; i < lines.Length && lines[i].Contains('|', StringComparison.Ordinal); i++)
            {
                string[] cells = Cells(lines[i]);
                if (size < cells.Length && cells[size].Length > 0)
                {
                    cells[size] = "<size>";
                }

                lines[i] = string.Join(" | ", cells);
            }
        }

        return string.Join('\n', lines);
    }

    private static string[] Cells(string line) =>
        line.Split('|').Select(c => Whitespace().Replace(c.Trim(), " ")).ToArray();

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = expected.Split('\n');
        string[] a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<end>";
            string al = i < a.Length ? a[i] : "<end>";
            if (el != al)
            {
                return $"line {i + 1}:\n  expected: {el}\n  actual:   {al}\n--- actual output ---\n{actual}";
            }
        }

        return "(same lines, different line endings)";
    }

    [GeneratedRegex(@"^Time: [0-9]+\.[0-9]+ ms.*$", RegexOptions.Multiline)]
    private static partial Regex TimingLine();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

using System.Text.RegularExpressions;
using AnnSql.IntegrationTests.Infrastructure;

namespace AnnSql.IntegrationTests;

/// <summary>
/// psql's meta-commands (<c>\l</c>, <c>\dt</c>, <c>\d items</c>, <c>\d+ items</c>, <c>\di</c>, <c>\dx</c>, <c>\d</c> of a table with
/// an identity, halfvec, sparsevec, bit and varchar-with-default column, <c>\copy ... FROM csv WITH HEADER</c>, <c>\timing</c>)
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
/// method word on that one index line of <c>\d</c>/<c>\d+</c> back into <c>diskann</c>.</item>
/// <item>Nothing else: OIDs, sizes and owners do not appear in these commands' output (no <c>\l+</c>/<c>\dt+</c> size
/// columns), the server version is not printed, and <c>\dx</c> shows the extension version AnnSql reports, 0.8.6.</item>
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
        string actual = TimingLine().Replace(stdout, "Time: x ms");
        if (actual != expected)
        {
            Assert.Fail("psql output differs from PostgreSQL's:\n" + FirstDifference(expected, actual) + "\nstderr:\n" + stderr);
        }
    }

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
}

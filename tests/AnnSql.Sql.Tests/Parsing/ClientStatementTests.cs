using AnnSql.Sql.Ast;
using AnnSql.Sql.Parsing;

namespace AnnSql.Sql.Tests.Parsing;

/// <summary>Every statement captured from real clients (ClientStatements.sql) parses.</summary>
public sealed class ClientStatementTests
{
    public static TheoryData<string, string> Statements()
    {
        var data = new TheoryData<string, string>();
        var path = FindDataFile("ClientStatements.sql");
        string? header = null;
        var body = new List<string>();
        var n = 0;
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.StartsWith("-- # ", StringComparison.Ordinal))
            {
                Flush();
                header = $"{++n:D3} {line[5..]}";
                continue;
            }

            if (header is not null)
            {
                body.Add(line);
            }
        }

        Flush();
        return data;

        void Flush()
        {
            if (header is not null)
            {
                data.Add(header, string.Join('\n', body));
            }

            body.Clear();
        }
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void Client_statement_parses(string source, string sql)
    {
        Assert.NotNull(source);
        var statements = SqlParser.ParseScript(sql);
        Assert.NotEmpty(statements);
        if (sql.Trim().Trim(';').Trim().Length == 0)
        {
            Assert.IsType<EmptyStatement>(Assert.Single(statements));
            return;
        }

        Assert.DoesNotContain(statements, s => s is EmptyStatement);
        foreach (var s in statements)
        {
            Assert.InRange(s.Position, 0, sql.Length);
            Assert.InRange(s.Position + s.Length, s.Position + 1, sql.Length);
        }
    }

    [Fact]
    public void Npgsql_type_loading_query_is_four_statements()
    {
        var sql = Statements().Select(row => (string)row[1]).First(s => s.Contains("elemtypoid", StringComparison.Ordinal));
        var statements = SqlParser.ParseScript(sql);
        Assert.Equal(4, statements.Count);
        Assert.All(statements, s => Assert.IsType<SelectStatement>(s));
        Assert.Equal("SELECT version()", sql.Substring(statements[0].Position, statements[0].Length));
    }

    internal static string FindDataFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "AnnSql.Sql.Tests", "Parsing", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(name);
    }
}

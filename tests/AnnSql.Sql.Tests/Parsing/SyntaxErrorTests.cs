using AnnSql.Sql.Errors;
using AnnSql.Sql.Parsing;

namespace AnnSql.Sql.Tests.Parsing;

/// <summary>Messages and 0-based positions checked against PostgreSQL 15.</summary>
public sealed class SyntaxErrorTests
{
    [Theory]
    [InlineData("SELEC 1", "syntax error at or near \"SELEC\"", 0)]
    [InlineData("SELECT * FROM", "syntax error at end of input", 13)]
    [InlineData("SELECT 1 +", "syntax error at end of input", 10)]
    [InlineData("SELECT 1 +   ", "syntax error at end of input", 13)]
    [InlineData("SELECT * FROM t WHERE", "syntax error at end of input", 21)]
    [InlineData("SELECT * FROM t WHERE -- nothing", "syntax error at end of input", 32)]
    [InlineData("CREATE TABLE t (id int,)", "syntax error at or near \")\"", 23)]
    [InlineData("SELECT 1 SELECT 2", "syntax error at or near \"2\"", 16)]
    [InlineData("SELECT * FROM t WHERE a = = 1", "syntax error at or near \"=\"", 26)]
    [InlineData("SELECT (1", "syntax error at end of input", 9)]
    [InlineData("SELECT 1)", "syntax error at or near \")\"", 8)]
    [InlineData("INSERT INTO t VALUES (1,)", "syntax error at or near \")\"", 24)]
    [InlineData("SELECT * FROM t LIMIT", "syntax error at end of input", 21)]
    [InlineData("SELECT a FROM t ORDER a", "syntax error at or near \"a\"", 22)]
    [InlineData("CREATE INDEX ON t USING hnsw (embedding vector_l2_ops) WITH (m = )", "syntax error at or near \")\"", 65)]
    [InlineData("SELECT 'abc", "unterminated quoted string at or near \"'abc\"", 7)]
    [InlineData("SELECT \"abc", "unterminated quoted identifier at or near \"\"abc\"", 7)]
    [InlineData("SELECT /* x", "unterminated /* comment at or near \"/* x\"", 7)]
    [InlineData("SELECT $$abc", "unterminated dollar-quoted string at or near \"$$abc\"", 7)]
    [InlineData("SELECT \"\"", "zero-length delimited identifier at or near \"\"\"\"", 7)]
    [InlineData("SELECT 1; SELEC 2", "syntax error at or near \"SELEC\"", 10)]
    [InlineData("UPDATE t SET WHERE x = 1", "syntax error at or near \"WHERE\"", 13)]
    [InlineData("DROP TABLE", "syntax error at end of input", 10)]
    [InlineData("ALTER TABLE t RENAME TO t2, ADD COLUMN c int", "syntax error at or near \",\"", 26)]
    [InlineData("ALTER TABLE t ADD COLUMN c int, RENAME TO t2", "syntax error at or near \"RENAME\"", 32)]
    [InlineData("ALTER TABLE t ALTER COLUMN c SET STORAGE", "syntax error at end of input", 40)]
    [InlineData("SELECT * FROM t t2 t3", "syntax error at or near \"t3\"", 19)]
    [InlineData("SELECT a FROM t WHERE a IN ()", "syntax error at or near \")\"", 28)]
    [InlineData("select * from t where x = 'a' and", "syntax error at end of input", 33)]
    [InlineData("SELECT count(*) FROM", "syntax error at end of input", 20)]
    [InlineData("CREATE TABLE t (id int PRIMARY)", "syntax error at or near \")\"", 30)]
    [InlineData("BEGIN ISOLATION LEVEL", "syntax error at end of input", 21)]
    [InlineData("SELECT 1 AS", "syntax error at end of input", 11)]
    [InlineData("SELECT CASE WHEN 1 THEN 2", "syntax error at end of input", 25)]
    [InlineData("SELECT x::", "syntax error at end of input", 10)]
    [InlineData("SELECT 1 FROM t JOIN u", "syntax error at end of input", 22)]
    [InlineData("SELECT * FROM t WHERE x = 1 ORDER BY", "syntax error at end of input", 36)]
    [InlineData("SELECT a, FROM t", "syntax error at or near \"FROM\"", 10)]
    [InlineData("INSERT INTO t (a, b VALUES (1, 2)", "syntax error at or near \"VALUES\"", 20)]
    [InlineData("DELETE t", "syntax error at or near \"t\"", 7)]
    [InlineData("SELECT 1 ;;; SELECT 2 garbage more", "syntax error at or near \"more\"", 30)]
    [InlineData("CREATE TABLE t (id int) garbage", "syntax error at or near \"garbage\"", 24)]
    [InlineData("SET x TO", "syntax error at end of input", 8)]
    [InlineData("SELECT f(1,", "syntax error at end of input", 11)]
    [InlineData("SELECT * FROM t WHERE x = 'a' 'b'", "syntax error at or near \"'b'\"", 30)]
    [InlineData("SELECT ARRAY[1, 2", "syntax error at end of input", 17)]
    [InlineData("SELECT 1::int[", "syntax error at end of input", 14)]
    [InlineData("SELECT * FROM t LEFT JOIN u", "syntax error at end of input", 27)]
    [InlineData("COPY t FROM", "syntax error at end of input", 11)]
    [InlineData("EXPLAIN", "syntax error at end of input", 7)]
    [InlineData("SELECT 1 FROM t GROUP x", "syntax error at or near \"x\"", 22)]
    public void Reports_postgres_message_and_position(string sql, string message, int position)
    {
        var ex = Assert.Throws<SqlException>(() => SqlParser.ParseScript(sql));
        Assert.Equal(SqlState.SyntaxError, ex.SqlState);
        Assert.Equal(message, ex.Message);
        Assert.Equal(position, ex.Position);
    }

    [Fact]
    public void ParseStatement_rejects_two_statements()
    {
        var ex = Assert.Throws<SqlException>(() => SqlParser.ParseStatement("SELECT 1; SELECT 2"));
        Assert.Equal("syntax error at or near \"SELECT\"", ex.Message);
        Assert.Equal(10, ex.Position);
    }

    [Fact]
    public void ParseExpression_reports_trailing_tokens()
    {
        var ex = Assert.Throws<SqlException>(() => SqlParser.ParseExpression("a + b c"));
        Assert.Equal("syntax error at or near \"c\"", ex.Message);
        Assert.Equal(6, ex.Position);
    }
}

using AnnSql.Sql.Ast;
using AnnSql.Sql.Parsing;

namespace AnnSql.Sql.Tests.Parsing;

public sealed class ExpressionParserTests
{
    private static string P(string text) => AstPrinter.Print(SqlParser.ParseExpression(text));

    [Theory]
    [InlineData("1 + 2 * 3", "(1 + (2 * 3))")]
    [InlineData("1 * 2 + 3", "((1 * 2) + 3)")]
    [InlineData("1 - 2 - 3", "((1 - 2) - 3)")]
    [InlineData("2 ^ 3 ^ 2", "((2 ^ 3) ^ 2)")]
    [InlineData("-2 ^ 2", "(-2 ^ 2)")]
    [InlineData("- x ^ 2", "((- x) ^ 2)")]
    [InlineData("a OR b AND c", "(a OR (b AND c))")]
    [InlineData("NOT a AND b", "((NOT a) AND b)")]
    [InlineData("NOT a = b", "(NOT (a = b))")]
    [InlineData("a = b IS NULL", "((a = b) IS NULL)")]
    [InlineData("a < b + 1", "(a < (b + 1))")]
    [InlineData("a || b = c", "((a || b) = c)")]
    [InlineData("a + b || c", "((a + b) || c)")]
    [InlineData("embedding <-> $1", "(embedding <-> $1)")]
    [InlineData("a <=> b < 0.5", "((a <=> b) < 0.5)")]
    [InlineData("a <#> b", "(a <#> b)")]
    [InlineData("a <+> b", "(a <+> b)")]
    [InlineData("a<=b", "(a <= b)")]
    [InlineData("a<>b", "(a <> b)")]
    [InlineData("a != b", "(a <> b)")]
    [InlineData("a<-1", "(a < -1)")]
    [InlineData("tags && ARRAY['x']", "(tags && ARRAY['x'])")]
    [InlineData("tags @> b", "(tags @> b)")]
    [InlineData("j ->> 'k' = 'v'", "((j ->> 'k') = 'v')")]
    [InlineData("j -> 'a' -> 'b'", "((j -> 'a') -> 'b')")]
    [InlineData("n.nspname !~ '^pg_toast'", "(n.nspname !~ '^pg_toast')")]
    [InlineData("x ~* 'a'", "(x ~* 'a')")]
    [InlineData("c.relname OPERATOR(pg_catalog.~) '^(items)$' COLLATE pg_catalog.default",
        "(c.relname ~ ('^(items)$' COLLATE pg_catalog.default))")]
    [InlineData("a & b | c", "((a & b) | c)")]
    [InlineData("a LIKE 'x%' AND b", "((a LIKE 'x%') AND b)")]
    [InlineData("a NOT LIKE 'x%'", "(a NOT LIKE 'x%')")]
    [InlineData("a ILIKE b || '%'", "(a ILIKE (b || '%'))")]
    [InlineData("a NOT ILIKE 'x'", "(a NOT ILIKE 'x')")]
    [InlineData("a LIKE 'x!%' ESCAPE '!'", "(a LIKE like_escape('x!%', '!'))")]
    [InlineData("a BETWEEN 1 AND 2 AND b", "((a BETWEEN 1 AND 2) AND b)")]
    [InlineData("a NOT BETWEEN b + 1 AND c", "(a NOT BETWEEN (b + 1) AND c)")]
    [InlineData("a IN (1, 2, 3)", "(a IN (1, 2, 3))")]
    [InlineData("a NOT IN ('x')", "(a NOT IN ('x'))")]
    [InlineData("a IS NOT NULL", "(a IS NOT NULL)")]
    [InlineData("a ISNULL", "(a IS NULL)")]
    [InlineData("a NOTNULL", "(a IS NOT NULL)")]
    [InlineData("a IS TRUE", "(a IS TRUE)")]
    [InlineData("a IS NOT FALSE", "(a IS NOT FALSE)")]
    [InlineData("a IS UNKNOWN", "(a IS UNKNOWN)")]
    [InlineData("a IS DISTINCT FROM b", "(a IS DISTINCT FROM b)")]
    [InlineData("a IS NOT DISTINCT FROM b + 1", "(a IS NOT DISTINCT FROM (b + 1))")]
    [InlineData("x = ANY($1)", "(x = ANY $1)")]
    [InlineData("x <> ALL (ARRAY[1, 2])", "(x <> ALL ARRAY[1, 2])")]
    [InlineData("x = SOME (y)", "(x = ANY y)")]
    [InlineData("x::text::int", "((x::text)::int4)")]
    [InlineData("'[1,2]'::vector(2)", "('[1,2]'::vector(2))")]
    [InlineData("-x::int", "(- (x::int4))")]
    [InlineData("CAST(x AS double precision)", "(x::float8)")]
    [InlineData("c.reloftype::pg_catalog.regtype::pg_catalog.text", "((c.reloftype::regtype)::text)")]
    [InlineData("x::character varying(10)[]", "(x::varchar(10)[])")]
    [InlineData("arr[1]", "arr[1]")]
    [InlineData("arr[1:2]", "arr[1:2]")]
    [InlineData("arr[:2]", "arr[:2]")]
    [InlineData("(arr)[2][3]", "arr[2][3]")]
    [InlineData("x COLLATE \"C\" < y", "((x COLLATE C) < y)")]
    [InlineData("(a, b)", "ROW(a, b)")]
    [InlineData("ROW(1, 'x')", "ROW(1, 'x')")]
    [InlineData("ROW()", "ROW()")]
    [InlineData("(((1)))", "1")]
    [InlineData("ARRAY[[1, 2], [3, 4]]", "ARRAY[ARRAY[1, 2], ARRAY[3, 4]]")]
    [InlineData("ARRAY[]::int[]", "(ARRAY[]::int4[])")]
    [InlineData("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END", "CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END")]
    [InlineData("CASE x WHEN 'c' THEN 'libc' END", "CASE x WHEN 'c' THEN 'libc' END")]
    [InlineData("count(*)", "count(*)")]
    [InlineData("count(DISTINCT x)", "count(DISTINCT x)")]
    [InlineData("count(*) FILTER (WHERE x > 1)", "count(*) FILTER (x > 1)")]
    [InlineData("string_agg(name, ',' ORDER BY id DESC)", "string_agg(name, ',' ORDER BY [OrderItem(Expression=id, Descending=true)])")]
    [InlineData("pg_catalog.format_type(a.atttypid, a.atttypmod)", "pg_catalog.format_type(a.atttypid, a.atttypmod)")]
    [InlineData("now()", "now()")]
    [InlineData("left(name, 2)", "left(name, 2)")]
    [InlineData("coalesce(a, b)", "coalesce(a, b)")]
    [InlineData("current_schema()", "current_schema()")]
    [InlineData("current_schema", "CURRENT_SCHEMA")]
    [InlineData("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP")]
    [InlineData("current_user", "CURRENT_USER")]
    [InlineData("USER", "USER")]
    [InlineData("LOCALTIMESTAMP", "LOCALTIMESTAMP")]
    [InlineData("CURRENT_DATE - 1", "(CURRENT_DATE - 1)")]
    [InlineData("timestamp '2024-01-01 00:00'", "('2024-01-01 00:00'::timestamp)")]
    [InlineData("timestamp with time zone '2024-01-01'", "('2024-01-01'::timestamptz)")]
    [InlineData("interval '1 day'", "('1 day'::interval)")]
    [InlineData("date '2024-01-01'", "('2024-01-01'::date)")]
    [InlineData("vector '[1,2]'", "('[1,2]'::vector)")]
    [InlineData("EXTRACT(epoch FROM ts)", "extract('epoch', ts)")]
    [InlineData("position('b' IN s)", "position(s, 'b')")]
    [InlineData("substring(s FROM 2 FOR 3)", "substring(s, 2, 3)")]
    [InlineData("substring(s, 2)", "substring(s, 2)")]
    [InlineData("ts AT TIME ZONE 'UTC'", "timezone('UTC', ts)")]
    [InlineData("t.*", "t.*")]
    [InlineData("s.t.c", "s.t.c")]
    [InlineData("\"Name\"", "Name")]
    [InlineData("e.\"Id\"", "e.Id")]
    [InlineData("MixedCase", "mixedcase")]
    [InlineData("name", "name")]
    [InlineData("type", "type")]
    [InlineData("value", "value")]
    [InlineData("key", "key")]
    [InlineData("text", "text")]
    [InlineData("time", "time")]
    [InlineData("position", "position")]
    [InlineData("EXISTS (SELECT 1)", "EXISTS SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=1)]))")]
    [InlineData("NOT EXISTS (SELECT 1)", "(NOT EXISTS SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=1)])))")]
    [InlineData("(SELECT 1) + 1", "(SUBQUERY SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=1)])) + 1)")]
    [InlineData("x IN (SELECT y FROM t)",
        "(x IN SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=y)], From=[NamedTableRef(Name=t)])))")]
    [InlineData("x = ANY (SELECT y FROM t)",
        "(x = ANY SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=y)], From=[NamedTableRef(Name=t)])))")]
    [InlineData("ARRAY(SELECT 1)", "ARRAY SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=1)]))")]
    [InlineData("@ -5", "(@ -5)")]
    [InlineData("~ 5", "(~ 5)")]
    [InlineData("+5", "(+ 5)")]
    [InlineData("- - 5", "(- -5)")]
    [InlineData("a /* comment */ + -- line\n b", "(a + b)")]
    [InlineData("a /* nested /* comment */ still */ + b", "(a + b)")]
    public void Parses(string text, string expected) => Assert.Equal(expected, P(text));

    [Theory]
    [InlineData("1", LiteralKind.Integer, "1")]
    [InlineData("-1", LiteralKind.Integer, "-1")]
    [InlineData("123456789012345678901234567890", LiteralKind.Integer, "123456789012345678901234567890")]
    [InlineData("1.5", LiteralKind.Decimal, "1.5")]
    [InlineData(".5", LiteralKind.Decimal, ".5")]
    [InlineData("5.", LiteralKind.Decimal, "5.")]
    [InlineData("1e10", LiteralKind.Decimal, "1e10")]
    [InlineData("1.5E-3", LiteralKind.Decimal, "1.5E-3")]
    [InlineData("'it''s'", LiteralKind.String, "it's")]
    [InlineData("''", LiteralKind.String, "")]
    [InlineData("E'a\\nb\\'c\\\\'", LiteralKind.String, "a\nb'c\\")]
    [InlineData("e'\\x41\\101\\u0042'", LiteralKind.String, "AAB")]
    [InlineData("$$it's $1$$", LiteralKind.String, "it's $1")]
    [InlineData("$tag$a $$ b$tag$", LiteralKind.String, "a $$ b")]
    [InlineData("'a'\n'b'", LiteralKind.String, "ab")]
    [InlineData("'a\\b'", LiteralKind.String, "a\\b")]
    [InlineData("B'0101'", LiteralKind.BitString, "0101")]
    [InlineData("X'1F'", LiteralKind.BitString, "00011111")]
    [InlineData("NULL", LiteralKind.Null, null)]
    [InlineData("true", LiteralKind.Boolean, "t")]
    [InlineData("FALSE", LiteralKind.Boolean, "f")]
    public void Parses_literals(string text, LiteralKind kind, string? value)
    {
        var literal = Assert.IsType<Literal>(SqlParser.ParseExpression(text));
        Assert.Equal(kind, literal.Kind);
        Assert.Equal(value, literal.Text);
        Assert.Equal(0, literal.Position);
    }

    [Fact]
    public void Parses_parameters()
    {
        var p = Assert.IsType<ParameterRef>(SqlParser.ParseExpression("$12"));
        Assert.Equal(12, p.Number);
    }

    [Fact]
    public void Records_positions()
    {
        // 0         1         2         3
        // 0123456789012345678901234567890123456
        // t.a + f(b)::int * "C" <-> $1
        var e = Assert.IsType<BinaryExpr>(SqlParser.ParseExpression("t.a + f(b)::int * \"C\" <-> $1"));
        Assert.Equal("<->", e.Operator);
        Assert.Equal(22, e.Position);
        var plus = Assert.IsType<BinaryExpr>(e.Left);
        Assert.Equal(4, plus.Position);
        Assert.Equal(0, Assert.IsType<ColumnRef>(plus.Left).Position);
        var times = Assert.IsType<BinaryExpr>(plus.Right);
        Assert.Equal(16, times.Position);
        var cast = Assert.IsType<CastExpr>(times.Left);
        Assert.Equal(10, cast.Position);
        Assert.Equal(12, cast.Type.Position);
        var call = Assert.IsType<FunctionCall>(cast.Operand);
        Assert.Equal(6, call.Position);
        Assert.Equal(8, Assert.IsType<ColumnRef>(call.Arguments[0]).Position);
        Assert.Equal(18, Assert.IsType<ColumnRef>(times.Right).Position);
        Assert.Equal(26, Assert.IsType<ParameterRef>(e.Right).Position);
    }

    [Theory]
    [InlineData("int", "int4")]
    [InlineData("integer", "int4")]
    [InlineData("int4", "int4")]
    [InlineData("smallint", "int2")]
    [InlineData("int2", "int2")]
    [InlineData("bigint", "int8")]
    [InlineData("int8", "int8")]
    [InlineData("real", "float4")]
    [InlineData("float4", "float4")]
    [InlineData("float", "float8")]
    [InlineData("float(24)", "float4")]
    [InlineData("float(25)", "float8")]
    [InlineData("double precision", "float8")]
    [InlineData("float8", "float8")]
    [InlineData("numeric", "numeric")]
    [InlineData("numeric(10,2)", "numeric(10,2)")]
    [InlineData("decimal(5)", "numeric(5)")]
    [InlineData("boolean", "bool")]
    [InlineData("bool", "bool")]
    [InlineData("text", "text")]
    [InlineData("varchar(10)", "varchar(10)")]
    [InlineData("varchar", "varchar")]
    [InlineData("character varying(10)", "varchar(10)")]
    [InlineData("CHARACTER VARYING", "varchar")]
    [InlineData("char(3)", "bpchar(3)")]
    [InlineData("character", "bpchar(1)")]
    [InlineData("bpchar", "bpchar")]
    [InlineData("\"char\"", "char")]
    [InlineData("name", "name")]
    [InlineData("bytea", "bytea")]
    [InlineData("uuid", "uuid")]
    [InlineData("date", "date")]
    [InlineData("timestamp", "timestamp")]
    [InlineData("timestamp(3)", "timestamp(3)")]
    [InlineData("timestamp without time zone", "timestamp")]
    [InlineData("timestamp with time zone", "timestamptz")]
    [InlineData("timestamp(6) with time zone", "timestamptz(6)")]
    [InlineData("timestamptz", "timestamptz")]
    [InlineData("time with time zone", "timetz")]
    [InlineData("interval", "interval")]
    [InlineData("json", "json")]
    [InlineData("jsonb", "jsonb")]
    [InlineData("oid", "oid")]
    [InlineData("regclass", "regclass")]
    [InlineData("pg_catalog.regtype", "regtype")]
    [InlineData("regproc", "regproc")]
    [InlineData("regnamespace", "regnamespace")]
    [InlineData("vector(3)", "vector(3)")]
    [InlineData("public.vector(768)", "vector(768)")]
    [InlineData("halfvec(3)", "halfvec(3)")]
    [InlineData("sparsevec(5)", "sparsevec(5)")]
    [InlineData("bit(3)", "bit(3)")]
    [InlineData("bit", "bit(1)")]
    [InlineData("bit varying(8)", "varbit(8)")]
    [InlineData("varbit", "varbit")]
    [InlineData("int[]", "int4[]")]
    [InlineData("text[][]", "text[][]")]
    [InlineData("int[3]", "int4[]")]
    [InlineData("integer ARRAY", "int4[]")]
    [InlineData("serial", "serial")]
    [InlineData("bigserial", "bigserial")]
    [InlineData("smallserial", "smallserial")]
    [InlineData("pg_catalog.int4", "int4")]
    public void Parses_type_names(string text, string expected) => Assert.Equal(expected, AstPrinter.Print(SqlParser.ParseTypeName(text)));
}

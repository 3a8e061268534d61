using AnnSql.Sql.Types;
using static AnnSql.Sql.Tests.Types.TypeIOAssert;

namespace AnnSql.Sql.Tests.Types;

/// <summary>Expected text, binary and errors were printed by PostgreSQL 15.18 (pgvector arrays follow the same array_out rules).</summary>
public class TypeIOArrayTests
{
    private static readonly SqlType TextArray = SqlType.ArrayOf(SqlType.Text);
    private static readonly SqlType IntArray = SqlType.ArrayOf(SqlType.Int4);

    [Fact]
    public void TextArrayQuoting()
    {
        object?[] values = ["a b", "x,y", null, "\"q\"", "", "NULL", "back\\slash", "plain", " lead", "a{b", "é"];
        string expected = "{\"a b\",\"x,y\",NULL,\"\\\"q\\\"\",\"\",\"NULL\",\"back\\\\slash\",plain,\" lead\",\"a{b\",é}";
        Assert.Equal(expected, TypeIO.FormatText(values, TextArray));
        Assert.Equal(values, (object?[])TypeIO.ParseText(expected, TextArray)!);
        Assert.Equal(values, (object?[])TypeIO.ReceiveBinary(Send(values, TextArray), TextArray)!);
    }

    [Theory]
    [InlineData("{1,2,3}", "{1,2,3}")]
    [InlineData("{}", "{}")]
    [InlineData(" { } ", "{}")]
    [InlineData("[1:3]={1,2,3}", "{1,2,3}")]
    [InlineData("{ 1 , 2 }", "{1,2}")]
    [InlineData("{\"1\",NULL,null}", "{1,NULL,NULL}")]
    public void IntArrayText(string input, string expected) => RoundTrip(input, IntArray, expected);

    [Fact]
    public void UnquotedElementsAreTrimmedAndUnescaped()
    {
        var values = (object?[])TypeIO.ParseText("{\"a b\", c d ,\"x\\\"y\", e\\,f, NuLL, \"NULL\", \\NULL}", TextArray)!;
        Assert.Equal(["a b", "c d", "x\"y", "e,f", null, "NULL", "NULL"], values);
        Assert.Equal("{\"a b\",\"c d\",\"x\\\"y\",\"e,f\",NULL,\"NULL\",\"NULL\"}", TypeIO.FormatText(values, TextArray));
    }

    [Fact]
    public void OtherElementTypes()
    {
        RoundTrip("{1.5,2.25}", SqlType.ArrayOf(SqlType.Float4), "{1.5,2.25}");
        RoundTrip("{t,false}", SqlType.ArrayOf(SqlType.Bool), "{t,f}");
        RoundTrip("{2024-01-02}", SqlType.ArrayOf(SqlType.Date), "{2024-01-02}");
        RoundTrip("{\"\\\\x01\"}", SqlType.ArrayOf(SqlType.Bytea), "{\"\\\\x01\"}");
        RoundTrip("{\"{\\\"a\\\":1}\"}", SqlType.ArrayOf(SqlType.Jsonb), "{\"{\\\"a\\\": 1}\"}");
        RoundTrip("{\"[1,2]\",\"[3,4]\"}", SqlType.ArrayOf(SqlType.Vector), "{\"[1,2]\",\"[3,4]\"}");
        RoundTrip("{\"{1:1}/2\"}", SqlType.ArrayOf(SqlType.SparseVec), "{\"{1:1}/2\"}");
        RoundTrip("{\"2024-01-02 03:04:05+00\"}", SqlType.ArrayOf(SqlType.TimestampTz), "{\"2024-01-02 03:04:05+00\"}");
    }

    [Fact]
    public void ArrayModifierAppliesToElements()
    {
        var vector3Array = new SqlType(SqlTypeKind.Array, 3, SqlType.Vector);
        RoundTrip("{\"[1,2,3]\"}", vector3Array, "{\"[1,2,3]\"}");
        ParseFails("{\"[1,2]\"}", vector3Array, "22000", "expected 3 dimensions, not 2");
        var varchar2Array = new SqlType(SqlTypeKind.Array, 6, SqlType.Varchar);
        ParseFails("{abc}", varchar2Array, "22001", "value too long for type character varying(2)");
    }

    [Fact]
    public void TextErrors()
    {
        var e = ParseFails("{1,2", IntArray, "22P02", "malformed array literal: \"{1,2\"");
        Assert.Equal("Unexpected end of input.", e.Detail);
        e = ParseFails("1,2", IntArray, "22P02", "malformed array literal: \"1,2\"");
        Assert.Equal("Array value must start with \"{\" or dimension information.", e.Detail);
        e = ParseFails("{1,2}x", IntArray, "22P02", "malformed array literal: \"{1,2}x\"");
        Assert.Equal("Junk after closing right brace.", e.Detail);
        e = ParseFails("[1:2]={1,2,3}", IntArray, "22P02", "malformed array literal: \"[1:2]={1,2,3}\"");
        Assert.Equal("Specified array dimensions do not match array contents.", e.Detail);
        ParseFails("{1,,2}", IntArray, "22P02", "malformed array literal: \"{1,,2}\"");
        ParseFails("{a,b}", IntArray, "22P02", "invalid input syntax for type integer: \"a\"");
        ParseFails("{{1,2},{3,4}}", IntArray, "0A000", "multidimensional arrays are not supported");
    }

    [Theory]
    [InlineData("{1,2}", "00000001 00000000 00000017 00000002 00000001 00000004 00000001 00000004 00000002")]
    [InlineData("{1,NULL}", "00000001 00000001 00000017 00000002 00000001 00000004 00000001 ffffffff")]
    [InlineData("{}", "00000000 00000000 00000017")]
    public void IntArrayBinary(string text, string hex)
    {
        object value = TypeIO.ParseText(text, IntArray)!;
        Assert.Equal(Hex(hex), Send(value, IntArray));
        Assert.Equal(text, TypeIO.FormatText(TypeIO.ReceiveBinary(Hex(hex), IntArray), IntArray));
    }

    [Fact]
    public void BinaryUsesElementOid()
    {
        // array_send(array['a']) = \x000000010000000000000019000000010000000100000001 61
        Assert.Equal(Hex("00000001 00000000 00000019 00000001 00000001 00000001 61"), Send(new object?[] { "a" }, TextArray));
        byte[] vectors = Send(new object?[] { new float[] { 1, 2 } }, SqlType.ArrayOf(SqlType.Vector));
        Assert.Equal(Hex("00000001 00000000 00004006 00000001 00000001 0000000C 0002 0000 3F800000 40000000"), vectors);
    }

    [Fact]
    public void BinaryErrors()
    {
        ReceiveFails(Hex("FFFFFFFF 00000000 00000017"), IntArray, "22P03", "invalid number of dimensions: -1");
        ReceiveFails(Hex("00000007 00000000 00000017"), IntArray, "54000",
            "number of array dimensions (7) exceeds the maximum allowed (6)");
        ReceiveFails(Hex("00000001 00000002 00000017"), IntArray, "22P03", "invalid array flags");
        ReceiveFails(Hex("00000001 00000000 00000019 00000001 00000001 00000001 61"), IntArray, "42804",
            "binary data has array element type 25 (text) instead of expected 23 (integer)");
        ReceiveFails(Hex("00000001 00000000 00000017 00000001 00000001 00000005 0000000100"), IntArray, "22P03",
            "improper binary format in array element 1");
        ReceiveFails(Hex("00000001 00000000 00000017 00000001 00000001 00000009 00000001"), IntArray, "22P03",
            "insufficient data left in message");
    }

    [Fact]
    public void Int2VectorAndOidVector()
    {
        RoundTrip("1 2 3", SqlType.Int2Vector, "1 2 3");
        RoundTrip("  1   2 ", SqlType.OidVector, "1 2");
        RoundTrip("", SqlType.Int2Vector, "");
        // int2vectorsend('1 2') = \x0000000100000000000000150000000200000000000000020001000000020002 (lower bound 0)
        Assert.Equal(Hex("00000001 00000000 00000015 00000002 00000000 00000002 0001 00000002 0002"),
            Send(new short[] { 1, 2 }, SqlType.Int2Vector));
        Assert.Equal(new uint[] { 1259, 4294967295 },
            (uint[])TypeIO.ReceiveBinary(Send(new uint[] { 1259, 4294967295 }, SqlType.OidVector), SqlType.OidVector)!);
        ParseFails("1 x", SqlType.Int2Vector, "22P02", "invalid input syntax for type smallint: \"x\"");
        ReceiveFails(Hex("00000001 00000000 00000015 00000001 00000001 00000002 0001"), SqlType.Int2Vector, "22P03",
            "invalid int2vector data");
    }

    [Fact]
    public void Records()
    {
        // PostgreSQL 15: row(1,'a b',NULL,'x"y','')::record prints (1,"a b",,"x""y","")
        object?[] row = [1, "a b", null, "x\"y", ""];
        Assert.Equal("(1,\"a b\",,\"x\"\"y\",\"\")", TypeIO.FormatText(row, SqlType.Record));
        Assert.Equal(new object?[] { "1", "a b", null, "x\"y", "" }, (object?[])TypeIO.ParseText("(1,\"a b\",,\"x\"\"y\",\"\")", SqlType.Record)!);
        Assert.Equal(row, (object?[])TypeIO.ReceiveBinary(Send(row, SqlType.Record), SqlType.Record)!);
        Assert.Equal("()", TypeIO.FormatText(Array.Empty<object?>(), SqlType.Record));
        var e = ParseFails("1,2", SqlType.Record, "22P02", "malformed record literal: \"1,2\"");
        Assert.Equal("Missing left parenthesis.", e.Detail);
    }

    [Fact]
    public void Void()
    {
        Assert.Equal("", TypeIO.FormatText(null, SqlType.Void));
        Assert.Empty(Send(null, SqlType.Void));
        Assert.Null(TypeIO.ReceiveBinary([], SqlType.Void));
        Assert.Null(TypeIO.ParseText("", SqlType.Void));
    }
}

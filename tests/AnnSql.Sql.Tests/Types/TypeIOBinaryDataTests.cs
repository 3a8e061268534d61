using AnnSql.Sql.Types;
using static AnnSql.Sql.Tests.Types.TypeIOAssert;

namespace AnnSql.Sql.Tests.Types;

/// <summary>bytea, uuid and json/jsonb; expected text and errors were printed by PostgreSQL 15.18.</summary>
public class TypeIOBinaryDataTests
{
    [Theory]
    [InlineData("\\x0102ff", "\\x0102ff")]
    [InlineData("\\x01 02\nFF", "\\x0102ff")]
    [InlineData("abc\\\\d\\001\\377", "\\x6162635c6401ff")]
    [InlineData("", "\\x")]
    [InlineData("\\x", "\\x")]
    [InlineData("é", "\\xc3a9")]
    public void Bytea(string input, string expected) => RoundTrip(input, SqlType.Bytea, expected);

    [Fact]
    public void ByteaErrorsAndBinary()
    {
        ParseFails("\\x0", SqlType.Bytea, "22023", "invalid hexadecimal data: odd number of digits");
        ParseFails("\\xzz", SqlType.Bytea, "22023", "invalid hexadecimal digit: \"z\"");
        ParseFails("a\\9", SqlType.Bytea, "22P02", "invalid input syntax for type bytea");
        ParseFails("a\\", SqlType.Bytea, "22P02", "invalid input syntax for type bytea");
        Assert.Equal(Hex("0102FF"), Send(new byte[] { 1, 2, 255 }, SqlType.Bytea));
        Assert.Equal(Hex("0102FF"), (byte[])TypeIO.ReceiveBinary(Hex("0102FF"), SqlType.Bytea)!);
    }

    [Theory]
    [InlineData("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")]
    [InlineData("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")]
    [InlineData("{a0eebc999c0b4ef8bb6d6bb9bd380a11}")]
    [InlineData("a0eebc999c0b4ef8bb6d6bb9bd380a11")]
    [InlineData("a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11")]
    [InlineData("{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}")]
    public void Uuid(string input) => RoundTrip(input, SqlType.Uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");

    [Theory]
    [InlineData(" a0eebc999c0b4ef8bb6d6bb9bd380a11")]
    [InlineData("a0eebc999c0b4ef8bb6d6bb9bd380a1")]
    [InlineData("a0eebc999c0b4ef8bb6d6bb9bd380a11}")]
    [InlineData("{a0eebc999c0b4ef8bb6d6bb9bd380a11")]
    [InlineData("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-")]
    [InlineData("a0e-ebc999c0b4ef8bb6d6bb9bd380a11")]
    [InlineData("g0eebc999c0b4ef8bb6d6bb9bd380a11")]
    public void UuidErrors(string input) =>
        ParseFails(input, SqlType.Uuid, "22P02", $"invalid input syntax for type uuid: \"{input}\"");

    [Fact]
    public void UuidBinaryIsRfc4122Order()
    {
        var value = (Guid)TypeIO.ParseText("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", SqlType.Uuid)!;
        Assert.Equal(Guid.Parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), value);
        // PostgreSQL 15: uuid_send('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11') = \xa0eebc999c0b4ef8bb6d6bb9bd380a11
        Assert.Equal(Hex("a0eebc999c0b4ef8bb6d6bb9bd380a11"), Send(value, SqlType.Uuid));
        Assert.Equal(value, TypeIO.ReceiveBinary(Hex("a0eebc999c0b4ef8bb6d6bb9bd380a11"), SqlType.Uuid));
    }

    [Theory]
    [InlineData("{\"b\": [1, 2], \"a\": 1, \"aa\": {}, \"a\": 2, \"B\":[]}", "{\"B\": [], \"a\": 2, \"b\": [1, 2], \"aa\": {}}")]
    [InlineData("[1.0, 1e2, 1E-2, -0, 0.10, \"a\\u00e9\\n\\t\\u0001\\\"x\\/\", true, null, false, {}, []]",
        "[1.0, 100, 0.01, 0, 0.10, \"aé\\n\\t\\u0001\\\"x/\", true, null, false, {}, []]")]
    [InlineData("[-0.0, 0e5, 12.5E+1, 1.5e3, 0.000123e2]", "[0.0, 0, 125, 1500, 0.0123]")]
    [InlineData("\"\\ud83d\\ude00 \\u001f \\b\\f\\r\"", "\"😀 \\u001f \\b\\f\\r\"")]
    [InlineData("  \"x\"  ", "\"x\"")]
    [InlineData("1", "1")]
    [InlineData("{\"é\":1, \"z\":2, \"ab\":3}", "{\"z\": 2, \"ab\": 3, \"é\": 1}")]
    [InlineData("{\"a\":{\"c\":1,\"b\":[{\"y\":1,\"x\":2}]}}", "{\"a\": {\"b\": [{\"x\": 2, \"y\": 1}], \"c\": 1}}")]
    public void Jsonb(string input, string expected) => RoundTrip(input, SqlType.Jsonb, expected);

    [Fact]
    public void JsonbLargeNumbersKeepAllDigits()
    {
        string text = TypeIO.FormatText(TypeIO.ParseText("[1.5e30, 1e-30]", SqlType.Jsonb), SqlType.Jsonb);
        Assert.Equal("[1500000000000000000000000000000, 0.000000000000000000000000000001]", text);
    }

    [Fact]
    public void JsonKeepsTextAsIs()
    {
        RoundTrip(" {\"a\" : 1 } ", SqlType.Json, " {\"a\" : 1 } ");
        Assert.Equal("{\"a\":1}"u8.ToArray(), Send("{\"a\":1}", SqlType.Json));
    }

    [Fact]
    public void JsonbBinaryHasVersionByte()
    {
        Assert.Equal("\u0001{\"a\": 1}"u8.ToArray(), Send("{\"a\":1}", SqlType.Jsonb));
        Assert.Equal("{\"a\": 1}", TypeIO.ReceiveBinary("\u0001{\"a\" :1}"u8.ToArray(), SqlType.Jsonb));
        ReceiveFails("\u0002{}"u8.ToArray(), SqlType.Jsonb, "XX000", "unsupported jsonb version number 2");
    }

    [Theory]
    [InlineData("{x}")]
    [InlineData("[1,]")]
    [InlineData("")]
    [InlineData("[1,2")]
    [InlineData("{\"a\" 1}")]
    [InlineData("nul")]
    [InlineData("\"\u0001\"")]
    [InlineData("1 2")]
    public void JsonErrors(string input)
    {
        ParseFails(input, SqlType.Json, "22P02", "invalid input syntax for type json");
        ParseFails(input, SqlType.Jsonb, "22P02", "invalid input syntax for type json");
    }

    [Fact]
    public void JsonbRejectsNul()
    {
        var e = ParseFails("\"\\u0000\"", SqlType.Jsonb, "22P05", "unsupported Unicode escape sequence");
        Assert.Equal("\\u0000 cannot be converted to text.", e.Detail);
        RoundTrip("\"\\u0000\"", SqlType.Json, "\"\\u0000\"");
    }
}

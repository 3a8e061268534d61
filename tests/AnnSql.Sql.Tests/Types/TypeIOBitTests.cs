using AnnSql.Sql.Types;
using static AnnSql.Sql.Tests.Types.TypeIOAssert;

namespace AnnSql.Sql.Tests.Types;

/// <summary>Expected text and errors in these tests were printed by PostgreSQL 15.18.</summary>
public class TypeIOBitTests
{
    [Theory]
    [InlineData("101", "101")]
    [InlineData("B101", "101")]
    [InlineData("b101", "101")]
    [InlineData("x1F", "00011111")]
    [InlineData("XaB", "10101011")]
    [InlineData("", "")]
    [InlineData("1010101011", "1010101011")]
    public void Text(string input, string expected)
    {
        RoundTrip(input, SqlType.VarBit, expected);
        RoundTrip(input, SqlType.Bit, expected);
    }

    [Fact]
    public void Typmod()
    {
        RoundTrip("101", new SqlType(SqlTypeKind.Bit, 3), "101");
        RoundTrip("1", new SqlType(SqlTypeKind.VarBit, 3), "1");
        ParseFails("10", new SqlType(SqlTypeKind.Bit, 3), "22026", "bit string length 2 does not match type bit(3)");
        ParseFails("1111", new SqlType(SqlTypeKind.VarBit, 3), "22001", "bit string too long for type bit varying(3)");
        ReceiveFails(Hex("00000002 80"), new SqlType(SqlTypeKind.Bit, 3), "22026", "bit string length 2 does not match type bit(3)");
    }

    [Fact]
    public void Errors()
    {
        ParseFails("102", SqlType.Bit, "22P02", "\"2\" is not a valid binary digit");
        ParseFails(" 1", SqlType.VarBit, "22P02", "\" \" is not a valid binary digit");
        ParseFails("é", SqlType.VarBit, "22P02", "\"é\" is not a valid binary digit");
        ParseFails("xg", SqlType.VarBit, "22P02", "\"g\" is not a valid hexadecimal digit");
        ReceiveFails(Hex("FFFFFFFF"), SqlType.VarBit, "22P03", "invalid length in external bit string");
        ReceiveFails(Hex("00000009 FF"), SqlType.VarBit, "08P01", "insufficient data left in message");
    }

    [Fact]
    public void BinaryIsLengthAndPackedBytes()
    {
        var bits = (BitString)TypeIO.ParseText("1010101011", SqlType.VarBit)!;
        Assert.Equal(10, bits.Length);
        Assert.Equal(Hex("0000000A AAC0"), Send(bits, SqlType.VarBit));
        // Padding bits are cleared on receive.
        var received = (BitString)TypeIO.ReceiveBinary(Hex("0000000A AAFF"), SqlType.VarBit)!;
        Assert.Equal(bits, received);
    }
}

using AnnSql.Sql.Types;
using static AnnSql.Sql.Tests.Types.TypeIOAssert;

namespace AnnSql.Sql.Tests.Types;

/// <summary>Expected text, binary and errors in these tests were printed by PostgreSQL 15.18.</summary>
public class TypeIONumericTests
{
    /// <summary>numeric(p,s)'s typmod: ((p &lt;&lt; 16) | s) + VARHDRSZ, with s stored in 11 bits.</summary>
    private static SqlType NumericOf(int precision, int scale) => new(SqlTypeKind.Numeric, ((precision << 16) | (scale & 0x7ff)) + 4);

    [Theory]
    [InlineData("1.50", "1.50")]
    [InlineData("-0.0", "0.0")]
    [InlineData("-0", "0")]
    [InlineData("1e2", "100")]
    [InlineData("1.0e1", "10")]
    [InlineData("1.50e-1", "0.150")]
    [InlineData("  12.30 ", "12.30")]
    [InlineData("0.000", "0.000")]
    [InlineData("1e-10", "0.0000000001")]
    [InlineData(".5", "0.5")]
    [InlineData("5.", "5")]
    [InlineData("+7", "7")]
    [InlineData("-123456789.0001", "-123456789.0001")]
    [InlineData("79228162514264337593543950335", "79228162514264337593543950335")]
    public void Text(string input, string expected) => RoundTrip(input, SqlType.Numeric, expected);

    [Theory]
    [InlineData("1.5", 5, 2, "1.50")]
    [InlineData("1.005", 5, 2, "1.01")]
    [InlineData("-1.005", 5, 2, "-1.01")]
    [InlineData("0.001", 5, 2, "0.00")]
    [InlineData("999.994", 5, 2, "999.99")]
    [InlineData("12.345", 2, -1, "10")]
    [InlineData("0.001", 3, 5, "0.00100")]
    public void Typmod(string input, int precision, int scale, string expected) =>
        RoundTrip(input, NumericOf(precision, scale), expected);

    [Fact]
    public void Errors()
    {
        ParseFails("abc", SqlType.Numeric, "22P02", "invalid input syntax for type numeric: \"abc\"");
        ParseFails("", SqlType.Numeric, "22P02", "invalid input syntax for type numeric: \"\"");
        ParseFails("1e", SqlType.Numeric, "22P02", "invalid input syntax for type numeric: \"1e\"");
        ParseFails("1.2.3", SqlType.Numeric, "22P02", "invalid input syntax for type numeric: \"1.2.3\"");
        var e = ParseFails("1234.5", NumericOf(5, 2), "22003", "numeric field overflow");
        Assert.Equal("A field with precision 5, scale 2 must round to an absolute value less than 10^3.", e.Detail);
        e = ParseFails("999.995", NumericOf(5, 2), "22003", "numeric field overflow");
        Assert.Equal("A field with precision 5, scale 2 must round to an absolute value less than 10^3.", e.Detail);
        e = ParseFails("1", NumericOf(3, 5), "22003", "numeric field overflow");
        Assert.Equal("A field with precision 3, scale 5 must round to an absolute value less than 10^-2.", e.Detail);
        e = ParseFails("1", NumericOf(2, 2), "22003", "numeric field overflow");
        Assert.Equal("A field with precision 2, scale 2 must round to an absolute value less than 1.", e.Detail);
        ParseFails("1e30", SqlType.Numeric, "22003", "value overflows numeric format");
        ParseFails("NaN", SqlType.Numeric, "0A000", "numeric value \"NaN\" cannot be represented");
    }

    [Theory]
    [InlineData("12.30", "0002 0000 0000 0002 000c 0bb8")]
    [InlineData("0.000", "0000 0000 0000 0003")]
    [InlineData("-123456789.0001", "0004 0002 4000 0004 0001 0929 1a85 0001")]
    [InlineData("10000", "0001 0001 0000 0000 0001")]
    [InlineData("0.00001234", "0001 fffe 0000 0008 04d2")]
    [InlineData("100000000000000000000", "0001 0005 0000 0000 0001")]
    public void Binary(string text, string hex)
    {
        object value = TypeIO.ParseText(text, SqlType.Numeric)!;
        Assert.Equal(Hex(hex), Send(value, SqlType.Numeric));
        Assert.Equal(text, TypeIO.FormatText(TypeIO.ReceiveBinary(Hex(hex), SqlType.Numeric), SqlType.Numeric));
    }

    [Fact]
    public void BinaryTruncatesToDscaleAndChecks()
    {
        // 1.2345 sent with dscale 2 is truncated (numeric_recv's trunc_var), not rounded.
        Assert.Equal(1.23m, TypeIO.ReceiveBinary(Hex("0002 0000 0000 0002 0001 0929"), SqlType.Numeric));
        ReceiveFails(Hex("0000 0000 1234 0000"), SqlType.Numeric, "22P03", "invalid sign in external \"numeric\" value");
        ReceiveFails(Hex("0001 0000 0000 0000 2710"), SqlType.Numeric, "22P03", "invalid digit in external \"numeric\" value");
        ReceiveFails(Hex("0000 0000 C000 0000"), SqlType.Numeric, "0A000", "numeric value \"NaN\" cannot be represented");
    }
}

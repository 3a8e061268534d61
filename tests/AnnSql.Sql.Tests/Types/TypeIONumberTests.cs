using AnnSql.Sql.Types;
using static AnnSql.Sql.Tests.Types.TypeIOAssert;

namespace AnnSql.Sql.Tests.Types;

/// <summary>Expected text in these tests was printed by PostgreSQL 15.18 (extra_float_digits = 1, the default).</summary>
public class TypeIONumberTests
{
    [Theory]
    [InlineData("t", "t")]
    [InlineData("true", "t")]
    [InlineData(" YES ", "t")]
    [InlineData("on", "t")]
    [InlineData("1", "t")]
    [InlineData("tr", "t")]
    [InlineData("f", "f")]
    [InlineData("FALSE", "f")]
    [InlineData("no", "f")]
    [InlineData("of", "f")]
    [InlineData("off", "f")]
    [InlineData("0", "f")]
    public void Bool(string input, string expected) => RoundTrip(input, SqlType.Bool, expected);

    [Theory]
    [InlineData("o")]
    [InlineData("")]
    [InlineData("truex")]
    [InlineData("10")]
    public void BoolErrors(string input) =>
        ParseFails(input, SqlType.Bool, "22P02", $"invalid input syntax for type boolean: \"{input}\"");

    [Fact]
    public void BoolBinary()
    {
        Assert.Equal([1], Send(true, SqlType.Bool));
        Assert.Equal([0], Send(false, SqlType.Bool));
        Assert.Equal(true, TypeIO.ReceiveBinary([1], SqlType.Bool));
    }

    [Theory]
    [InlineData(" 12 ", "12")]
    [InlineData("+5", "5")]
    [InlineData("-32768", "-32768")]
    [InlineData("32767", "32767")]
    public void Int2(string input, string expected) => RoundTrip(input, SqlType.Int2, expected);

    [Theory]
    [InlineData("-2147483648", "-2147483648")]
    [InlineData("2147483647", "2147483647")]
    [InlineData("\t0042\n", "42")]
    [InlineData("-0", "0")]
    public void Int4(string input, string expected) => RoundTrip(input, SqlType.Int4, expected);

    [Theory]
    [InlineData("-9223372036854775808", "-9223372036854775808")]
    [InlineData("9223372036854775807", "9223372036854775807")]
    public void Int8(string input, string expected) => RoundTrip(input, SqlType.Int8, expected);

    [Fact]
    public void IntegerErrors()
    {
        ParseFails("abc", SqlType.Int4, "22P02", "invalid input syntax for type integer: \"abc\"");
        ParseFails("", SqlType.Int4, "22P02", "invalid input syntax for type integer: \"\"");
        ParseFails("1 2", SqlType.Int4, "22P02", "invalid input syntax for type integer: \"1 2\"");
        ParseFails("1.5", SqlType.Int8, "22P02", "invalid input syntax for type bigint: \"1.5\"");
        ParseFails("-", SqlType.Int2, "22P02", "invalid input syntax for type smallint: \"-\"");
        ParseFails("99999999999", SqlType.Int4, "22003", "value \"99999999999\" is out of range for type integer");
        ParseFails("32768", SqlType.Int2, "22003", "value \"32768\" is out of range for type smallint");
        ParseFails("9223372036854775808", SqlType.Int8, "22003", "value \"9223372036854775808\" is out of range for type bigint");
        ParseFails("99999999999999999999999", SqlType.Int8, "22003",
            "value \"99999999999999999999999\" is out of range for type bigint");
    }

    [Fact]
    public void IntegerBinaryIsBigEndian()
    {
        Assert.Equal(Hex("FFFE"), Send((short)-2, SqlType.Int2));
        Assert.Equal(Hex("00000001"), Send(1, SqlType.Int4));
        Assert.Equal(Hex("0102030405060708"), Send(0x0102030405060708L, SqlType.Int8));
        Assert.Equal((short)-2, TypeIO.ReceiveBinary(Hex("FFFE"), SqlType.Int2));
        Assert.Equal(0x01020304, TypeIO.ReceiveBinary(Hex("01020304"), SqlType.Int4));
        Assert.Equal(-1L, TypeIO.ReceiveBinary(Hex("FFFFFFFFFFFFFFFF"), SqlType.Int8));
    }

    [Fact]
    public void BinaryLengthErrors()
    {
        ReceiveFails(Hex("0001"), SqlType.Int4, "08P01", "insufficient data left in message");
        ReceiveFails(Hex("0000000100"), SqlType.Int4, "22P03", "incorrect binary data format");
        ReceiveFails([], SqlType.Bool, "08P01", "insufficient data left in message");
    }

    [Theory]
    [InlineData("-1", "4294967295")]
    [InlineData("-2147483648", "2147483648")]
    [InlineData("4294967295", "4294967295")]
    [InlineData(" 16384 ", "16384")]
    public void Oid(string input, string expected) => RoundTrip(input, SqlType.Oid, expected);

    [Fact]
    public void OidErrorsAndBinary()
    {
        ParseFails("4294967296", SqlType.Oid, "22003", "value \"4294967296\" is out of range for type oid");
        ParseFails("x", SqlType.Oid, "22P02", "invalid input syntax for type oid: \"x\"");
        Assert.Equal(Hex("FFFFFFFF"), Send(4294967295u, SqlType.Oid));
        Assert.Equal(4294967295u, TypeIO.ReceiveBinary(Hex("FFFFFFFF"), SqlType.Oid));
        Assert.Equal(1259u, TypeIO.ParseText("1259", SqlType.RegClass));
        Assert.Equal("1259", TypeIO.FormatText(1259u, SqlType.RegClass));
    }

    [Theory]
    [InlineData("1e6", "1e+06")]
    [InlineData("123456", "123456")]
    [InlineData("1234567", "1.234567e+06")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "1e-05")]
    [InlineData("0.1", "0.1")]
    [InlineData("100", "100")]
    [InlineData("1e5", "100000")]
    [InlineData("999999", "999999")]
    [InlineData("3.141592653589793", "3.1415927")]
    [InlineData("3.4028235e38", "3.4028235e+38")]
    [InlineData("1.4e-45", "1e-45")]
    [InlineData("1e-45", "1e-45")]
    [InlineData(" 1.5 ", "1.5")]
    [InlineData("-0", "-0")]
    [InlineData("inf", "Infinity")]
    [InlineData("-infinity", "-Infinity")]
    [InlineData("NaN", "NaN")]
    [InlineData("nan", "NaN")]
    [InlineData("207375392", "2.0737539e+08")]
    [InlineData("-122746976", "-1.22746976e+08")]
    [InlineData("1.25518286", "1.2551829")]
    [InlineData("505.600006", "505.6")]
    [InlineData("2.61135629E-08", "2.6113563e-08")]
    [InlineData(".5", "0.5")]
    [InlineData("5.", "5")]
    public void Float4(string input, string expected) => RoundTrip(input, SqlType.Float4, expected);

    [Theory]
    [InlineData("1e20", "1e+20")]
    [InlineData("1e15", "1e+15")]
    [InlineData("123456789012345", "123456789012345")]
    [InlineData("1234567890123456", "1.234567890123456e+15")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00012345", "0.00012345")]
    [InlineData("1e-5", "1e-05")]
    [InlineData("1.2345678e-05", "1.2345678e-05")]
    [InlineData("1e100", "1e+100")]
    [InlineData("1.5e-300", "1.5e-300")]
    [InlineData("5e-324", "5e-324")]
    [InlineData("4e-320", "4e-320")]
    [InlineData("0.30000000000000004", "0.30000000000000004")]
    [InlineData("3.141592653589793", "3.141592653589793")]
    [InlineData("-0", "-0")]
    [InlineData("Infinity", "Infinity")]
    [InlineData("-inf", "-Infinity")]
    [InlineData("NaN", "NaN")]
    [InlineData("1736511705320.5667", "1736511705320.5667")]
    [InlineData("814.13999999999999", "814.14")]
    [InlineData("-1.7992102105346485E+195", "-1.7992102105346485e+195")]
    [InlineData("20096442252442448", "2.0096442252442448e+16")]
    [InlineData("3.0032393536545523E+17", "3.0032393536545523e+17")]
    [InlineData("1.7976931348623157e308", "1.7976931348623157e+308")]
    public void Float8(string input, string expected) => RoundTrip(input, SqlType.Float8, expected);

    [Fact]
    public void FloatErrors()
    {
        ParseFails("", SqlType.Float4, "22P02", "invalid input syntax for type real: \"\"");
        ParseFails("abc", SqlType.Float8, "22P02", "invalid input syntax for type double precision: \"abc\"");
        ParseFails("1.5x", SqlType.Float8, "22P02", "invalid input syntax for type double precision: \"1.5x\"");
        ParseFails("1e", SqlType.Float8, "22P02", "invalid input syntax for type double precision: \"1e\"");
        ParseFails("1e400", SqlType.Float8, "22003", "\"1e400\" is out of range for type double precision");
        ParseFails("1e-400", SqlType.Float8, "22003", "\"1e-400\" is out of range for type double precision");
        ParseFails(" 1e40", SqlType.Float4, "22003", "\"1e40\" is out of range for type real");
        ParseFails("1e-50", SqlType.Float4, "22003", "\"1e-50\" is out of range for type real");
    }

    [Fact]
    public void FloatBinaryIsIeeeBigEndian()
    {
        Assert.Equal(Hex("3FC00000"), Send(1.5f, SqlType.Float4));
        Assert.Equal(Hex("3FF8000000000000"), Send(1.5d, SqlType.Float8));
        Assert.Equal(-2.5f, TypeIO.ReceiveBinary(Hex("C0200000"), SqlType.Float4));
        Assert.Equal(double.NegativeInfinity, TypeIO.ReceiveBinary(Hex("FFF0000000000000"), SqlType.Float8));
    }
}

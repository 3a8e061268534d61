using AnnSql.Sql.Types;
using static AnnSql.Sql.Tests.Types.TypeIOAssert;

namespace AnnSql.Sql.Tests.Types;

/// <summary>Expected text and errors in these tests were printed by PostgreSQL 15.18.</summary>
public class TypeIOStringTests
{
    private static SqlType VarcharOf(int n) => new(SqlTypeKind.Varchar, n + 4);

    private static SqlType CharOf(int n) => new(SqlTypeKind.Char, n + 4);

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("héllo wörld ✓ 😀")]
    [InlineData(" spaces kept ")]
    public void TextIsUtf8AsIs(string input)
    {
        RoundTrip(input, SqlType.Text, input);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(input), Send(input, SqlType.Text));
        RoundTrip(input, SqlType.Unknown, input);
        RoundTrip(input, SqlType.Varchar, input);
    }

    [Fact]
    public void VarcharLength()
    {
        RoundTrip("abc", VarcharOf(3), "abc");
        RoundTrip("abc   ", VarcharOf(3), "abc");
        RoundTrip("ab", VarcharOf(3), "ab");
        RoundTrip("😀😀😀", VarcharOf(3), "😀😀😀");
        ParseFails("abcd", VarcharOf(3), "22001", "value too long for type character varying(3)");
        ParseFails("abc d", VarcharOf(3), "22001", "value too long for type character varying(3)");
    }

    [Fact]
    public void BpcharPadsAndChecks()
    {
        RoundTrip("ab", CharOf(3), "ab ");
        RoundTrip("abc  ", CharOf(3), "abc");
        RoundTrip("", CharOf(2), "  ");
        RoundTrip("ab", SqlType.Char, "ab");
        ParseFails("abcd", CharOf(3), "22001", "value too long for type character(3)");
    }

    [Fact]
    public void NameIsTruncatedTo63Bytes()
    {
        string longName = new('a', 70);
        RoundTrip(longName, SqlType.Name, new string('a', 63));
        string multi = new string('a', 62) + "é";
        RoundTrip(multi, SqlType.Name, new string('a', 62));
    }

    [Fact]
    public void InternalChar()
    {
        RoundTrip("r", SqlType.InternalChar, "r");
        RoundTrip("abc", SqlType.InternalChar, "a");
        RoundTrip("", SqlType.InternalChar, "");
        RoundTrip("\\101", SqlType.InternalChar, "A");
        RoundTrip("\\377", SqlType.InternalChar, "\\377");
        Assert.Equal([(byte)'r'], Send("r", SqlType.InternalChar));
        Assert.Equal([0], Send("", SqlType.InternalChar));
    }

    [Fact]
    public void InvalidUtf8IsRejected()
    {
        ReceiveFails([0x61, 0xFF], SqlType.Text, "22021", "invalid byte sequence for encoding \"UTF8\": 0xff");
        ReceiveFails([0x61, 0x00], SqlType.Text, "22021", "invalid byte sequence for encoding \"UTF8\": 0x00");
        ReceiveFails([0xE2, 0x28, 0xA1], SqlType.Varchar, "22021", "invalid byte sequence for encoding \"UTF8\": 0xe2 0x28 0xa1");
    }
}

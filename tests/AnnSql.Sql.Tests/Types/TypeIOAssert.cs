using System.Buffers;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Tests.Types;

internal static class TypeIOAssert
{
    public static byte[] Send(object? value, SqlType type)
    {
        var buffer = new ArrayBufferWriter<byte>();
        TypeIO.SendBinary(value, type, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>text → value → text gives <paramref name="expected"/>, and value → binary → value gives an equal value.</summary>
    public static object? RoundTrip(string input, SqlType type, string expected)
    {
        object? value = TypeIO.ParseText(input, type);
        Assert.Equal(expected, TypeIO.FormatText(value, type));
        object? back = TypeIO.ReceiveBinary(Send(value, type), type);
        Assert.Equal(expected, TypeIO.FormatText(back, type));
        return value;
    }

    public static SqlException Fails(string sqlState, string message, Action action)
    {
        var e = Assert.Throws<SqlException>(action);
        Assert.Equal(message, e.Message);
        Assert.Equal(sqlState, e.SqlState);
        return e;
    }

    public static SqlException ParseFails(string input, SqlType type, string sqlState, string message) =>
        Fails(sqlState, message, () => TypeIO.ParseText(input, type));

    public static SqlException ReceiveFails(byte[] data, SqlType type, string sqlState, string message) =>
        Fails(sqlState, message, () => TypeIO.ReceiveBinary(data, type));

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
}

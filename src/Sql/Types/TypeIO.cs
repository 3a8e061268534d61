using System.Buffers;

namespace AnnSql.Sql.Types;

/// <summary>Placeholder until the type I/O functions land.</summary>
public static class TypeIO
{
    public static object ParseText(ReadOnlySpan<char> text, SqlType type) => throw new NotImplementedException();

    public static void FormatText(object value, SqlType type, IBufferWriter<byte> output) => throw new NotImplementedException();

    public static string FormatText(object value, SqlType type) => throw new NotImplementedException();

    public static object ReceiveBinary(ReadOnlySpan<byte> data, SqlType type) => throw new NotImplementedException();

    public static void SendBinary(object value, SqlType type, IBufferWriter<byte> output) => throw new NotImplementedException();
}

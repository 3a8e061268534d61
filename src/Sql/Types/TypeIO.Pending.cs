using System.Buffers;

namespace AnnSql.Sql.Types;

public static partial class TypeIO
{
    private static NotSupportedException Pending() => new("not implemented yet");

    private static string ParseJson(ReadOnlySpan<char> text) => throw Pending();
    private static string ParseJsonb(ReadOnlySpan<char> text) => throw Pending();
    private static byte[] ParseBytea(ReadOnlySpan<char> text) => throw Pending();
    private static Guid ParseUuid(ReadOnlySpan<char> text) => throw Pending();
    private static DateOnly ParseDate(ReadOnlySpan<char> text) => throw Pending();
    private static DateTime ParseTimestamp(ReadOnlySpan<char> text, bool withTimeZone) => throw Pending();
    private static TimeSpan ParseInterval(ReadOnlySpan<char> text) => throw Pending();
    private static short[] ParseInt2Vector(ReadOnlySpan<char> text) => throw Pending();
    private static uint[] ParseOidVector(ReadOnlySpan<char> text) => throw Pending();
    private static object?[] ParseArray(ReadOnlySpan<char> text, SqlType type) => throw Pending();
    private static object?[] ParseRecord(ReadOnlySpan<char> text) => throw Pending();
    private static void WriteJsonbText(string value, IBufferWriter<byte> output) => throw Pending();
    private static void WriteByteaText(byte[] value, IBufferWriter<byte> output) => throw Pending();
    private static void WriteUuidText(Guid value, IBufferWriter<byte> output) => throw Pending();
    private static void WriteDateText(DateOnly value, IBufferWriter<byte> output) => throw Pending();
    private static void WriteTimestampText(DateTime value, bool withTimeZone, IBufferWriter<byte> output) => throw Pending();
    private static void WriteIntervalText(TimeSpan value, IBufferWriter<byte> output) => throw Pending();
    private static void WriteInt2VectorText(short[] value, IBufferWriter<byte> output) => throw Pending();
    private static void WriteOidVectorText(uint[] value, IBufferWriter<byte> output) => throw Pending();
    private static void WriteArrayText(object?[] value, SqlType type, IBufferWriter<byte> output) => throw Pending();
    private static void WriteRecordText(object?[] value, IBufferWriter<byte> output) => throw Pending();
    private static void SendUuid(Guid value, IBufferWriter<byte> output) => throw Pending();
    private static int DateToPostgres(DateOnly value) => throw Pending();
    private static long TimestampToPostgres(DateTime value, bool withTimeZone) => throw Pending();
    private static void SendInterval(TimeSpan value, IBufferWriter<byte> output) => throw Pending();
    private static void SendInt2Vector(short[] value, IBufferWriter<byte> output) => throw Pending();
    private static void SendOidVector(uint[] value, IBufferWriter<byte> output) => throw Pending();
    private static void SendArray(object?[] value, SqlType type, IBufferWriter<byte> output) => throw Pending();
    private static void SendRecord(object?[] value, IBufferWriter<byte> output) => throw Pending();
    private static string ReceiveJsonb(ref BinaryValueReader reader) => throw Pending();
    private static DateOnly DateFromPostgres(int value) => throw Pending();
    private static DateTime TimestampFromPostgres(long value, bool withTimeZone) => throw Pending();
    private static TimeSpan ReceiveInterval(ref BinaryValueReader reader) => throw Pending();
    private static short[] ReceiveInt2Vector(ref BinaryValueReader reader) => throw Pending();
    private static uint[] ReceiveOidVector(ref BinaryValueReader reader) => throw Pending();
    private static object?[] ReceiveArray(ref BinaryValueReader reader, SqlType type) => throw Pending();
    private static object?[] ReceiveRecord(ref BinaryValueReader reader) => throw Pending();
}

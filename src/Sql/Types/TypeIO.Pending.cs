using System.Buffers;

namespace AnnSql.Sql.Types;

public static partial class TypeIO
{
    private static NotSupportedException Pending() => new("not implemented yet");

    private static short[] ParseInt2Vector(ReadOnlySpan<char> text) => throw Pending();
    private static uint[] ParseOidVector(ReadOnlySpan<char> text) => throw Pending();
    private static object?[] ParseArray(ReadOnlySpan<char> text, SqlType type) => throw Pending();
    private static object?[] ParseRecord(ReadOnlySpan<char> text) => throw Pending();
    private static void WriteInt2VectorText(short[] value, IBufferWriter<byte> output) => throw Pending();
    private static void WriteOidVectorText(uint[] value, IBufferWriter<byte> output) => throw Pending();
    private static void WriteArrayText(object?[] value, SqlType type, IBufferWriter<byte> output) => throw Pending();
    private static void WriteRecordText(object?[] value, IBufferWriter<byte> output) => throw Pending();
    private static void SendInt2Vector(short[] value, IBufferWriter<byte> output) => throw Pending();
    private static void SendOidVector(uint[] value, IBufferWriter<byte> output) => throw Pending();
    private static void SendArray(object?[] value, SqlType type, IBufferWriter<byte> output) => throw Pending();
    private static void SendRecord(object?[] value, IBufferWriter<byte> output) => throw Pending();
    private static short[] ReceiveInt2Vector(ref BinaryValueReader reader) => throw Pending();
    private static uint[] ReceiveOidVector(ref BinaryValueReader reader) => throw Pending();
    private static object?[] ReceiveArray(ref BinaryValueReader reader, SqlType type) => throw Pending();
    private static object?[] ReceiveRecord(ref BinaryValueReader reader) => throw Pending();
}

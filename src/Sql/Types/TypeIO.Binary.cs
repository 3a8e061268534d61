using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace AnnSql.Sql.Types;

public static partial class TypeIO
{
    private static void WriteByte(IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    private static void WriteInt16BigEndian(IBufferWriter<byte> output, short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(output.GetSpan(2), value);
        output.Advance(2);
    }

    private static void WriteInt32BigEndian(IBufferWriter<byte> output, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    private static void WriteInt64BigEndian(IBufferWriter<byte> output, long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    private static void WriteInteger(long value, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(20);
        value.TryFormat(span, out int written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    private static void WriteInteger(uint value, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(10);
        value.TryFormat(span, out int written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    private static void WriteUtf8(string value, IBufferWriter<byte> output) => Encoding.UTF8.GetBytes(value, output);

    private static void WriteUtf8(ReadOnlySpan<char> value, IBufferWriter<byte> output) => Encoding.UTF8.GetBytes(value, output);

    private static long AsInt64(object value) => value switch
    {
        int i => i,
        short s => s,
        long l => l,
        _ => Convert.ToInt64(value, CultureInfo.InvariantCulture),
    };

    private static uint AsOid(object value) => value switch
    {
        uint u => u,
        int i => unchecked((uint)i),
        _ => Convert.ToUInt32(value, CultureInfo.InvariantCulture),
    };

    private static float AsFloat4(object value) => value is float f ? f : Convert.ToSingle(value, CultureInfo.InvariantCulture);

    private static double AsFloat8(object value) => value is double d ? d : Convert.ToDouble(value, CultureInfo.InvariantCulture);

    private static decimal AsDecimal(object value) => value is decimal m ? m : Convert.ToDecimal(value, CultureInfo.InvariantCulture);
}

using System.Text;
using AnnSql.Wire.Buffers;

namespace AnnSql.Wire.Messages;

/// <summary>Encoders of the Authentication* request messages (PG docs: protocol-message-formats.html).</summary>
internal static class AuthenticationMessages
{
    public const int CleartextPassword = 3;
    public const int Md5Password = 5;
    public const int Sasl = 10;
    public const int SaslContinue = 11;
    public const int SaslFinal = 12;

    public static void WriteCleartextPassword(PgOutputBuffer buffer) => WriteRequest(buffer, CleartextPassword, []);

    public static void WriteMd5Password(PgOutputBuffer buffer, ReadOnlySpan<byte> salt) => WriteRequest(buffer, Md5Password, salt);

    /// <summary>AuthenticationSASL: the mechanism names, each a C string, then an empty string.</summary>
    public static void WriteSasl(PgOutputBuffer buffer, string mechanism)
    {
        var start = buffer.StartMessage(BackendMessageCode.Authentication);
        buffer.WriteInt32(Sasl);
        buffer.WriteCString(mechanism);
        buffer.WriteByte(0);
        buffer.EndMessage(start);
    }

    public static void WriteSaslContinue(PgOutputBuffer buffer, string data) => WriteRequest(buffer, SaslContinue, Encoding.UTF8.GetBytes(data));

    public static void WriteSaslFinal(PgOutputBuffer buffer, string data) => WriteRequest(buffer, SaslFinal, Encoding.UTF8.GetBytes(data));

    private static void WriteRequest(PgOutputBuffer buffer, int code, ReadOnlySpan<byte> data)
    {
        var start = buffer.StartMessage(BackendMessageCode.Authentication);
        buffer.WriteInt32(code);
        buffer.WriteBytes(data);
        buffer.EndMessage(start);
    }
}

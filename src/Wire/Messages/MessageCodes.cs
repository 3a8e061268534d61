namespace AnnSql.Wire.Messages;

/// <summary>Tags of frontend (client → server) messages (PG docs: protocol-message-formats.html).</summary>
internal static class FrontendMessageCode
{
    public const byte Bind = (byte)'B';
    public const byte Close = (byte)'C';
    public const byte CopyData = (byte)'d';
    public const byte CopyDone = (byte)'c';
    public const byte CopyFail = (byte)'f';
    public const byte Describe = (byte)'D';
    public const byte Execute = (byte)'E';
    public const byte Flush = (byte)'H';
    public const byte FunctionCall = (byte)'F';
    public const byte Parse = (byte)'P';
    public const byte PasswordMessage = (byte)'p';
    public const byte Query = (byte)'Q';
    public const byte Sync = (byte)'S';
    public const byte Terminate = (byte)'X';

    /// <summary>Untagged startup packet codes (the int32 after the length).</summary>
    public const int ProtocolVersion3 = 196608;
    public const int CancelRequestCode = 80877102;
    public const int SslRequestCode = 80877103;
    public const int GssEncRequestCode = 80877104;

    /// <summary>
    /// Whether <paramref name="tag"/> is a known message, and its maximum length: the large limit for messages that carry
    /// data (Bind, CopyData, FunctionCall, Parse, Query, password/SASL), the small limit otherwise (PG 15 postgres.c SocketBackend).
    /// </summary>
    public static bool TryGetMaxLength(byte tag, int smallLimit, int largeLimit, out int maxLength)
    {
        switch (tag)
        {
            case Bind or CopyData or FunctionCall or Parse or Query or PasswordMessage:
                maxLength = largeLimit;
                return true;
            case Close or CopyDone or CopyFail or Describe or Execute or Flush or Sync or Terminate:
                maxLength = smallLimit;
                return true;
            default:
                maxLength = 0;
                return false;
        }
    }
}

/// <summary>Tags of backend (server → client) messages.</summary>
internal static class BackendMessageCode
{
    public const byte Authentication = (byte)'R';
    public const byte BackendKeyData = (byte)'K';
    public const byte BindComplete = (byte)'2';
    public const byte CloseComplete = (byte)'3';
    public const byte CommandComplete = (byte)'C';
    public const byte CopyData = (byte)'d';
    public const byte CopyDone = (byte)'c';
    public const byte CopyInResponse = (byte)'G';
    public const byte CopyOutResponse = (byte)'H';
    public const byte DataRow = (byte)'D';
    public const byte EmptyQueryResponse = (byte)'I';
    public const byte ErrorResponse = (byte)'E';
    public const byte NegotiateProtocolVersion = (byte)'v';
    public const byte NoData = (byte)'n';
    public const byte NoticeResponse = (byte)'N';
    public const byte ParameterDescription = (byte)'t';
    public const byte ParameterStatus = (byte)'S';
    public const byte ParseComplete = (byte)'1';
    public const byte PortalSuspended = (byte)'s';
    public const byte ReadyForQuery = (byte)'Z';
    public const byte RowDescription = (byte)'T';

    /// <summary>The single unframed byte that refuses an SSLRequest or GSSENCRequest.</summary>
    public const byte EncryptionRefused = (byte)'N';

    /// <summary>The single unframed byte that accepts an SSLRequest; the TLS handshake follows.</summary>
    public const byte EncryptionAccepted = (byte)'S';
}

namespace AnnSql.Wire.Errors;

/// <summary>
/// The frontend broke the framing or message layout of the v3 protocol. Wire answers with a FATAL
/// ErrorResponse, SQLSTATE 08P01, and closes the connection (PG docs: protocol-flow.html).
/// </summary>
public sealed class ProtocolViolationException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> becomes the ErrorResponse message.</summary>
    public ProtocolViolationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public ProtocolViolationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The FATAL 08P01 error sent to the client.</summary>
    public PgError ToError() => PgError.Fatal(SqlState.ProtocolViolation, Message);
}

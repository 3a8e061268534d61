namespace AnnSql.Wire.Errors;

/// <summary>
/// Thrown by a session handler (or by Wire) to report an error to the client as an ErrorResponse.
/// ERROR severity keeps the connection; FATAL closes it after the response.
/// </summary>
public class PgErrorException : Exception
{
    /// <summary>Wraps <paramref name="error"/>.</summary>
    public PgErrorException(PgError error)
        : base((error ?? throw new ArgumentNullException(nameof(error))).Message) => Error = error;

    /// <summary>Wraps <paramref name="error"/>, keeping the exception that caused it.</summary>
    public PgErrorException(PgError error, Exception? innerException)
        : base((error ?? throw new ArgumentNullException(nameof(error))).Message, innerException) => Error = error;

    /// <summary>Shorthand for an ERROR-severity error.</summary>
    public PgErrorException(string sqlState, string message)
        : this(PgError.Error(sqlState, message))
    {
    }

    /// <summary>The error to send.</summary>
    public PgError Error { get; }
}

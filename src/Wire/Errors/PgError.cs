namespace AnnSql.Wire.Errors;

/// <summary>
/// The fields of an ErrorResponse or NoticeResponse message.
/// Written in the order S, V, C, M, D, H, P, W, s, t, c, d, n, F, L, R
/// (PG docs: protocol-error-fields.html); absent optional fields are omitted.
/// </summary>
public sealed class PgError
{
    /// <summary>Creates an error with the given severity, SQLSTATE and primary message.</summary>
    public PgError(string severity, string sqlState, string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(severity);
        ArgumentException.ThrowIfNullOrEmpty(sqlState);
        ArgumentNullException.ThrowIfNull(message);
        Severity = severity;
        SqlState = sqlState;
        Message = message;
    }

    /// <summary>"ERROR", "FATAL", "PANIC", "WARNING", "NOTICE", "DEBUG", "INFO" or "LOG" (fields S and V, never localized).</summary>
    public string Severity { get; }

    /// <summary>Five-character SQLSTATE code (field C); see <see cref="Errors.SqlState"/>.</summary>
    public string SqlState { get; }

    /// <summary>Primary human-readable message (field M): lowercase, values in the text.</summary>
    public string Message { get; }

    /// <summary>Optional secondary message with more detail (field D).</summary>
    public string? Detail { get; init; }

    /// <summary>Optional suggestion what to do about the problem (field H).</summary>
    public string? Hint { get; init; }

    /// <summary>Error cursor position as a 1-based index in characters (not bytes) into the original query string (field P).</summary>
    public int? Position { get; init; }

    /// <summary>Call-stack context, e.g. the function the error arose in (field W).</summary>
    public string? Where { get; init; }

    /// <summary>Schema of the object the error is about (field s).</summary>
    public string? SchemaName { get; init; }

    /// <summary>Table the error is about (field t).</summary>
    public string? TableName { get; init; }

    /// <summary>Column the error is about (field c).</summary>
    public string? ColumnName { get; init; }

    /// <summary>Data type the error is about (field d).</summary>
    public string? DataTypeName { get; init; }

    /// <summary>Constraint the error is about (field n).</summary>
    public string? ConstraintName { get; init; }

    /// <summary>Source file where the error was reported (field F).</summary>
    public string? File { get; init; }

    /// <summary>Source line where the error was reported (field L).</summary>
    public int? Line { get; init; }

    /// <summary>Source routine that reported the error (field R).</summary>
    public string? Routine { get; init; }

    /// <summary>True for FATAL and PANIC: the connection is closed after the response is sent.</summary>
    public bool IsFatal => Severity is "FATAL" or "PANIC";

    /// <summary>Returns a copy with another severity (e.g. an ERROR raised during startup is sent as FATAL).</summary>
    public PgError WithSeverity(string severity) => new(severity, SqlState, Message)
    {
        Detail = Detail,
        Hint = Hint,
        Position = Position,
        Where = Where,
        SchemaName = SchemaName,
        TableName = TableName,
        ColumnName = ColumnName,
        DataTypeName = DataTypeName,
        ConstraintName = ConstraintName,
        File = File,
        Line = Line,
        Routine = Routine,
    };

    /// <summary>An ERROR-severity error.</summary>
    public static PgError Error(string sqlState, string message) => new("ERROR", sqlState, message);

    /// <summary>A FATAL error; the connection is closed after it is sent.</summary>
    public static PgError Fatal(string sqlState, string message) => new("FATAL", sqlState, message);

    /// <summary>A NOTICE (SQLSTATE 00000 unless given), sent as NoticeResponse.</summary>
    public static PgError Notice(string message, string sqlState = Errors.SqlState.SuccessfulCompletion) =>
        new("NOTICE", sqlState, message);

    /// <inheritdoc/>
    public override string ToString() => $"{Severity} {SqlState}: {Message}";
}

namespace AnnSql.Sql.Errors;

/// <summary>
/// An error a statement reports to its client: a SQLSTATE, a message in PostgreSQL's style (lowercase, specific, values included)
/// and optionally the 0-based character offset in the query text it points at (sent 1-based as ErrorResponse field P).
/// </summary>
public sealed class SqlException : Exception
{
    public SqlException(string sqlState, string message, int position = -1, string? detail = null, string? hint = null)
        : base(message)
    {
        SqlState = sqlState;
        Position = position;
        Detail = detail;
        Hint = hint;
    }

    /// <summary>The five-character SQLSTATE code (see <see cref="SqlState"/>).</summary>
    public string SqlState { get; }

    /// <summary>0-based character offset into the query text, or -1 when the error has no position.</summary>
    public int Position { get; }

    public string? Detail { get; }

    public string? Hint { get; }

    /// <summary>Severity sent to the client: ERROR, or FATAL when the session must end.</summary>
    public string Severity { get; init; } = "ERROR";

    public string? SchemaName { get; init; }

    public string? TableName { get; init; }

    public string? ColumnName { get; init; }

    public string? ConstraintName { get; init; }
}

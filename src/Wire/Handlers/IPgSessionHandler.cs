namespace AnnSql.Wire.Handlers;

/// <summary>
/// The seam between the protocol and the SQL engine: one instance per connection, called by one
/// connection loop at a time, except <see cref="Cancel"/>, which arrives from another connection's thread.
/// Errors are reported by throwing <see cref="Errors.PgErrorException"/>; any other exception becomes XX000.
/// Source: PG docs, protocol-flow.html.
/// </summary>
public interface IPgSessionHandler : IAsyncDisposable
{
    /// <summary>
    /// Called once after the StartupMessage and AuthenticationOk (trust authentication for now).
    /// Returns the ParameterStatus pairs to send, in order (Npgsql needs at least <c>server_version</c>),
    /// or throws <see cref="Errors.PgErrorException"/>, which is sent as FATAL before the connection closes
    /// (e.g. 3D000 <c>database "x" does not exist</c>).
    /// </summary>
    ValueTask<IReadOnlyList<KeyValuePair<string, string>>> StartupAsync(CancellationToken ct);

    /// <summary>'I' idle, 'T' in a transaction block, 'E' in a failed transaction block; sent in every ReadyForQuery.</summary>
    char TransactionStatus { get; }

    /// <summary>
    /// Simple Query (one string, possibly several statements). Writes every result through
    /// <paramref name="responder"/>. A thrown <see cref="Errors.PgErrorException"/> becomes an ErrorResponse; the handler
    /// may instead write errors itself (<see cref="IPgResponder.WriteError"/>) and stop. A query of only whitespace
    /// and semicolons is answered by calling <see cref="IPgResponder.WriteEmptyQueryResponse"/>.
    /// Wire sends ReadyForQuery afterwards in all cases.
    /// </summary>
    ValueTask SimpleQueryAsync(string sql, IPgResponder responder, CancellationToken ct);

    /// <summary>
    /// Parse: returns the statement's description with inferred parameter types (OID 0 = infer) and result fields
    /// (null = NoData). Wire owns the name → statement map, so the handler need not check duplicates.
    /// </summary>
    PgPreparedStatement Parse(string statementName, string sql, ReadOnlySpan<uint> parameterTypeOids);

    /// <summary>
    /// Bind: parameter values are raw bytes (null = SQL NULL) that stay valid for the portal's lifetime,
    /// with one format code per parameter and the result formats expanded to one per result column
    /// (see <see cref="PgBindParameters"/>). Returns the portal; use <see cref="PgBindParameters.ApplyResultFormats"/>
    /// for its fields.
    /// </summary>
    PgPortal Bind(string portalName, PgPreparedStatement statement, PgBindParameters parameters);

    /// <summary>
    /// Execute: writes DataRows and CommandComplete (no RowDescription). With <paramref name="maxRows"/> &gt; 0 the handler
    /// may stop after that many rows and call <see cref="IPgResponder.WritePortalSuspended"/>; treating it as 0 (all rows) is allowed.
    /// </summary>
    ValueTask ExecuteAsync(PgPortal portal, int maxRows, IPgResponder responder, CancellationToken ct);

    /// <summary>The statement was closed (Close message or a replaced unnamed statement); optional cleanup. At connection end the handler is disposed instead.</summary>
    void Close(PgPreparedStatement statement);

    /// <summary>The portal was closed (Close message, replaced unnamed portal, its statement closed, or ReadyForQuery with status 'I').</summary>
    void Close(PgPortal portal);

    /// <summary>
    /// A CancelRequest carried this session's key: cancel the running statement, which then fails with 57014.
    /// Called on another thread; must be thread-safe and must not block.
    /// </summary>
    void Cancel();
}

using System.Net;

namespace AnnSql.Wire.Handlers;

/// <summary>What the client sent in its StartupMessage, plus what Wire assigned to the connection.</summary>
public sealed class PgStartupInfo
{
    /// <summary>All startup parameters as sent (user, database, application_name, client_encoding, options, …), excluding _pq_.* options.</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    /// <summary>The role name (parameter <c>user</c>; required by the protocol).</summary>
    public required string User { get; init; }

    /// <summary>The database (parameter <c>database</c>; defaults to the user name as in PostgreSQL).</summary>
    public required string Database { get; init; }

    /// <summary>Parameter <c>application_name</c>, if sent.</summary>
    public string? ApplicationName { get; init; }

    /// <summary>The peer's address, when the host passed it to <c>PgConnection.RunAsync</c>.</summary>
    public EndPoint? RemoteEndPoint { get; init; }

    /// <summary>The backend "process id" Wire sent in BackendKeyData (unique among live connections).</summary>
    public int ProcessId { get; init; }

    /// <summary>Protocol minor version the client asked for (Wire speaks 3.0 and negotiates down).</summary>
    public int ProtocolMinorVersion { get; init; }

    /// <summary>Whether the connection runs over TLS (the client's SSLRequest was accepted).</summary>
    public bool IsEncrypted { get; init; }
}

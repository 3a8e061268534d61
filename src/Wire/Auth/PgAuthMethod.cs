namespace AnnSql.Wire.Auth;

/// <summary>Authentication methods of a pg_hba rule (PG docs: auth-methods.html).</summary>
public enum PgAuthMethod
{
    /// <summary>Accept without a password.</summary>
    Trust,

    /// <summary>Refuse the connection (FATAL 28000).</summary>
    Reject,

    /// <summary>Cleartext password (AuthenticationCleartextPassword).</summary>
    Password,

    /// <summary>MD5 challenge; a role with a SCRAM secret gets SCRAM-SHA-256 instead, as in PostgreSQL.</summary>
    Md5,

    /// <summary>SCRAM-SHA-256 (SASL, RFC 7677).</summary>
    ScramSha256,
}

/// <summary>The connection types of a pg_hba rule that apply to TCP connections.</summary>
public enum PgHbaConnectionType
{
    /// <summary><c>host</c>: with or without TLS.</summary>
    Host,

    /// <summary><c>hostssl</c>: only TLS connections.</summary>
    HostSsl,

    /// <summary><c>hostnossl</c>: only connections without TLS.</summary>
    HostNoSsl,
}

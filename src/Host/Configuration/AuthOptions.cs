namespace AnnSql.Host.Configuration;

/// <summary>
/// Authentication settings (section <c>Auth</c>): pg_hba-style rules, tried in order, and roles with passwords.
/// With no rules configured, loopback connections are trusted and all others need SCRAM-SHA-256.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>Ordered rules (<c>Auth:Rules:0:Method=...</c>); empty means the defaults.</summary>
    public List<AuthRuleOptions> Rules { get; set; } = [];

    /// <summary>Roles that can log in with a password (<c>Auth:Roles:0:Name=...</c>).</summary>
    public List<RoleOptions> Roles { get; set; } = [];

    /// <summary>How a cleartext <see cref="RoleOptions.Password"/> is stored: <c>scram-sha-256</c> (default) or <c>md5</c>
    /// (PostgreSQL's password_encryption).</summary>
    public string PasswordEncryption { get; set; } = "scram-sha-256";
}

/// <summary>One pg_hba.conf line; the fields take pg_hba.conf's words.</summary>
public sealed class AuthRuleOptions
{
    /// <summary><c>host</c>, <c>hostssl</c> or <c>hostnossl</c>.</summary>
    public string Type { get; set; } = "host";

    /// <summary>Comma-separated database names, <c>all</c> or <c>sameuser</c>.</summary>
    public string Database { get; set; } = "all";

    /// <summary>Comma-separated role names or <c>all</c>.</summary>
    public string User { get; set; } = "all";

    /// <summary>Client address range in CIDR form (<c>10.0.0.0/8</c>), a single address, or <c>all</c>.</summary>
    public string Address { get; set; } = "all";

    /// <summary><c>trust</c>, <c>reject</c>, <c>password</c>, <c>md5</c> or <c>scram-sha-256</c>.</summary>
    public string Method { get; set; } = "scram-sha-256";
}

/// <summary>A login role: a cleartext password (stored hashed at startup) or a stored secret.</summary>
public sealed class RoleOptions
{
    /// <summary>Role name, as the client sends it in <c>user</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>Cleartext password, hashed per <see cref="AuthOptions.PasswordEncryption"/>.</summary>
    public string? Password { get; set; }

    /// <summary>A stored secret in PostgreSQL's form: <c>SCRAM-SHA-256$4096:salt$StoredKey:ServerKey</c> or <c>md5…</c>.</summary>
    public string? Verifier { get; set; }
}

/// <summary>TLS settings (section <c>Tls</c>): a PEM certificate and key, or a PKCS#12 file.</summary>
public sealed class TlsOptions
{
    /// <summary>Certificate file: PEM (with <see cref="Key"/>) or PKCS#12 (.pfx/.p12). Empty disables TLS.</summary>
    public string Certificate { get; set; } = "";

    /// <summary>PEM private key file for a PEM <see cref="Certificate"/>; empty when the key is in the same PEM file.</summary>
    public string Key { get; set; } = "";

    /// <summary>Password of a PKCS#12 file or an encrypted PEM key.</summary>
    public string? Password { get; set; }
}

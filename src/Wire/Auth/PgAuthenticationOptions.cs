using System.Net;
using System.Security.Cryptography;

namespace AnnSql.Wire.Auth;

/// <summary>Where a connection's role passwords come from (the host's role store).</summary>
public interface IPgRoleStore
{
    /// <summary>
    /// The stored secret of <paramref name="role"/>: a SCRAM-SHA-256 verifier (<see cref="ScramSecret"/> form) or an md5 hash
    /// (<see cref="Md5Password"/> form); null when the role does not exist or has no password.
    /// </summary>
    string? GetPassword(string role);
}

/// <summary>Host-based authentication for <see cref="Protocol.PgConnection"/>: ordered rules, first match wins (pg_hba.conf).</summary>
public sealed class PgAuthenticationOptions
{
    /// <summary>PostgreSQL-like defaults: trust on loopback (127.0.0.1/32, ::1/128), SCRAM-SHA-256 from anywhere else.</summary>
    public static IReadOnlyList<PgHbaRule> DefaultRules { get; } =
    [
        new(PgHbaConnectionType.Host, ["all"], ["all"], IPNetwork.Parse("127.0.0.1/32"), PgAuthMethod.Trust),
        new(PgHbaConnectionType.Host, ["all"], ["all"], IPNetwork.Parse("::1/128"), PgAuthMethod.Trust),
        new(PgHbaConnectionType.Host, ["all"], ["all"], null, PgAuthMethod.ScramSha256),
    ];

    /// <summary>The rules in order; a connection no rule matches is refused with FATAL 28000.</summary>
    public IReadOnlyList<PgHbaRule> Rules { get; init; } = DefaultRules;

    /// <summary>Role secrets.</summary>
    public required IPgRoleStore Roles { get; init; }

    /// <summary>
    /// Whether an md5 rule answers an unknown role with an md5 challenge (true) or SCRAM (false), so that the client cannot
    /// tell unknown roles apart; follows PostgreSQL's password_encryption.
    /// </summary>
    public bool Md5ForUnknownRoles { get; init; }

    /// <summary>Key of the mock salts given to unknown roles (random per process).</summary>
    internal byte[] MockKey { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>The first rule matching the connection, or null.</summary>
    public PgHbaRule? Match(bool ssl, string database, string user, IPAddress? address)
    {
        foreach (var rule in Rules)
        {
            if (rule.Matches(ssl, database, user, address))
            {
                return rule;
            }
        }

        return null;
    }
}

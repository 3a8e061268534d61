using System.Net;

namespace AnnSql.Wire.Auth;

/// <summary>
/// One pg_hba.conf line for TCP connections: connection type, databases, users, client address range and method.
/// Source: PG docs, auth-pg-hba-conf.html.
/// </summary>
public sealed class PgHbaRule
{
    /// <summary>Creates a rule; <paramref name="databases"/> and <paramref name="users"/> hold names or the keyword <c>all</c>
    /// (<c>sameuser</c> is accepted for databases); a null <paramref name="address"/> matches every address.</summary>
    public PgHbaRule(PgHbaConnectionType type, IReadOnlyList<string> databases, IReadOnlyList<string> users, IPNetwork? address,
        PgAuthMethod method)
    {
        ArgumentNullException.ThrowIfNull(databases);
        ArgumentNullException.ThrowIfNull(users);
        Type = type;
        Databases = databases;
        Users = users;
        Address = address;
        Method = method;
    }

    /// <summary>host, hostssl or hostnossl.</summary>
    public PgHbaConnectionType Type { get; }

    /// <summary>Database names, <c>all</c> or <c>sameuser</c>.</summary>
    public IReadOnlyList<string> Databases { get; }

    /// <summary>Role names or <c>all</c>.</summary>
    public IReadOnlyList<string> Users { get; }

    /// <summary>Client address range; null for <c>all</c>.</summary>
    public IPNetwork? Address { get; }

    /// <summary>What the client must do to log in.</summary>
    public PgAuthMethod Method { get; }

    /// <summary>
    /// Builds a rule from pg_hba.conf words: <paramref name="type"/> host|hostssl|hostnossl, comma-separated
    /// <paramref name="databases"/> and <paramref name="users"/>, <paramref name="address"/> <c>all</c>, an address with a CIDR
    /// mask or a bare address (a single host), <paramref name="method"/> trust|reject|password|md5|scram-sha-256.
    /// Throws <see cref="FormatException"/> naming the bad word.
    /// </summary>
    public static PgHbaRule Parse(string type, string databases, string users, string address, string method)
    {
        var connectionType = type.ToLowerInvariant() switch
        {
            "host" => PgHbaConnectionType.Host,
            "hostssl" => PgHbaConnectionType.HostSsl,
            "hostnossl" => PgHbaConnectionType.HostNoSsl,
            _ => throw new FormatException($"invalid connection type \"{type}\" (expected host, hostssl or hostnossl)"),
        };
        var authMethod = method.ToLowerInvariant() switch
        {
            "trust" => PgAuthMethod.Trust,
            "reject" => PgAuthMethod.Reject,
            "password" => PgAuthMethod.Password,
            "md5" => PgAuthMethod.Md5,
            "scram-sha-256" => PgAuthMethod.ScramSha256,
            _ => throw new FormatException($"invalid authentication method \"{method}\" (expected trust, reject, password, md5 or scram-sha-256)"),
        };
        IPNetwork? network = null;
        if (!address.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            if (IPNetwork.TryParse(address, out var parsed))
            {
                network = parsed;
            }
            else if (IPAddress.TryParse(address, out var single))
            {
                network = new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            }
            else
            {
                throw new FormatException($"invalid IP address \"{address}\"");
            }
        }

        return new PgHbaRule(connectionType, SplitNames(databases), SplitNames(users), network, authMethod);
    }

    /// <summary>True when this rule applies to a connection with these properties.</summary>
    public bool Matches(bool ssl, string database, string user, IPAddress? address)
    {
        if ((Type == PgHbaConnectionType.HostSsl && !ssl) || (Type == PgHbaConnectionType.HostNoSsl && ssl))
        {
            return false;
        }

        if (Address is { } network)
        {
            if (address is null)
            {
                return false;
            }

            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }

            if (!network.Contains(address))
            {
                return false;
            }
        }

        return MatchesName(Databases, database, sameUser: user) && MatchesName(Users, user, sameUser: null);
    }

    private static bool MatchesName(IReadOnlyList<string> names, string value, string? sameUser)
    {
        foreach (var name in names)
        {
            if (name == "all" || name == value || (sameUser is not null && name == "sameuser" && value == sameUser))
            {
                return true;
            }
        }

        return false;
    }

    private static string[] SplitNames(string names)
    {
        var parts = names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new FormatException("a rule needs at least one database and one user name (or all)");
        }

        return parts;
    }
}

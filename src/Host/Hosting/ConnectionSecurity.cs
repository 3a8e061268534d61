using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using AnnSql.Host.Configuration;
using AnnSql.Wire.Auth;

namespace AnnSql.Host.Hosting;

/// <summary>The protocol layer's authentication and TLS settings, built once from the <c>Auth</c> and <c>Tls</c> options.</summary>
public sealed class ConnectionSecurity(PgAuthenticationOptions authentication, SslServerAuthenticationOptions? tls)
{
    /// <summary>Rules and role secrets.</summary>
    public PgAuthenticationOptions Authentication { get; } = authentication;

    /// <summary>TLS settings; null when no certificate is configured.</summary>
    public SslServerAuthenticationOptions? Tls { get; } = tls;

    /// <summary>Builds both from the options; throws <see cref="FormatException"/>, <see cref="IOException"/> or
    /// <see cref="System.Security.Cryptography.CryptographicException"/> on bad settings or files.</summary>
    public static ConnectionSecurity Create(AnnSqlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ConnectionSecurity(BuildAuthentication(options.Auth), BuildTls(options.Tls));
    }

    /// <summary>Builds the rules and role store; throws <see cref="FormatException"/> on a bad rule or role.</summary>
    public static PgAuthenticationOptions BuildAuthentication(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var md5 = options.PasswordEncryption.ToLowerInvariant() switch
        {
            "scram-sha-256" => false,
            "md5" => true,
            _ => throw new FormatException(
                $"invalid value for Auth:PasswordEncryption: \"{options.PasswordEncryption}\" (expected scram-sha-256 or md5)"),
        };
        var rules = new List<PgHbaRule>();
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var r = options.Rules[i];
            try
            {
                rules.Add(PgHbaRule.Parse(r.Type, r.Database, r.User, r.Address, r.Method));
            }
            catch (FormatException ex)
            {
                throw new FormatException($"Auth:Rules:{i}: {ex.Message}", ex);
            }
        }

        var roles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var role in options.Roles)
        {
            if (role.Name.Length == 0)
            {
                throw new FormatException("Auth:Roles: a role needs a Name");
            }

            if (role.Verifier is { Length: > 0 } verifier)
            {
                if (!ScramSecret.TryParse(verifier, out _) && !Md5Password.IsMd5(verifier))
                {
                    throw new FormatException($"Auth:Roles: the verifier of role \"{role.Name}\" is neither a SCRAM-SHA-256 secret nor an md5 hash");
                }

                roles[role.Name] = verifier;
            }
            else if (role.Password is { Length: > 0 } password)
            {
                roles[role.Name] = md5 ? Md5Password.Hash(password, role.Name) : ScramSecret.Create(password).ToString();
            }
        }

        return new PgAuthenticationOptions
        {
            Rules = rules.Count > 0 ? rules : PgAuthenticationOptions.DefaultRules,
            Roles = new ConfiguredRoleStore(roles),
            Md5ForUnknownRoles = md5,
        };
    }

    /// <summary>Loads the certificate; null when none is configured. Throws what the certificate loader throws.</summary>
    public static SslServerAuthenticationOptions? BuildTls(TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Certificate.Length == 0)
        {
            return null;
        }

        X509Certificate2 certificate;
        var extension = Path.GetExtension(options.Certificate).ToLowerInvariant();
        if (extension is ".pfx" or ".p12")
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(options.Certificate, options.Password);
        }
        else
        {
            var key = options.Key.Length > 0 ? options.Key : null;
            certificate = options.Password is { Length: > 0 } password
                ? X509Certificate2.CreateFromEncryptedPemFile(options.Certificate, password, key)
                : X509Certificate2.CreateFromPemFile(options.Certificate, key);
        }

        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null),
            ClientCertificateRequired = false,
        };
    }

    private sealed class ConfiguredRoleStore(Dictionary<string, string> roles) : IPgRoleStore
    {
        public string? GetPassword(string role) => roles.GetValueOrDefault(role);
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AnnSql.Wire.Auth;

/// <summary>
/// A SCRAM-SHA-256 password verifier in PostgreSQL's stored form
/// <c>SCRAM-SHA-256$&lt;iterations&gt;:&lt;salt&gt;$&lt;StoredKey&gt;:&lt;ServerKey&gt;</c> (base64 fields).
/// Source: RFC 5802 §3 and PostgreSQL's src/common/scram-common.c (scram_build_secret).
/// </summary>
public sealed class ScramSecret
{
    /// <summary>PostgreSQL's scram_iterations default.</summary>
    public const int DefaultIterations = 4096;

    /// <summary>PostgreSQL's SCRAM_DEFAULT_SALT_LEN (bytes).</summary>
    public const int DefaultSaltLength = 16;

    /// <summary>The prefix that marks a stored SCRAM-SHA-256 secret.</summary>
    public const string Prefix = "SCRAM-SHA-256$";

    private const int KeyLength = 32;

    /// <summary>Creates a verifier from its parts; throws <see cref="ArgumentException"/> on bad sizes.</summary>
    public ScramSecret(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentNullException.ThrowIfNull(salt);
        if (storedKey is not { Length: KeyLength } || serverKey is not { Length: KeyLength })
        {
            throw new ArgumentException("SCRAM-SHA-256 keys are 32 bytes");
        }

        Iterations = iterations;
        Salt = salt;
        StoredKey = storedKey;
        ServerKey = serverKey;
    }

    /// <summary>PBKDF2 iteration count.</summary>
    public int Iterations { get; }

    /// <summary>The salt given to PBKDF2.</summary>
    public byte[] Salt { get; }

    /// <summary>H(HMAC(SaltedPassword, "Client Key")).</summary>
    public byte[] StoredKey { get; }

    /// <summary>HMAC(SaltedPassword, "Server Key").</summary>
    public byte[] ServerKey { get; }

    /// <summary>Builds the verifier of <paramref name="password"/> with a random salt (or <paramref name="salt"/>).</summary>
    public static ScramSecret Create(string password, int iterations = DefaultIterations, byte[]? salt = null)
    {
        ArgumentNullException.ThrowIfNull(password);
        salt ??= RandomNumberGenerator.GetBytes(DefaultSaltLength);
        var salted = SaltedPassword(password, salt, iterations);
        return new ScramSecret(iterations, salt, SHA256.HashData(ClientKey(salted)), ServerKeyOf(salted));
    }

    /// <summary>Parses PostgreSQL's stored form; false when <paramref name="text"/> is not a well-formed SCRAM-SHA-256 secret.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ScramSecret? secret)
    {
        secret = null;
        if (text is null || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = text[Prefix.Length..].Split('$');
        if (parts.Length != 2)
        {
            return false;
        }

        var head = parts[0].Split(':');
        var keys = parts[1].Split(':');
        if (head.Length != 2 || keys.Length != 2
            || !int.TryParse(head[0], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1
            || !TryBase64(head[1], out var salt) || salt.Length == 0
            || !TryBase64(keys[0], out var storedKey) || storedKey.Length != KeyLength
            || !TryBase64(keys[1], out var serverKey) || serverKey.Length != KeyLength)
        {
            return false;
        }

        secret = new ScramSecret(iterations, salt, storedKey, serverKey);
        return true;
    }

    /// <summary>True when <paramref name="password"/> produces this verifier (cleartext password authentication).</summary>
    public bool Matches(string password)
    {
        var salted = SaltedPassword(password, Salt, Iterations);
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(ClientKey(salted)), StoredKey)
               && CryptographicOperations.FixedTimeEquals(ServerKeyOf(salted), ServerKey);
    }

    /// <summary>The stored form, as PostgreSQL writes it to pg_authid.rolpassword.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Prefix}{Iterations}:{Convert.ToBase64String(Salt)}${Convert.ToBase64String(StoredKey)}:{Convert.ToBase64String(ServerKey)}");

    /// <summary>Hi(Normalize(password), salt, i) of RFC 5802 §2.2: PBKDF2 with HMAC-SHA-256.</summary>
    internal static byte[] SaltedPassword(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Prepare(password)), salt, iterations, HashAlgorithmName.SHA256, KeyLength);

    internal static byte[] ClientKey(byte[] saltedPassword) => HMACSHA256.HashData(saltedPassword, "Client Key"u8);

    internal static byte[] ServerKeyOf(byte[] saltedPassword) => HMACSHA256.HashData(saltedPassword, "Server Key"u8);

    /// <summary>
    /// SASLprep stand-in: ASCII passwords pass unchanged (PostgreSQL's pg_saslprep leaves them alone); others are NFKC-normalized,
    /// the normalization step of RFC 4013.
    /// </summary>
    private static string Prepare(string password) => Ascii.IsValid(password) ? password : password.Normalize(NormalizationForm.FormKC);

    private static bool TryBase64(string text, out byte[] bytes)
    {
        var buffer = new byte[text.Length];
        if (Convert.TryFromBase64String(text, buffer, out var written))
        {
            bytes = buffer[..written];
            return true;
        }

        bytes = [];
        return false;
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace AnnSql.Wire.Auth;

/// <summary>
/// PostgreSQL's md5 password scheme: the stored form is <c>"md5" + hex(md5(password + user))</c>, and the client answers an
/// AuthenticationMD5Password salt with <c>"md5" + hex(md5(hex-part-of-stored + salt))</c>. Source: src/common/md5_common.c
/// (pg_md5_encrypt) and src/backend/libpq/crypt.c (md5_crypt_verify).
/// </summary>
[SuppressMessage("Security", "CA5351", Justification = "MD5 is what the PostgreSQL md5 authentication method is defined with.")]
public static class Md5Password
{
    /// <summary>Length of a stored md5 secret: "md5" and 32 hex digits.</summary>
    public const int StoredLength = 35;

    /// <summary>The stored form of <paramref name="password"/> for role <paramref name="user"/>.</summary>
    public static string Hash(string password, string user) => "md5" + Hex(Encoding.UTF8.GetBytes(password + user));

    /// <summary>True when <paramref name="text"/> looks like a stored md5 secret (PostgreSQL's get_password_type).</summary>
    public static bool IsMd5(string? text) =>
        text is { Length: StoredLength } && text.StartsWith("md5", StringComparison.Ordinal) && text.AsSpan(3).IndexOfAnyExcept(HexDigits) < 0;

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdef");

    /// <summary>The response a client holding <paramref name="stored"/> sends for <paramref name="salt"/> (4 bytes).</summary>
    public static string Response(string stored, ReadOnlySpan<byte> salt)
    {
        var input = new byte[32 + salt.Length];
        Encoding.ASCII.GetBytes(stored.AsSpan(3), input);
        salt.CopyTo(input.AsSpan(32));
        return "md5" + Hex(input);
    }

    /// <summary>Checks a cleartext <paramref name="password"/> against a stored md5 secret.</summary>
    public static bool Matches(string stored, string password, string user) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(Hash(password, user)));

    private static string Hex(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));
}

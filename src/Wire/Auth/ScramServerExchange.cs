using System.Security.Cryptography;
using System.Text;
using AnnSql.Wire.Errors;

namespace AnnSql.Wire.Auth;

/// <summary>
/// The server side of one SCRAM-SHA-256 exchange without channel binding: client-first → server-first, client-final →
/// server-final. The gs2 header may be <c>n,,</c> or <c>y,,</c> (the client could bind but the server did not offer
/// SCRAM-SHA-256-PLUS); <c>p=</c> and an authzid are refused. The user name inside the message is ignored: the startup
/// packet's user counts, as in PostgreSQL. Malformed messages throw <see cref="PgErrorException"/> (FATAL 08P01 or 0A000,
/// PostgreSQL's wording); a wrong proof makes <see cref="TryFinish"/> return false.
/// Source: RFC 5802 §3, §5 and §7, RFC 7677, PostgreSQL's src/backend/libpq/auth-scram.c.
/// </summary>
public sealed class ScramServerExchange
{
    /// <summary>The only mechanism advertised in AuthenticationSASL.</summary>
    public const string Mechanism = "SCRAM-SHA-256";

    /// <summary>PostgreSQL's SCRAM_RAW_NONCE_LEN (bytes before base64).</summary>
    private const int RawNonceLength = 18;

    private readonly ScramSecret _secret;
    private readonly bool _doomed;
    private readonly string _serverNonce;
    private char _cbindFlag;
    private string? _clientFirstBare;
    private string? _serverFirst;
    private string? _nonce;

    /// <summary>Starts an exchange against <paramref name="secret"/>; <paramref name="serverNonce"/> is random unless given (tests).</summary>
    public ScramServerExchange(ScramSecret secret, string? serverNonce = null)
        : this(secret, doomed: false, serverNonce)
    {
    }

    private ScramServerExchange(ScramSecret secret, bool doomed, string? serverNonce)
    {
        ArgumentNullException.ThrowIfNull(secret);
        _secret = secret;
        _doomed = doomed;
        _serverNonce = serverNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(RawNonceLength));
    }

    /// <summary>
    /// An exchange that always fails at the end, for a role that does not exist or has no SCRAM secret: the salt is derived
    /// from the user name and <paramref name="mockKey"/>, so a client cannot tell an unknown role from a wrong password
    /// (PostgreSQL's scram_mock_salt).
    /// </summary>
    public static ScramServerExchange CreateDoomed(string user, byte[] mockKey)
    {
        var salt = HMACSHA256.HashData(mockKey, Encoding.UTF8.GetBytes(user))[..ScramSecret.DefaultSaltLength];
        var secret = new ScramSecret(ScramSecret.DefaultIterations, salt, new byte[32], new byte[32]);
        return new ScramServerExchange(secret, doomed: true, serverNonce: null);
    }

    /// <summary>Reads client-first-message and returns server-first-message (<c>r=…,s=…,i=…</c>).</summary>
    public string Start(string clientFirst)
    {
        ArgumentNullException.ThrowIfNull(clientFirst);
        if (clientFirst.Length == 0)
        {
            throw Malformed("The message is empty.");
        }

        var p = new Cursor(clientFirst);
        _cbindFlag = p.Next();
        switch (_cbindFlag)
        {
            case 'n' or 'y':
                p.Expect(',');
                break;
            case 'p':
                throw Malformed(
                    "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.");
            default:
                throw Malformed($"Unexpected channel-binding flag \"{Sanitize(_cbindFlag)}\".");
        }

        if (p.Peek() == 'a')
        {
            throw new PgErrorException(PgError.Fatal(SqlState.FeatureNotSupported,
                "client uses authorization identity, but it is not supported"));
        }

        if (p.Peek() != ',')
        {
            throw Malformed($"Unexpected attribute \"{Sanitize(p.Peek())}\" in client-first-message.");
        }

        p.Next();
        _clientFirstBare = clientFirst[p.Position..];
        if (p.Peek() == 'm')
        {
            throw new PgErrorException(PgError.Fatal(SqlState.FeatureNotSupported, "client requires an unsupported SCRAM extension"));
        }

        p.ReadAttribute('n'); // the user name: ignored, the startup packet's user counts
        var clientNonce = p.ReadAttribute('r');
        if (clientNonce.Length == 0 || clientNonce.AsSpan().ContainsAnyExceptInRange('\x21', '\x7e') || clientNonce.Contains(','))
        {
            throw Malformed("Invalid nonce.");
        }

        _nonce = clientNonce + _serverNonce;
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(_secret.Salt)},i={_secret.Iterations}";
        return _serverFirst;
    }

    /// <summary>
    /// Reads client-final-message; true with server-final-message (<c>v=…</c>) when the proof is right, false when the password
    /// is wrong (or the exchange was doomed from the start).
    /// </summary>
    public bool TryFinish(string clientFinal, out string serverFinal)
    {
        ArgumentNullException.ThrowIfNull(clientFinal);
        if (_serverFirst is null || _nonce is null || _clientFirstBare is null)
        {
            throw new InvalidOperationException("client-first-message was not processed");
        }

        if (clientFinal.Length == 0)
        {
            throw Malformed("The message is empty.");
        }

        var p = new Cursor(clientFinal);
        var binding = p.ReadAttribute('c');
        var expected = _cbindFlag == 'y' ? "eSws" : "biws"; // base64 of "y,," and "n,,"
        if (binding != expected)
        {
            throw new PgErrorException(PgError.Fatal(SqlState.ProtocolViolation,
                "unexpected SCRAM channel-binding attribute in client-final-message"));
        }

        var nonce = p.ReadAttribute('r');
        int proofStart;
        string proofText;
        while (true)
        {
            proofStart = p.Position;
            var name = p.Peek();
            if (name == 'p')
            {
                proofText = p.ReadAttribute('p');
                break;
            }

            p.ReadAnyAttribute(); // extensions are ignored
        }

        if (!p.AtEnd)
        {
            throw Malformed("Garbage found at the end of client-final-message.");
        }

        var proof = new byte[32];
        if (!Convert.TryFromBase64String(proofText, proof, out var proofLength) || proofLength != 32)
        {
            throw Malformed("Malformed proof in client-final-message.");
        }

        if (nonce != _nonce)
        {
            throw Malformed("Nonce does not match.");
        }

        var withoutProof = clientFinal[..(proofStart - 1)];
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        var clientSignature = HMACSHA256.HashData(_secret.StoredKey, authMessage);
        var clientKey = new byte[32];
        for (var i = 0; i < clientKey.Length; i++)
        {
            clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        }

        var valid = CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), _secret.StoredKey);
        if (_doomed || !valid)
        {
            serverFinal = "";
            return false;
        }

        serverFinal = "v=" + Convert.ToBase64String(HMACSHA256.HashData(_secret.ServerKey, authMessage));
        return true;
    }

    private static PgErrorException Malformed(string detail) =>
        new(new PgError("FATAL", SqlState.ProtocolViolation, "malformed SCRAM message") { Detail = detail });

    private static string Sanitize(char c) => c is >= '\x21' and <= '\x7e' ? c.ToString() : $"0x{(int)c:x2}";

    /// <summary>A reader over <c>attr=value,</c> lists (PostgreSQL's read_attribute_value / read_any_attr).</summary>
    private struct Cursor(string text)
    {
        public int Position { get; private set; }

        public readonly bool AtEnd => Position >= text.Length;

        public readonly char Peek() => AtEnd ? '\0' : text[Position];

        public char Next()
        {
            var c = Peek();
            if (!AtEnd)
            {
                Position++;
            }

            return c;
        }

        public void Expect(char c)
        {
            var found = Next();
            if (found != c)
            {
                throw Malformed($"Comma expected, but found character \"{Sanitize(found)}\".");
            }
        }

        public string ReadAttribute(char name)
        {
            var found = Peek();
            if (found != name)
            {
                throw Malformed($"Expected attribute \"{name}\" but found \"{Sanitize(found)}\".");
            }

            return ReadValue(name);
        }

        public string ReadAnyAttribute()
        {
            var name = Peek();
            if (name is not ((>= 'A' and <= 'Z') or (>= 'a' and <= 'z')))
            {
                throw Malformed($"Attribute expected, but found invalid character \"{Sanitize(name)}\".");
            }

            return ReadValue(name);
        }

        private string ReadValue(char name)
        {
            Position++;
            if (Next() != '=')
            {
                throw Malformed($"Expected character \"=\" for attribute \"{name}\".");
            }

            var start = Position;
            var comma = text.IndexOf(',', start);
            var end = comma < 0 ? text.Length : comma;
            Position = comma < 0 ? text.Length : comma + 1;
            return text[start..end];
        }
    }
}

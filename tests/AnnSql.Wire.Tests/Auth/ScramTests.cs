using System.Security.Cryptography;
using System.Text;
using AnnSql.Wire.Auth;
using AnnSql.Wire.Errors;

namespace AnnSql.Wire.Tests.Auth;

/// <summary>SCRAM-SHA-256 verifiers and the server side of the exchange, against RFC 7677 §3 and PostgreSQL 15's output.</summary>
public class ScramTests
{
    // RFC 7677 §3: user "user", password "pencil".
    private const string ClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string ServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string Salt = "W22ZaJ0SNY7soEsUEjb6gQ==";
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ClientFinal =
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    // Written by PostgreSQL 15 for CREATE ROLE ... PASSWORD 'pencil' (password_encryption = scram-sha-256).
    private const string PostgresVerifier =
        "SCRAM-SHA-256$4096:1A8jrEzvaQWxndSC6PA+FQ==$pSjd/SlUTIQY3dIsu3R3lGsJN82jBMz73iNvtMztOos=:Exw8rVde7NY7W+LKpd/6leg/yMT0G79e4uhjSWuGi64=";

    private static ScramSecret RfcSecret() => ScramSecret.Create("pencil", 4096, Convert.FromBase64String(Salt));

    [Fact]
    public void The_RFC_7677_exchange_succeeds_with_the_RFC_server_signature()
    {
        var exchange = new ScramServerExchange(RfcSecret(), ServerNonce);
        Assert.Equal(ServerFirst, exchange.Start(ClientFirst));
        Assert.True(exchange.TryFinish(ClientFinal, out var serverFinal));
        Assert.Equal(ServerFinal, serverFinal);
    }

    [Fact]
    public void The_user_name_inside_the_message_is_ignored()
    {
        var exchange = new ScramServerExchange(RfcSecret(), ServerNonce);
        exchange.Start("n,,n=,r=rOprNGfwEbeRWgbNEkqO");

        // The proof covers client-first-message-bare, so it differs from the RFC's; compute it as a client would.
        var final = ClientFinalFor("pencil", "n=,r=rOprNGfwEbeRWgbNEkqO", ServerFirst, "biws");
        Assert.True(exchange.TryFinish(final, out _));
    }

    [Fact]
    public void A_wrong_proof_fails_without_a_server_signature()
    {
        var exchange = new ScramServerExchange(ScramSecret.Create("not pencil", 4096, Convert.FromBase64String(Salt)), ServerNonce);
        Assert.Equal(ServerFirst, exchange.Start(ClientFirst));
        Assert.False(exchange.TryFinish(ClientFinal, out var serverFinal));
        Assert.Equal("", serverFinal);
    }

    [Fact]
    public void A_doomed_exchange_fails_even_with_a_well_formed_proof_and_salts_by_user_name()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var first = ScramServerExchange.CreateDoomed("ghost", key).Start(ClientFirst);
        var again = ScramServerExchange.CreateDoomed("ghost", key).Start(ClientFirst);
        var other = ScramServerExchange.CreateDoomed("other", key).Start(ClientFirst);
        Assert.Equal(SaltOf(first), SaltOf(again));
        Assert.NotEqual(SaltOf(first), SaltOf(other));
        Assert.EndsWith(",i=4096", first, StringComparison.Ordinal);

        var exchange = ScramServerExchange.CreateDoomed("ghost", key);
        var serverFirst = exchange.Start(ClientFirst);
        var final = ClientFinalFor("anything", "n=user,r=rOprNGfwEbeRWgbNEkqO", serverFirst, "biws");
        Assert.False(exchange.TryFinish(final, out _));
    }

    [Fact]
    public void Gs2_header_y_is_accepted_and_needs_c_equal_to_base64_of_y()
    {
        var exchange = new ScramServerExchange(RfcSecret(), ServerNonce);
        var serverFirst = exchange.Start("y,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        Assert.True(exchange.TryFinish(ClientFinalFor("pencil", "n=user,r=rOprNGfwEbeRWgbNEkqO", serverFirst, "eSws"), out var final));
        Assert.StartsWith("v=", final, StringComparison.Ordinal);

        var mismatched = new ScramServerExchange(RfcSecret(), ServerNonce);
        mismatched.Start("y,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        var error = Assert.Throws<PgErrorException>(() => mismatched.TryFinish(ClientFinal, out _)).Error;
        Assert.Equal(SqlState.ProtocolViolation, error.SqlState);
        Assert.Equal("unexpected SCRAM channel-binding attribute in client-final-message", error.Message);
    }

    [Fact]
    public void Channel_binding_p_and_authzid_are_refused_as_PostgreSQL_does()
    {
        var p = Assert.Throws<PgErrorException>(() =>
            new ScramServerExchange(RfcSecret()).Start("p=tls-server-end-point,,n=user,r=abc")).Error;
        Assert.Equal("FATAL", p.Severity);
        Assert.Equal(SqlState.ProtocolViolation, p.SqlState);
        Assert.Equal("malformed SCRAM message", p.Message);
        Assert.Equal(
            "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data.", p.Detail);

        var authzid = Assert.Throws<PgErrorException>(() => new ScramServerExchange(RfcSecret()).Start("n,a=admin,n=user,r=abc")).Error;
        Assert.Equal(SqlState.FeatureNotSupported, authzid.SqlState);
        Assert.Equal("client uses authorization identity, but it is not supported", authzid.Message);

        var flag = Assert.Throws<PgErrorException>(() => new ScramServerExchange(RfcSecret()).Start("x,,n=user,r=abc")).Error;
        Assert.Equal("Unexpected channel-binding flag \"x\".", flag.Detail);
    }

    [Fact]
    public void A_changed_nonce_or_a_bad_proof_is_a_malformed_message()
    {
        var exchange = new ScramServerExchange(RfcSecret(), ServerNonce);
        exchange.Start(ClientFirst);
        var nonce = Assert.Throws<PgErrorException>(() =>
            exchange.TryFinish(ClientFinal.Replace("k0,p=", "k1,p=", StringComparison.Ordinal), out _)).Error;
        Assert.Equal("Nonce does not match.", nonce.Detail);
        var proof = Assert.Throws<PgErrorException>(() => exchange.TryFinish("c=biws,r=x,p=AAAA", out _)).Error;
        Assert.Equal("Malformed proof in client-final-message.", proof.Detail);
        var garbage = Assert.Throws<PgErrorException>(() => exchange.TryFinish(ClientFinal + ",x=1", out _)).Error;
        Assert.Equal("Garbage found at the end of client-final-message.", garbage.Detail);
    }

    [Fact]
    public void A_PostgreSQL_verifier_parses_matches_its_password_and_formats_back_unchanged()
    {
        Assert.True(ScramSecret.TryParse(PostgresVerifier, out var secret));
        Assert.Equal(4096, secret.Iterations);
        Assert.Equal(16, secret.Salt.Length);
        Assert.True(secret.Matches("pencil"));
        Assert.False(secret.Matches("Pencil"));
        Assert.Equal(PostgresVerifier, secret.ToString());

        var rebuilt = ScramSecret.Create("pencil", 4096, secret.Salt);
        Assert.Equal(PostgresVerifier, rebuilt.ToString());
    }

    [Fact]
    public void A_new_verifier_has_PostgreSQL_shape_with_a_random_salt()
    {
        var a = ScramSecret.Create("pencil").ToString();
        var b = ScramSecret.Create("pencil").ToString();
        Assert.Matches(@"^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$", a);
        Assert.NotEqual(a, b);
        Assert.True(ScramSecret.TryParse(a, out var parsed) && parsed.Matches("pencil"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("md5e628c7114c229c51e65c63533d7ceb1f")]
    [InlineData("SCRAM-SHA-256$4096:1A8jrEzvaQWxndSC6PA+FQ==$pSjd/SlUTIQY3dIsu3R3lGsJN82jBMz73iNvtMztOos=")]
    [InlineData("SCRAM-SHA-256$0:1A8jrEzvaQWxndSC6PA+FQ==$pSjd/SlUTIQY3dIsu3R3lGsJN82jBMz73iNvtMztOos=:Exw8rVde7NY7W+LKpd/6leg/yMT0G79e4uhjSWuGi64=")]
    [InlineData("SCRAM-SHA-256$4096:!!!$pSjd/SlUTIQY3dIsu3R3lGsJN82jBMz73iNvtMztOos=:Exw8rVde7NY7W+LKpd/6leg/yMT0G79e4uhjSWuGi64=")]
    [InlineData("SCRAM-SHA-256$4096:1A8jrEzvaQWxndSC6PA+FQ==$AAAA:Exw8rVde7NY7W+LKpd/6leg/yMT0G79e4uhjSWuGi64=")]
    public void Malformed_verifiers_do_not_parse(string text) => Assert.False(ScramSecret.TryParse(text, out _));

    [Fact]
    public void Md5_secrets_and_responses_match_PostgreSQL()
    {
        // PostgreSQL 15, password_encryption = md5, role auth_vec_probe, password 'pencil'.
        Assert.Equal("md5e628c7114c229c51e65c63533d7ceb1f", Md5Password.Hash("pencil", "auth_vec_probe"));
        Assert.True(Md5Password.IsMd5("md5e628c7114c229c51e65c63533d7ceb1f"));
        Assert.False(Md5Password.IsMd5(PostgresVerifier));
        Assert.True(Md5Password.Matches("md5e628c7114c229c51e65c63533d7ceb1f", "pencil", "auth_vec_probe"));
        Assert.False(Md5Password.Matches("md5e628c7114c229c51e65c63533d7ceb1f", "pencil", "someone_else"));

        // md5(hex(md5("secretcarol")) + salt 01 02 03 04), as libpq's pg_md5_encrypt computes the reply.
        Assert.Equal("md5c83a30266a4edc1b26fc9ff4ce50ee17", Md5Password.Response(Md5Password.Hash("secret", "carol"), [1, 2, 3, 4]));
    }

    private static string SaltOf(string serverFirst) => serverFirst.Split(',')[1];

    /// <summary>A client's client-final-message (RFC 5802 §3), computed independently of the server code.</summary>
    private static string ClientFinalFor(string password, string clientFirstBare, string serverFirst, string binding)
    {
        var fields = serverFirst.Split(',');
        var nonce = fields[0][2..];
        var salt = Convert.FromBase64String(fields[1][2..]);
        var iterations = int.Parse(fields[2][2..], System.Globalization.CultureInfo.InvariantCulture);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var withoutProof = $"c={binding},r={nonce}";
        var signature = HMACSHA256.HashData(storedKey, Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}"));
        var proof = new byte[32];
        for (var i = 0; i < 32; i++)
        {
            proof[i] = (byte)(clientKey[i] ^ signature[i]);
        }

        return $"{withoutProof},p={Convert.ToBase64String(proof)}";
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using AnnSql.Wire.Auth;
using AnnSql.Wire.Protocol;
using AnnSql.Wire.Tests.Support;

namespace AnnSql.Wire.Tests.Auth;

/// <summary>The authentication exchanges on the wire (in-process pipes, so rules match with address <c>all</c>).</summary>
public class AuthProtocolTests
{
    private sealed class Roles : IPgRoleStore
    {
        public Dictionary<string, string> Secrets { get; } = new(StringComparer.Ordinal)
        {
            ["alice"] = ScramSecret.Create("wonderland").ToString(),
            ["carol"] = Md5Password.Hash("secret", "carol"),
        };

        public string? GetPassword(string role) => Secrets.GetValueOrDefault(role);
    }

    private static PgConnectionOptions Options(string method) => new()
    {
        CancelKeys = new CancelKeyRegistry(),
        Authentication = new PgAuthenticationOptions
        {
            Roles = new Roles(),
            Rules = [PgHbaRule.Parse("host", "all", "nobody", "all", "reject"), PgHbaRule.Parse("host", "all", "all", "all", method)],
        },
    };

    private static byte[] CString(string value) => Encoding.UTF8.GetBytes(value + "\0");

    private static byte[] SaslInitial(string mechanism, string data)
    {
        var payload = Encoding.UTF8.GetBytes(data);
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, payload.Length);
        return [.. CString(mechanism), .. length, .. payload];
    }

    [Fact]
    public async Task Scram_exchange_ends_in_AuthenticationOk_and_a_session()
    {
        await using var client = TestClient.Start(options: Options("scram-sha-256"));
        await client.Startup(("user", "alice"), ("database", "db")).SendAsync();
        var sasl = await client.ReadRequiredAsync();
        Assert.Equal("Authentication 10", sasl.Text);
        Assert.Equal("SCRAM-SHA-256\0\0", Encoding.UTF8.GetString(sasl.Body, 4, sasl.Body.Length - 4));

        const string clientFirstBare = "n=,r=fyko+d2lbbFgONRv9qkxdawL";
        await client.PasswordMessage(SaslInitial("SCRAM-SHA-256", "n,," + clientFirstBare)).SendAsync();
        var serverFirstMessage = await client.ReadRequiredAsync();
        Assert.Equal("Authentication 11", serverFirstMessage.Text);
        var serverFirst = Encoding.UTF8.GetString(serverFirstMessage.Body, 4, serverFirstMessage.Body.Length - 4);
        Assert.StartsWith("r=fyko+d2lbbFgONRv9qkxdawL", serverFirst, StringComparison.Ordinal);

        var (final, serverSignature) = ClientFinal("wonderland", clientFirstBare, serverFirst);
        await client.PasswordMessage(Encoding.UTF8.GetBytes(final)).SendAsync();
        var messages = await client.ReadUntilReadyAsync();
        Assert.Equal("Authentication 12", messages[0].Text);
        Assert.Equal("v=" + serverSignature, Encoding.UTF8.GetString(messages[0].Body, 4, messages[0].Body.Length - 4));
        Assert.Equal("Authentication 0", messages[1].Text);
        Assert.Equal("alice", client.Handler.StartupInfo.User);
    }

    [Fact]
    public async Task A_wrong_scram_password_is_FATAL_28P01_and_no_session_starts()
    {
        var options = Options("scram-sha-256");
        await using var client = TestClient.Start(options: options);
        await client.Startup(("user", "alice")).SendAsync();
        await client.ReadRequiredAsync();
        const string clientFirstBare = "n=alice,r=abcdef";
        await client.PasswordMessage(SaslInitial("SCRAM-SHA-256", "n,," + clientFirstBare)).SendAsync();
        var serverFirst = await client.ReadRequiredAsync();
        var (final, _) = ClientFinal("wrong", clientFirstBare, Encoding.UTF8.GetString(serverFirst.Body, 4, serverFirst.Body.Length - 4));
        await client.PasswordMessage(Encoding.UTF8.GetBytes(final)).SendAsync();
        var error = Assert.Single(await client.ReadUntilClosedAsync());
        Assert.Equal("Error FATAL 28P01 password authentication failed for user \"alice\"", error.Text);
        Assert.Empty(client.Factory.Handlers);
        Assert.Equal(0, options.CancelKeys.Count);
    }

    [Fact]
    public async Task Bad_sasl_messages_are_protocol_violations()
    {
        await using (var client = TestClient.Start(options: Options("scram-sha-256")))
        {
            await client.Startup(("user", "alice")).SendAsync();
            await client.ReadRequiredAsync();
            await client.PasswordMessage(SaslInitial("SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,n=,r=abc")).SendAsync();
            Assert.Equal("Error FATAL 08P01 client selected an invalid SASL authentication mechanism",
                Assert.Single(await client.ReadUntilClosedAsync()).Text);
        }

        await using (var client = TestClient.Start(options: Options("scram-sha-256")))
        {
            await client.Startup(("user", "alice")).SendAsync();
            await client.ReadRequiredAsync();
            await client.Query("SELECT 1").SendAsync();
            Assert.Equal("Error FATAL 08P01 expected SASL response, got message type 81",
                Assert.Single(await client.ReadUntilClosedAsync()).Text);
        }
    }

    [Fact]
    public async Task A_client_that_hangs_up_at_the_password_request_is_let_go_silently()
    {
        await using var client = TestClient.Start(options: Options("md5"));
        await client.Startup(("user", "carol")).SendAsync();
        Assert.Equal("Authentication 5", (await client.ReadRequiredAsync()).Text);
        await client.CloseInputAsync();
        Assert.Empty(await client.ReadUntilClosedAsync());
        Assert.Empty(client.Factory.Handlers);
    }

    [Fact]
    public async Task Md5_and_cleartext_passwords_are_checked_against_the_stored_secrets()
    {
        await using (var client = TestClient.Start(options: Options("md5")))
        {
            await client.Startup(("user", "carol")).SendAsync();
            var request = await client.ReadRequiredAsync();
            Assert.Equal("Authentication 5", request.Text);
            var salt = request.Body.AsSpan(4, 4).ToArray();
            await client.PasswordMessage(CString(Md5Password.Response(Md5Password.Hash("secret", "carol"), salt))).SendAsync();
            Assert.Equal("Authentication 0", (await client.ReadUntilReadyAsync())[0].Text);
        }

        // md5 rule, SCRAM secret: SCRAM runs instead (PostgreSQL's CheckPWChallengeAuth).
        await using (var client = TestClient.Start(options: Options("md5")))
        {
            await client.Startup(("user", "alice")).SendAsync();
            Assert.Equal("Authentication 10", (await client.ReadRequiredAsync()).Text);
        }

        foreach (var (user, password, expected) in new[]
                 {
                     ("alice", "wonderland", "Authentication 0"),
                     ("carol", "secret", "Authentication 0"),
                     ("carol", "Secret", "Error FATAL 28P01 password authentication failed for user \"carol\""),
                     ("ghost", "x", "Error FATAL 28P01 password authentication failed for user \"ghost\""),
                     ("alice", "", "Error FATAL 28P01 empty password returned by client"),
                 })
        {
            await using var client = TestClient.Start(options: Options("password"));
            await client.Startup(("user", user)).SendAsync();
            Assert.Equal("Authentication 3", (await client.ReadRequiredAsync()).Text);
            await client.PasswordMessage(CString(password)).SendAsync();
            Assert.Equal(expected, (await client.ReadRequiredAsync()).Text);
        }
    }

    [Fact]
    public async Task Reject_rules_and_missing_rules_are_FATAL_28000()
    {
        await using (var client = TestClient.Start(options: Options("trust")))
        {
            await client.Startup(("user", "nobody"), ("database", "db")).SendAsync();
            Assert.Equal("Error FATAL 28000 pg_hba.conf rejects connection for host \"[local]\", user \"nobody\", database \"db\", no encryption",
                Assert.Single(await client.ReadUntilClosedAsync()).Text);
        }

        var options = new PgConnectionOptions
        {
            CancelKeys = new CancelKeyRegistry(),
            Authentication = new PgAuthenticationOptions
            {
                Roles = new Roles(),
                Rules = [PgHbaRule.Parse("host", "all", "all", "127.0.0.1/32", "trust")], // a connection without an address matches no CIDR
            },
        };
        await using (var client = TestClient.Start(options: options))
        {
            await client.Startup(("user", "alice")).SendAsync();
            Assert.Equal("Error FATAL 28000 no pg_hba.conf entry for host \"[local]\", user \"alice\", database \"alice\", no encryption",
                Assert.Single(await client.ReadUntilClosedAsync()).Text);
        }
    }

    [Fact]
    public async Task A_second_SslRequest_is_an_unsupported_protocol_as_in_PostgreSQL()
    {
        await using var client = TestClient.Start();
        await client.SslRequest().SendAsync();
        Assert.Equal((byte)'N', await client.ReadByteAsync());
        await client.SslRequest().SendAsync();
        Assert.Equal("Error FATAL 0A000 unsupported frontend protocol 1234.5679: server supports 3.0 to 3.0",
            Assert.Single(await client.ReadUntilClosedAsync()).Text);
    }

    [Fact]
    public async Task Authentication_timeout_closes_silent_and_stalled_clients_without_a_message()
    {
        var options = new PgConnectionOptions
        {
            CancelKeys = new CancelKeyRegistry(),
            AuthenticationTimeout = TimeSpan.FromMilliseconds(300),
            Authentication = Options("password").Authentication,
        };
        await using (var silent = TestClient.Start(options: options))
        {
            Assert.Empty(await silent.ReadUntilClosedAsync());
        }

        await using (var stalled = TestClient.Start(options: options))
        {
            await stalled.Startup(("user", "alice")).SendAsync();
            var messages = await stalled.ReadUntilClosedAsync();
            Assert.Equal("Authentication 3", Assert.Single(messages).Text);
            Assert.Empty(stalled.Factory.Handlers);
        }

        // A session that authenticated in time outlives the timeout.
        var (client, _) = await TestClient.ConnectAsync(options: new PgConnectionOptions
        {
            CancelKeys = new CancelKeyRegistry(),
            AuthenticationTimeout = TimeSpan.FromMilliseconds(300),
        });
        await using (client)
        {
            await Task.Delay(600);
            await client.Query("SELECT 1").SendAsync();
            Assert.Equal("ReadyForQuery I", (await client.ReadTextsUntilReadyAsync())[^1]);
        }
    }

    /// <summary>client-final-message and the expected server signature, computed as a client does (RFC 5802 §3).</summary>
    private static (string Final, string ServerSignature) ClientFinal(string password, string clientFirstBare, string serverFirst)
    {
        var fields = serverFirst.Split(',');
        var salt = Convert.FromBase64String(fields[1][2..]);
        var iterations = int.Parse(fields[2][2..], System.Globalization.CultureInfo.InvariantCulture);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var withoutProof = $"c=biws,r={fields[0][2..]}";
        var authMessage = Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}");
        var signature = HMACSHA256.HashData(SHA256.HashData(clientKey), authMessage);
        var proof = new byte[32];
        for (var i = 0; i < 32; i++)
        {
            proof[i] = (byte)(clientKey[i] ^ signature[i]);
        }

        var serverSignature = HMACSHA256.HashData(HMACSHA256.HashData(salted, "Server Key"u8), authMessage);
        return ($"{withoutProof},p={Convert.ToBase64String(proof)}", Convert.ToBase64String(serverSignature));
    }
}

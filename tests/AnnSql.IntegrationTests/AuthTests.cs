using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;

namespace AnnSql.IntegrationTests;

/// <summary>
/// Authentication and TLS through the real server process with psql and Npgsql: SCRAM-SHA-256 with and without TLS, md5,
/// cleartext password, hostssl rules, address rules (127.0.0.2 reaches a server listening on 0.0.0.0), wrong passwords
/// (28P01), missing rules (28000) and CancelRequest over TLS.
/// </summary>
public sealed class AuthTests : IClassFixture<AuthTests.Servers>
{
    private readonly Servers _servers;

    public AuthTests(Servers servers) => _servers = servers;

    private const string Tls = "SSL Mode=Require;Trust Server Certificate=true";
    private const string NoTls = "SSL Mode=Disable";

    /// <summary>
    /// <see cref="Secure"/>: TLS certificate and explicit rules; <see cref="Default"/>: no certificate, default rules
    /// (loopback 127.0.0.1 trusted, SCRAM elsewhere). Both listen on 0.0.0.0.
    /// </summary>
    public sealed class Servers : IAsyncLifetime
    {
        private readonly string _certificates = Path.Combine(Path.GetTempPath(), "annsql-certs-" + Guid.NewGuid().ToString("N"));

        public AnnSqlServer Secure { get; private set; } = null!;

        public AnnSqlServer Default { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var (certificate, key) = TestCertificate.WritePem(_certificates);
            Secure = await AnnSqlServer.StartAsync(
                "--listen", "0.0.0.0:0",
                $"--Tls:Certificate={certificate}", $"--Tls:Key={key}",
                "--Auth:Roles:0:Name=alice", "--Auth:Roles:0:Password=wonderland",
                "--Auth:Roles:1:Name=bob", "--Auth:Roles:1:Password=builder",
                // md5("secret" + "carol"): an md5 secret, as PostgreSQL stores with password_encryption = md5.
                "--Auth:Roles:2:Name=carol", "--Auth:Roles:2:Verifier=md57c53eaf86052083b816bfc7c7a6edf5d",
                "--Auth:Roles:3:Name=dave", "--Auth:Roles:3:Password=davepw",
                "--Auth:Roles:4:Name=tlsonly", "--Auth:Roles:4:Password=tlspw",
                "--Auth:Rules:0:User=bob", "--Auth:Rules:0:Method=password",
                "--Auth:Rules:1:User=carol,dave", "--Auth:Rules:1:Method=md5",
                "--Auth:Rules:2:Type=hostssl", "--Auth:Rules:2:User=tlsonly", "--Auth:Rules:2:Method=scram-sha-256",
                "--Auth:Rules:3:User=postgres", "--Auth:Rules:3:Address=127.0.0.1/32", "--Auth:Rules:3:Method=trust",
                "--Auth:Rules:4:User=alice,ghost", "--Auth:Rules:4:Address=127.0.0.1/32", "--Auth:Rules:4:Method=scram-sha-256");
            Default = await AnnSqlServer.StartAsync("--listen", "0.0.0.0:0");
        }

        public async Task DisposeAsync()
        {
            await Secure.DisposeAsync();
            await Default.DisposeAsync();
            Directory.Delete(_certificates, recursive: true);
        }
    }

    private static string ConnectionString(AnnSqlServer server, string user, string? password, string extra = "", string host = "127.0.0.1") =>
        $"Host={host};Port={server.Port};Username={user};Database=postgres;Pooling=false;Timeout=30"
        + (password is null ? "" : $";Password={password}") + (extra.Length > 0 ? ";" + extra : "");

    private static async Task<int> SelectOneAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT 1", conn);
        return (int)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<PostgresException> RefusedAsync(string connectionString) =>
        await Assert.ThrowsAsync<PostgresException>(() => SelectOneAsync(connectionString));

    [Fact]
    public async Task Npgsql_logs_in_with_scram_over_tls_without_tls_and_with_default_settings()
    {
        var server = _servers.Secure;
        Assert.Equal(1, await SelectOneAsync(ConnectionString(server, "alice", "wonderland", Tls)));
        Assert.Equal(1, await SelectOneAsync(ConnectionString(server, "alice", "wonderland", NoTls)));
        Assert.Equal(1, await SelectOneAsync(ConnectionString(server, "alice", "wonderland")));

        // A hostssl rule admits TLS connections only: proof that Require really ran over TLS.
        Assert.Equal(1, await SelectOneAsync(ConnectionString(server, "tlsonly", "tlspw", Tls)));
        var plain = await RefusedAsync(ConnectionString(server, "tlsonly", "tlspw", NoTls));
        Assert.Equal("28000", plain.SqlState);
        Assert.Equal("no pg_hba.conf entry for host \"127.0.0.1\", user \"tlsonly\", database \"postgres\", no encryption",
            plain.MessageText);
    }

    [Fact]
    public async Task A_wrong_password_or_an_unknown_role_is_refused_with_28P01()
    {
        var server = _servers.Secure;
        foreach (var extra in new[] { Tls, NoTls })
        {
            var wrong = await RefusedAsync(ConnectionString(server, "alice", "wonderlan", extra));
            Assert.Equal("28P01", wrong.SqlState);
            Assert.Equal("FATAL", wrong.Severity);
            Assert.Equal("password authentication failed for user \"alice\"", wrong.MessageText);
        }

        var ghost = await RefusedAsync(ConnectionString(server, "ghost", "boo", Tls));
        Assert.Equal("28P01", ghost.SqlState);
        Assert.Equal("password authentication failed for user \"ghost\"", ghost.MessageText);
        Assert.Equal("28P01", (await RefusedAsync(ConnectionString(server, "bob", "builder!", NoTls))).SqlState);
        Assert.Equal("28P01", (await RefusedAsync(ConnectionString(server, "carol", "secret!", NoTls))).SqlState);

        // The server stays up and serves the next login.
        Assert.Equal(1, await SelectOneAsync(ConnectionString(server, "alice", "wonderland", Tls)));
    }

    [Fact]
    public async Task Npgsql_logs_in_with_md5_cleartext_and_md5_rules_on_scram_roles()
    {
        var server = _servers.Secure;
        Assert.Equal(1, await SelectOneAsync(ConnectionString(server, "carol", "secret", NoTls)));
        Assert.Equal(1, await SelectOneAsync(ConnectionString(server, "bob", "builder", Tls)));
        Assert.Equal(1, await SelectOneAsync(ConnectionString(server, "dave", "davepw", Tls)));
    }

    [Fact]
    public async Task Psql_logs_in_with_scram_md5_and_cleartext_password_with_and_without_tls()
    {
        var server = _servers.Secure;

        async Task<(int Code, string Out, string Err)> PsqlAsync(string user, string password, string sslMode) =>
            await Psql.RunAsync("127.0.0.1", server.Port, user, $"dbname=postgres sslmode={sslMode}", "\\conninfo\nSELECT 41 + 1 AS answer;\n",
                ["-w"], environment: new Dictionary<string, string> { ["PGPASSWORD"] = password });

        var tls = await PsqlAsync("alice", "wonderland", "require");
        Assert.True(tls.Code == 0, tls.Err);
        Assert.Contains("as user \"alice\"", tls.Out, StringComparison.Ordinal);
        Assert.Contains("SSL connection (protocol: TLSv1.", tls.Out, StringComparison.Ordinal);
        Assert.Contains("42", tls.Out, StringComparison.Ordinal);

        var plain = await PsqlAsync("alice", "wonderland", "disable");
        Assert.True(plain.Code == 0, plain.Err);
        Assert.DoesNotContain("SSL connection", plain.Out, StringComparison.Ordinal);
        Assert.Contains("42", plain.Out, StringComparison.Ordinal);

        foreach (var (user, password) in new[] { ("carol", "secret"), ("bob", "builder"), ("dave", "davepw") })
        {
            foreach (var mode in new[] { "disable", "require" })
            {
                var run = await PsqlAsync(user, password, mode);
                Assert.True(run.Code == 0, $"{user} sslmode={mode}: {run.Err}");
                Assert.Contains($"as user \"{user}\"", run.Out, StringComparison.Ordinal);
            }
        }

        var wrong = await PsqlAsync("carol", "not-secret", "disable");
        Assert.NotEqual(0, wrong.Code);
        Assert.Contains("FATAL:  password authentication failed for user \"carol\"", wrong.Err, StringComparison.Ordinal);

        var noPassword = await Psql.RunAsync("127.0.0.1", server.Port, "alice", "postgres", "SELECT 1;\n", ["-w"]);
        Assert.NotEqual(0, noPassword.ExitCode);
        Assert.Contains("no password supplied", noPassword.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rules_bound_to_an_address_do_not_match_another_address()
    {
        var server = _servers.Secure;
        Assert.Equal(1, await SelectOneAsync(ConnectionString(server, "postgres", null, NoTls)));

        // Linux gives loopback connections the source 127.0.0.1 unless the client binds another address; libpq and Npgsql
        // cannot, so a raw client connects from 127.0.0.2.
        var (tag, fields) = await FirstReplyFromAsync(IPAddress.Parse("127.0.0.2"), server.Port, "postgres", tls: false);
        Assert.Equal('E', tag);
        Assert.Equal("FATAL", fields['S']);
        Assert.Equal("28000", fields['C']);
        Assert.Equal("no pg_hba.conf entry for host \"127.0.0.2\", user \"postgres\", database \"postgres\", no encryption", fields['M']);

        (tag, fields) = await FirstReplyFromAsync(IPAddress.Parse("127.0.0.2"), server.Port, "alice", tls: true);
        Assert.Equal('E', tag);
        Assert.Equal("no pg_hba.conf entry for host \"127.0.0.2\", user \"alice\", database \"postgres\", SSL encryption", fields['M']);

        (tag, fields) = await FirstReplyFromAsync(IPAddress.Parse("127.0.0.1"), server.Port, "alice", tls: true);
        Assert.Equal('R', tag);
        Assert.Equal("10 SCRAM-SHA-256", fields['R']);
    }

    [Fact]
    public async Task Default_rules_trust_loopback_and_ask_other_addresses_for_a_scram_password()
    {
        var server = _servers.Default;
        Assert.Equal(1, await SelectOneAsync(ConnectionString(server, "postgres", null)));
        Assert.Equal(1, await SelectOneAsync(ConnectionString(server, "anyone", null)));

        var (tag, fields) = await FirstReplyFromAsync(IPAddress.Parse("127.0.0.1"), server.Port, "postgres", tls: false);
        Assert.Equal('R', tag);
        Assert.Equal("0", fields['R']); // AuthenticationOk
        (tag, fields) = await FirstReplyFromAsync(IPAddress.Parse("127.0.0.2"), server.Port, "postgres", tls: false);
        Assert.Equal('R', tag);
        Assert.Equal("10 SCRAM-SHA-256", fields['R']); // AuthenticationSASL offering SCRAM-SHA-256 only

        // No certificate: SSLRequest is refused with N.
        var ssl = await Psql.RunAsync("127.0.0.1", server.Port, "postgres", "dbname=postgres sslmode=require", "SELECT 1;\n", ["-w"]);
        Assert.NotEqual(0, ssl.ExitCode);
        Assert.Contains("server does not support SSL, but SSL was required", ssl.Stderr, StringComparison.Ordinal);
        var prefer = await Psql.RunAsync("127.0.0.1", server.Port, "postgres", "dbname=postgres sslmode=prefer", "\\conninfo\n", ["-w"]);
        Assert.True(prefer.ExitCode == 0, prefer.Stderr);
        Assert.DoesNotContain("SSL connection", prefer.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_statement_on_a_tls_connection_can_be_cancelled()
    {
        var server = _servers.Secure;
        await using var conn = new NpgsqlConnection(ConnectionString(server, "alice", "wonderland", Tls));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT pg_sleep(30)", conn);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cancel = Task.Run(async () =>
        {
            await Task.Delay(500);
            cmd.Cancel();
        });
        var thrown = await Record.ExceptionAsync(() => cmd.ExecuteNonQueryAsync());
        await cancel;
        // Npgsql reports a statement it cancelled as OperationCanceledException around the server's 57014.
        var ex = thrown is OperationCanceledException { InnerException: PostgresException inner } ? inner
            : throw new Xunit.Sdk.XunitException($"{thrown}\n--- server output:\n{server.Output}");
        Assert.Equal("57014", ex.SqlState);
        Assert.Equal("canceling statement due to user request", ex.MessageText);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), clock.Elapsed.ToString());

        // The session goes on over the same TLS connection.
        await using var again = new NpgsqlCommand("SELECT 2", conn);
        Assert.Equal(2, (int)(await again.ExecuteScalarAsync())!);
    }

    /// <summary>
    /// Connects from <paramref name="source"/> (optionally over TLS), sends a StartupMessage and returns the first reply: for
    /// ErrorResponse its fields by code, for Authentication the request code and SASL mechanisms under key 'R'.
    /// </summary>
    private static async Task<(char Tag, Dictionary<char, string> Fields)> FirstReplyFromAsync(IPAddress source, int port, string user, bool tls)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await using var network = new NetworkStream(socket, ownsSocket: false);
        Stream stream = network;
        SslStream? ssl = null;
        if (tls)
        {
            var request = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(request, 8);
            BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), 80877103);
            await network.WriteAsync(request);
            var answer = new byte[1];
            await network.ReadExactlyAsync(answer);
            Assert.Equal((byte)'S', answer[0]);
            ssl = new SslStream(network, leaveInnerStreamOpen: true, (_, certificate, _, _) => certificate?.Subject == "CN=localhost"); // the test's self-signed certificate
            await ssl.AuthenticateAsClientAsync("localhost");
            stream = ssl;
        }

        try
        {
            var parameters = Encoding.UTF8.GetBytes($"user\0{user}\0database\0postgres\0\0");
            var startup = new byte[8 + parameters.Length];
            BinaryPrimitives.WriteInt32BigEndian(startup, startup.Length);
            BinaryPrimitives.WriteInt32BigEndian(startup.AsSpan(4), 196608);
            parameters.CopyTo(startup, 8);
            await stream.WriteAsync(startup);
            var header = new byte[5];
            await stream.ReadExactlyAsync(header);
            var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
            await stream.ReadExactlyAsync(body);
            var fields = new Dictionary<char, string>();
            if (header[0] == 'E')
            {
                var at = 0;
                while (body[at] != 0)
                {
                    var end = Array.IndexOf(body, (byte)0, at + 1);
                    fields[(char)body[at]] = Encoding.UTF8.GetString(body, at + 1, end - at - 1);
                    at = end + 1;
                }
            }
            else if (header[0] == 'R')
            {
                var code = BinaryPrimitives.ReadInt32BigEndian(body);
                var mechanisms = Encoding.UTF8.GetString(body, 4, body.Length - 4).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                fields['R'] = string.Join(' ', [code.ToString(System.Globalization.CultureInfo.InvariantCulture), .. mechanisms]);
            }

            return ((char)header[0], fields);
        }
        finally
        {
            if (ssl is not null)
            {
                await ssl.DisposeAsync();
            }
        }
    }
}

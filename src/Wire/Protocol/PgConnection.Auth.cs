using System.Net;
using System.Security.Cryptography;
using System.Text;
using AnnSql.Wire.Auth;
using AnnSql.Wire.Buffers;
using AnnSql.Wire.Errors;
using AnnSql.Wire.Messages;
using AnnSql.Wire.Telemetry;
using ProtocolViolationException = AnnSql.Wire.Errors.ProtocolViolationException;

namespace AnnSql.Wire.Protocol;

/// <summary>
/// Client authentication after the StartupMessage: the first matching pg_hba rule picks the method, then trust, reject,
/// cleartext password, md5 or SCRAM-SHA-256 runs. Source: PostgreSQL's src/backend/libpq/auth.c (ClientAuthentication,
/// CheckPasswordAuth, CheckPWChallengeAuth, CheckMD5Auth, CheckSASLAuth) and hba.c.
/// </summary>
public sealed partial class PgConnection
{
    /// <summary>
    /// Authenticates <paramref name="user"/> for <paramref name="database"/>; false when the client hung up during the exchange
    /// (libpq does that to prompt for a password). Failures throw FATAL 28000 / 28P01 / 08P01 as PostgreSQL does.
    /// </summary>
    private async ValueTask<bool> AuthenticateAsync(string user, string database)
    {
        if (_options.Authentication is not { } auth)
        {
            return true;
        }

        var address = (_remoteEndPoint as IPEndPoint)?.Address;
        if (address is { IsIPv4MappedToIPv6: true })
        {
            address = address.MapToIPv4();
        }

        var ssl = _tls is not null;
        var rule = auth.Match(ssl, database, user, address);
        var host = address?.ToString() ?? "[local]";
        var encryption = ssl ? "SSL encryption" : "no encryption";
        if (rule is null)
        {
            throw new PgErrorException(PgError.Fatal(SqlState.InvalidAuthorizationSpecification,
                $"no pg_hba.conf entry for host \"{host}\", user \"{user}\", database \"{database}\", {encryption}"));
        }

        bool? ok;
        switch (rule.Method)
        {
            case PgAuthMethod.Trust:
                return true;
            case PgAuthMethod.Reject:
                throw new PgErrorException(PgError.Fatal(SqlState.InvalidAuthorizationSpecification,
                    $"pg_hba.conf rejects connection for host \"{host}\", user \"{user}\", database \"{database}\", {encryption}"));
            case PgAuthMethod.Password:
                ok = await CheckCleartextPasswordAsync(auth, user);
                break;
            case PgAuthMethod.Md5:
                var stored = auth.Roles.GetPassword(user);
                var useMd5 = Md5Password.IsMd5(stored) || (stored is null && auth.Md5ForUnknownRoles);
                ok = useMd5 ? await CheckMd5Async(stored, user) : await CheckScramAsync(auth, stored, user);
                break;
            default:
                ok = await CheckScramAsync(auth, auth.Roles.GetPassword(user), user);
                break;
        }

        if (ok is null)
        {
            return false;
        }

        if (ok == false)
        {
            Log.AuthenticationFailed(_logger, user, rule.Method.ToString(), host);
            throw new PgErrorException(PgError.Fatal(SqlState.InvalidPassword, $"password authentication failed for user \"{user}\""));
        }

        return true;
    }

    private async ValueTask<bool?> CheckCleartextPasswordAsync(PgAuthenticationOptions auth, string user)
    {
        AuthenticationMessages.WriteCleartextPassword(_out);
        await FlushOutputAsync(_ct);
        var password = await ReadPasswordAsync();
        if (password is null)
        {
            return null;
        }

        var stored = auth.Roles.GetPassword(user);
        if (ScramSecret.TryParse(stored, out var secret))
        {
            return secret.Matches(password);
        }

        return Md5Password.IsMd5(stored) && Md5Password.Matches(stored!, password, user);
    }

    private async ValueTask<bool?> CheckMd5Async(string? stored, string user)
    {
        var salt = RandomNumberGenerator.GetBytes(4);
        AuthenticationMessages.WriteMd5Password(_out, salt);
        await FlushOutputAsync(_ct);
        var response = await ReadPasswordAsync();
        if (response is null)
        {
            return null;
        }

        if (stored is null)
        {
            return false;
        }

        var expected = Md5Password.Response(stored, salt);
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(response), Encoding.UTF8.GetBytes(expected));
    }

    private async ValueTask<bool?> CheckScramAsync(PgAuthenticationOptions auth, string? stored, string user)
    {
        var exchange = ScramSecret.TryParse(stored, out var secret)
            ? new ScramServerExchange(secret)
            : ScramServerExchange.CreateDoomed(user, auth.MockKey);
        AuthenticationMessages.WriteSasl(_out, ScramServerExchange.Mechanism);
        await FlushOutputAsync(_ct);

        // SASLInitialResponse: mechanism, int32 length (-1: none), client-first-message.
        var frame = await ReadAuthFrameAsync("SASL");
        if (frame is null)
        {
            return null;
        }

        var reader = new PgMessageReader(frame.Value.Payload);
        var mechanism = reader.ReadCString();
        if (mechanism != ScramServerExchange.Mechanism)
        {
            throw new PgErrorException(PgError.Fatal(SqlState.ProtocolViolation,
                "client selected an invalid SASL authentication mechanism"));
        }

        var length = reader.ReadInt32();
        var clientFirst = length < 0 ? "" : ReadSaslData(ref reader, length);
        _framer.Release();
        var serverFirst = exchange.Start(clientFirst);
        AuthenticationMessages.WriteSaslContinue(_out, serverFirst);
        await FlushOutputAsync(_ct);

        // SASLResponse: the rest of the message is client-final-message.
        frame = await ReadAuthFrameAsync("SASL");
        if (frame is null)
        {
            return null;
        }

        reader = new PgMessageReader(frame.Value.Payload);
        var clientFinal = ReadSaslData(ref reader, checked((int)reader.Remaining));
        _framer.Release();
        if (!exchange.TryFinish(clientFinal, out var serverFinal))
        {
            return false;
        }

        AuthenticationMessages.WriteSaslFinal(_out, serverFinal);
        return true;
    }

    /// <summary>Reads a PasswordMessage's C string; null on EOF.</summary>
    private async ValueTask<string?> ReadPasswordAsync()
    {
        var frame = await ReadAuthFrameAsync("password");
        if (frame is null)
        {
            return null;
        }

        var reader = new PgMessageReader(frame.Value.Payload);
        var password = reader.ReadCString();
        if (reader.Remaining != 0)
        {
            throw new ProtocolViolationException("invalid password packet size");
        }

        _framer.Release();
        if (password.Length == 0)
        {
            throw new PgErrorException(PgError.Fatal(SqlState.InvalidPassword, "empty password returned by client"));
        }

        return password;
    }

    private async ValueTask<Frame?> ReadAuthFrameAsync(string kind)
    {
        var frame = await _framer.ReadAsync(_ct);
        if (frame.IsEof)
        {
            LogIfTimedOut();
            return null;
        }

        if (frame.Tag != FrontendMessageCode.PasswordMessage)
        {
            throw new ProtocolViolationException($"expected {kind} response, got message type {frame.Tag}");
        }

        return frame;
    }

    private static string ReadSaslData(ref PgMessageReader reader, int length)
    {
        if (length > reader.Remaining)
        {
            throw new ProtocolViolationException("invalid SASL response");
        }

        var bytes = new byte[length];
        reader.ReadBytes(bytes);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new PgErrorException(new PgError("FATAL", SqlState.ProtocolViolation, "malformed SCRAM message")
            {
                Detail = "The message contains invalid UTF-8.",
            });
        }
    }
}

using System.Net;
using AnnSql.Wire.Auth;

namespace AnnSql.Wire.Tests.Auth;

/// <summary>pg_hba-style rule parsing and first-match selection.</summary>
public class HbaRuleTests
{
    private sealed class NoRoles : IPgRoleStore
    {
        public string? GetPassword(string role) => null;
    }

    [Fact]
    public void Defaults_trust_loopback_and_require_scram_elsewhere()
    {
        var auth = new PgAuthenticationOptions { Roles = new NoRoles() };
        Assert.Equal(PgAuthMethod.Trust, auth.Match(false, "db", "u", IPAddress.Parse("127.0.0.1"))!.Method);
        Assert.Equal(PgAuthMethod.Trust, auth.Match(true, "db", "u", IPAddress.IPv6Loopback)!.Method);
        Assert.Equal(PgAuthMethod.ScramSha256, auth.Match(false, "db", "u", IPAddress.Parse("127.0.0.2"))!.Method);
        Assert.Equal(PgAuthMethod.ScramSha256, auth.Match(false, "db", "u", IPAddress.Parse("10.1.2.3"))!.Method);
        Assert.Equal(PgAuthMethod.Trust, auth.Match(false, "db", "u", IPAddress.Parse("127.0.0.1").MapToIPv6())!.Method);
    }

    [Fact]
    public void The_first_matching_rule_wins_and_no_match_gives_null()
    {
        var auth = new PgAuthenticationOptions
        {
            Roles = new NoRoles(),
            Rules =
            [
                PgHbaRule.Parse("hostssl", "all", "alice", "all", "scram-sha-256"),
                PgHbaRule.Parse("hostnossl", "sales,hr", "all", "10.0.0.0/8", "md5"),
                PgHbaRule.Parse("host", "sameuser", "all", "192.168.1.5", "password"),
                PgHbaRule.Parse("host", "all", "bob", "all", "reject"),
            ],
        };
        Assert.Equal(PgAuthMethod.ScramSha256, auth.Match(true, "x", "alice", IPAddress.Parse("1.2.3.4"))!.Method);
        Assert.Null(auth.Match(false, "x", "alice", IPAddress.Parse("1.2.3.4")));
        Assert.Equal(PgAuthMethod.Md5, auth.Match(false, "hr", "alice", IPAddress.Parse("10.9.8.7"))!.Method);
        Assert.Null(auth.Match(true, "hr", "carol", IPAddress.Parse("10.9.8.7")));
        Assert.Equal(PgAuthMethod.Password, auth.Match(false, "carol", "carol", IPAddress.Parse("192.168.1.5"))!.Method);
        Assert.Null(auth.Match(false, "carol", "carol", IPAddress.Parse("192.168.1.6")));
        Assert.Equal(PgAuthMethod.Reject, auth.Match(false, "x", "bob", null)!.Method);
    }

    [Theory]
    [InlineData("local", "all", "trust", "invalid connection type \"local\"")]
    [InlineData("host", "all", "ident", "invalid authentication method \"ident\"")]
    [InlineData("host", "10.0.0.0/99", "trust", "invalid IP address \"10.0.0.0/99\"")]
    public void Bad_words_are_reported(string type, string address, string method, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => PgHbaRule.Parse(type, "all", "all", address, method));
        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }
}

using System.CommandLine;
using AnnSql.Host.Hosting;

namespace AnnSql.Host.Cli;

/// <summary>
/// <c>annsql serve</c>, the default verb: runs the server. The options below are listed for <c>--help</c>; every argument
/// (these and any other <c>--Name value</c> pair, e.g. <c>--CheckpointWalBytes</c>) is handed to the configuration as it
/// was given, so the command line overrides appsettings.json and ANNSQL_* variables key by key. An option given twice is
/// allowed, the last one winning, as in the configuration it goes to.
/// </summary>
internal static class ServeCommand
{
    public const string Name = "serve";

    public static Command Create()
    {
        Command command = new(Name, "Run the server (the default when no verb is given)")
        {
            new Option<string[]>("--listen") { Description = "PostgreSQL protocol endpoint HOST:PORT (ANNSQL_LISTEN; default 127.0.0.1:5433)" },
            new Option<string[]>("--data") { Description = "Data directory (ANNSQL_DATA; default ./annsql-data)" },
            new Option<string[]>("--http") { Description = "HTTP side port for /metrics, /health and /ready (ANNSQL_HTTP; default 127.0.0.1:9187)" },
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, _) =>
        {
            var tokens = parse.Tokens.Select(t => t.Value).ToList();
            int verb = tokens.IndexOf(Name);
            return Server.RunAsync([.. verb >= 0 ? tokens.Skip(verb + 1) : tokens]);
        });
        return command;
    }
}

using System.Diagnostics;
using System.Globalization;

namespace AnnSql.IntegrationTests.Infrastructure;

/// <summary>Runs the psql client (from PATH) against a server, feeding a script on standard input.</summary>
public static class Psql
{
    /// <summary>
    /// Runs <c>psql -X -v ON_ERROR_STOP=0 -h host -p port -U user -d database [extra] -f -</c> with <paramref name="script"/>
    /// on stdin and returns exit code, stdout and stderr; <paramref name="environment"/> adds variables such as PGPASSWORD.
    /// </summary>
    /// <exception cref="TimeoutException">psql did not finish within <paramref name="timeout"/> (default 2 minutes).</exception>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string host, int port, string user, string database, string script, IEnumerable<string>? extraArguments = null, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("psql")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = MnistDataset.FindRepositoryRoot(),
        };
        psi.Environment["PGCONNECT_TIMEOUT"] = "30";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }
        foreach (string a in new[] { "-X", "-h", host, "-p", port.ToString(CultureInfo.InvariantCulture), "-U", user, "-d", database })
        {
            psi.ArgumentList.Add(a);
        }

        foreach (string a in extraArguments ?? [])
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("-");
        using var psql = Process.Start(psi)!;
        Task<string> stdout = psql.StandardOutput.ReadToEndAsync();
        Task<string> stderr = psql.StandardError.ReadToEndAsync();
        await psql.StandardInput.WriteAsync(script);
        psql.StandardInput.Close();
        using var timer = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await psql.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            psql.Kill(entireProcessTree: true);
            throw new TimeoutException($"psql did not finish within {timeout ?? TimeSpan.FromMinutes(2)}");
        }

        return (psql.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs psql against an AnnSql test server as user and database <c>postgres</c> (see the overload above).</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        AnnSqlServer server, string script, IEnumerable<string>? extraArguments = null) =>
        RunAsync("127.0.0.1", server.Port, "postgres", "postgres", script, extraArguments);

    /// <summary>pgvector's text form of a vector: <c>[x,y,...]</c> with shortest round-trip floats.</summary>
    public static string VectorLiteral(float[] v) =>
        "[" + string.Join(',', v.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]";
}

using System.Diagnostics;
using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;

namespace AnnSql.IntegrationTests;

/// <summary>
/// The executable around the engine: the HTTP side port (/health, /metrics), the data-directory lock, and a start that fails
/// on damaged data.
/// </summary>
public sealed class HostTests
{
    [Fact]
    public async Task Health_answers_ok_and_metrics_count_connections_and_wal_fsyncs()
    {
        await using var server = await AnnSqlServer.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}") };
        using (var health = await http.GetAsync(new Uri("/health", UriKind.Relative)))
        {
            Assert.True(health.IsSuccessStatusCode);
            Assert.Equal("ok", await health.Content.ReadAsStringAsync());
        }

        await using (var source = server.CreateDataSource(useVector: false))
        await using (var conn = await source.OpenConnectionAsync())
        {
            await new NpgsqlCommand("CREATE TABLE t (id int PRIMARY KEY)", conn).ExecuteNonQueryAsync();
            await new NpgsqlCommand("INSERT INTO t VALUES (1), (2)", conn).ExecuteNonQueryAsync();
        }

        string metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.True(Sample(metrics, "annsql_connections_total") >= 1, metrics);
        Assert.True(Sample(metrics, "annsql_wal_fsync_duration_seconds_count") >= 1, metrics);
        Assert.True(Sample(metrics, "annsql_wal_bytes_total") > 0, metrics);
        Assert.Contains("service_name=\"annsql\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_server_on_the_same_data_directory_exits_with_a_clear_message()
    {
        await using var server = await AnnSqlServer.StartAsync();
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "annsql.dll"), "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", server.DataDirectory })
        {
            psi.ArgumentList.Add(a);
        }

        using var second = Process.Start(psi)!;
        Task<string> stderr = second.StandardError.ReadToEndAsync();
        Task<string> stdout = second.StandardOutput.ReadToEndAsync();
        await second.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains($"data directory \"{server.DataDirectory}\" is in use by another server", await stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", await stdout, StringComparison.Ordinal);

        // The first server is unaffected.
        await using var source = server.CreateDataSource(useVector: false);
        await using var conn = await source.OpenConnectionAsync();
        Assert.Equal(1, await new NpgsqlCommand("SELECT 1", conn).ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_damaged_checkpoint_stops_the_server_with_exit_code_1_and_the_reason()
    {
        await using var server = await AnnSqlServer.StartAsync();
        await using (var source = server.CreateDataSource(useVector: false))
        await using (var conn = await source.OpenConnectionAsync())
        {
            await new NpgsqlCommand("CREATE TABLE t (id int PRIMARY KEY)", conn).ExecuteNonQueryAsync();
            await new NpgsqlCommand("CHECKPOINT", conn).ExecuteNonQueryAsync();
        }

        await server.StopAsync();
        await File.WriteAllTextAsync(Path.Combine(server.DataDirectory, "checkpoint", "CURRENT"), "00000000000000FF\n");
        var (code, output, error) = await AnnSqlCli.RunAsync("serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", server.DataDirectory);
        Assert.Equal(1, code);
        Assert.Contains("annsql: checkpoint 00000000000000FF named by CURRENT has no manifest", error, StringComparison.Ordinal);
        Assert.DoesNotMatch("(?m)^listening on", output);
    }

    [Fact]
    public async Task A_port_in_use_stops_the_server_with_exit_code_1()
    {
        await using var server = await AnnSqlServer.StartAsync();
        string data = Path.Combine(Path.GetTempPath(), "annsql-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output, error) = await AnnSqlCli.RunAsync("--listen", $"127.0.0.1:{server.Port}", "--http", "127.0.0.1:0", "--data", data);
            Assert.Equal(1, code);
            Assert.Contains($"annsql: could not listen on 127.0.0.1:{server.Port}", error, StringComparison.Ordinal);
            Assert.DoesNotMatch("(?m)^listening on", output);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>The value of the first sample line of <paramref name="name"/> in Prometheus text format.</summary>
    private static double Sample(string metrics, string name)
    {
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }
}

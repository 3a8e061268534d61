using System.CommandLine;
using System.Globalization;
using Npgsql;

namespace AnnSql.Tools.Backup;

/// <summary>
/// <c>annsql backup --connection "Host=...;Username=..." --target DIR|FILE.tar|FILE.tar.gz|FILE.tar.zst [--label TEXT]</c>:
/// an online base backup of a running server (<see cref="BackupClient"/>); prints bytes, files and seconds.
/// </summary>
public static class BackupCommand
{
    /// <summary>The verb.</summary>
    public static Command Create()
    {
        Option<string> connectionOption = new("--connection", "-c")
        {
            Description = "Npgsql connection string of the server to back up",
            DefaultValueFactory = _ => Import.ImportOptions.DefaultConnectionString,
        };
        Option<string> targetOption = new("--target")
        {
            Description = "A new or empty directory (extracted: a data directory), or a FILE.tar, FILE.tar.gz or FILE.tar.zst to create",
            Required = true,
        };
        Option<string?> labelOption = new("--label") { Description = "Label recorded in the backup's backup_label" };
        Command command = new("backup", "Online base backup of a running server (BASE_BACKUP), restored with annsql restore")
        {
            connectionOption,
            targetOption,
            labelOption,
        };
        command.SetAction(async (parse, ct) =>
        {
            string target = parse.GetValue(targetOption)!;
            try
            {
                BackupResult result = await BackupClient.RunAsync(parse.GetValue(connectionOption)!, target, parse.GetValue(labelOption), ct);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"backup: {result.Bytes} bytes, {result.Files} files in {result.Seconds:F2} s to {target}"));
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or NpgsqlException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"backup failed: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}

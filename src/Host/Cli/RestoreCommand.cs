using System.CommandLine;
using System.Globalization;
using AnnSql.Sql.Storage;
using AnnSql.Tools.Backup;

namespace AnnSql.Host.Cli;

/// <summary>
/// <c>annsql restore --from DIR|ARCHIVE --data NEWDIR</c>: extracts a base backup (a directory from <c>annsql backup</c>, or a
/// .tar, .tar.gz or .tar.zst, told apart by its first bytes) into a new or empty data directory and verifies it
/// (<see cref="BackupVerifier"/>: complete archive, checkpoint manifests and CRC32Cs, log without gaps). A server started on
/// NEWDIR recovers from the checkpoint and replays the log, as after a crash. On any failure what was written is removed
/// and the exit code is 1.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create()
    {
        Option<string> fromOption = new("--from") { Description = "The backup: a directory or a .tar, .tar.gz or .tar.zst file", Required = true };
        Option<string> dataOption = new("--data") { Description = "New or empty data directory to restore into", Required = true };
        Command command = new("restore", "Restore a base backup into a new data directory and verify it")
        {
            fromOption,
            dataOption,
        };
        command.SetAction(async (parse, ct) =>
            await RunAsync(parse.GetValue(fromOption)!, parse.GetValue(dataOption)!, ct));
        return command;
    }

    private static async Task<int> RunAsync(string from, string data, CancellationToken ct)
    {
        if (!BackupArchive.IsMissingOrEmpty(data))
        {
            await Console.Error.WriteLineAsync($"restore failed: target data directory \"{data}\" is not empty");
            return 1;
        }

        if (!Directory.Exists(from) && !File.Exists(from))
        {
            await Console.Error.WriteLineAsync($"restore failed: \"{from}\" does not exist");
            return 1;
        }

        bool created = !Directory.Exists(data);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            ExtractSummary summary;
            if (Directory.Exists(from))
            {
                summary = await BackupArchive.CopyDirectoryAsync(from, data, ct);
            }
            else
            {
                await using Stream tar = BackupArchive.OpenFile(from);
                summary = await BackupArchive.ExtractAsync(tar, data, ct);
            }

            BackupLabel label = BackupVerifier.Verify(data);
            foreach (string directory in Directory.EnumerateDirectories(data, "*", SearchOption.AllDirectories).Append(data))
            {
                DurableFile.FsyncDirectory(directory);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"restore: {summary.Files} files, {summary.Bytes} bytes in {clock.Elapsed.TotalSeconds:F2} s into {data}; " +
                $"backup \"{label.Label}\" of {label.StartTime:O}, checkpoint {label.CheckpointId}, WAL {label.RedoLsn:X16}..{label.EndLsn:X16}"));
            Console.WriteLine($"start the server with: annsql serve --data {data}");
            return 0;
        }
        catch (Exception e)
        {
            // Any failure (a damaged archive, a decompressor's error, Ctrl-C) must not leave a directory a server would
            // start on with part of the log.
            await Console.Error.WriteLineAsync($"restore failed: {e.Message}");
            RemoveRestored(data, created);
            return 1;
        }
    }

    /// <summary>Removes what a failed restore wrote: the directory it created, or the contents of the empty one it was given.</summary>
    private static void RemoveRestored(string data, bool created)
    {
        try
        {
            BackupArchive.RemoveWritten(data, created);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"could not remove the partly restored \"{data}\": {e.Message}");
        }
    }
}

using System.Diagnostics;
using System.Formats.Tar;
using Npgsql;

namespace AnnSql.Tools.Backup;

/// <summary>What a backup wrote: archive bytes received, files in it, seconds taken.</summary>
public readonly record struct BackupResult(long Bytes, int Files, double Seconds);

/// <summary>
/// The client side of an online base backup: runs <c>BASE_BACKUP</c> on a server over an ordinary connection, reads the tar
/// it streams as binary COPY OUT data, and writes it extracted into a directory or as a (compressed) tar file. A backup is
/// accepted only when the stream ended normally with the server's label as its last file; otherwise the target file is
/// removed and the error reported.
/// </summary>
public static class BackupClient
{
    /// <summary>Takes a base backup of the server at <paramref name="connectionString"/> into <paramref name="target"/>.</summary>
    /// <exception cref="IOException">the target exists (file) or is not empty (directory), or cannot be written.</exception>
    /// <exception cref="InvalidDataException">the stream was not a complete backup archive.</exception>
    /// <exception cref="NpgsqlException">the connection or the server failed (a server-side error mid-stream included).</exception>
    public static async Task<BackupResult> RunAsync(string connectionString, string target, string? label, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        BackupArchiveKind kind = BackupArchive.KindOf(target);
        if (kind == BackupArchiveKind.Directory && !BackupArchive.IsMissingOrEmpty(target))
        {
            throw new IOException($"backup target directory \"{target}\" is not empty");
        }

        if (kind != BackupArchiveKind.Directory && File.Exists(target))
        {
            throw new IOException($"backup target file \"{target}\" already exists");
        }

        bool createdDirectory = kind == BackupArchiveKind.Directory && !Directory.Exists(target);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        // Npgsql's raw COPY API takes only COPY statements: the server runs COPY (BASE_BACKUP) TO STDOUT as BASE_BACKUP.
        string command = label is null
            ? "COPY (BASE_BACKUP) TO STDOUT"
            : $"COPY (BASE_BACKUP (LABEL '{label.Replace("'", "''", StringComparison.Ordinal)}')) TO STDOUT";
        bool completed = false;
        try
        {
            await using var copy = await connection.BeginRawBinaryCopyAsync(command, ct);
            var counter = new CountingReadStream(copy);
            ExtractSummary summary;
            if (kind == BackupArchiveKind.Directory)
            {
                summary = await BackupArchive.ExtractAsync(counter, target, ct);
            }
            else
            {
                await using (Stream output = BackupArchive.CreateFile(target, kind))
                {
                    summary = await CheckAndCopyAsync(counter, output, ct);
                }

                // "backup: ..." is printed only once the archive is on stable storage.
                await using (var written = new FileStream(target, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
                {
                    written.Flush(flushToDisk: true);
                }
            }

            // Whatever follows the tar's end blocks, then CopyDone and CommandComplete: a server error would surface here.
            await counter.CopyToAsync(Stream.Null, ct);
            if (summary.LastFile != BackupArchive.LabelFileName)
            {
                throw new InvalidDataException($"the backup stream ended without its {BackupArchive.LabelFileName}: it is incomplete");
            }

            completed = true;
            return new BackupResult(counter.BytesRead, summary.Files, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            if (!completed && kind != BackupArchiveKind.Directory)
            {
                File.Delete(target);
            }
            else if (!completed)
            {
                // A half-extracted directory looks like a data directory a server would start on: leave nothing behind.
                BackupArchive.RemoveWritten(target, createdDirectory);
            }
        }
    }

    /// <summary>
    /// Copies the tar from <paramref name="tar"/> to <paramref name="output"/> byte for byte while reading its entries, to count
    /// the files and find the last one.
    /// </summary>
    private static async Task<ExtractSummary> CheckAndCopyAsync(Stream tar, Stream output, CancellationToken ct)
    {
        var tee = new TeeReadStream(tar, output);
        int files = 0;
        long bytes = 0;
        string? last = null;
        await using (var reader = new TarReader(tee, leaveOpen: true))
        {
            try
            {
                while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
                {
                    if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                    {
                        if (entry.DataStream is { } data)
                        {
                            await data.CopyToAsync(Stream.Null, ct);
                        }

                        files++;
                        bytes += entry.Length;
                        last = entry.Name;
                    }
                }
            }
            catch (EndOfStreamException e)
            {
                throw new InvalidDataException("the backup stream is cut short", e);
            }
        }

        // The end-of-archive blocks TarReader did not need to look at.
        await tee.CopyToAsync(Stream.Null, ct);
        return new ExtractSummary(files, bytes, last);
    }
}

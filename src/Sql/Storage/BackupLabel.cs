using System.Globalization;
using System.Text;
using AnnSql.Index.Storage;

namespace AnnSql.Sql.Storage;

/// <summary>One file of a base backup as its label lists it: path relative to the data directory ('/'-separated), size, CRC32C.</summary>
public readonly record struct BackupFileEntry(string Path, long Size, uint Crc);

/// <summary>
/// <c>backup_label</c>, the last entry of a base backup archive (the role of PostgreSQL's backup_label and backup manifest):
/// when it started, the checkpoint it holds and that checkpoint's redo LSN, the log end it was copied up to, the server
/// version, and every other file with its size and CRC32C. Text ending with a CRC32C of the text before it, as a checkpoint
/// manifest does. Written last, it doubles as the end marker: an archive without it, or whose files do not match it, is
/// incomplete.
/// <code>
/// annsql backup 1
/// label nightly
/// start_time 2025-01-02T03:04:05.0000000Z
/// checkpoint 0000000000000002
/// redo_lsn 00000000000004D2
/// end_lsn 0000000000000A10
/// server_version 15.8
/// file 1048576 9A3C01F2 checkpoint/0000000000000002/t16385.rows
/// crc 1B2C3D4E
/// </code>
/// </summary>
public sealed record BackupLabel(
    string Label, DateTimeOffset StartTime, string CheckpointId, ulong RedoLsn, ulong EndLsn, string ServerVersion,
    IReadOnlyList<BackupFileEntry> Files)
{
    /// <summary>Name of the label file at the root of the archive and of the restored data directory.</summary>
    public const string FileName = "backup_label";

    private const string Magic = "annsql backup 1";

    /// <summary>The label as text (UTF-8), ending with its checksum line.</summary>
    public byte[] Serialize()
    {
        var text = new StringBuilder();
        text.Append(Magic).Append('\n');
        text.Append("label ").Append(Label.ReplaceLineEndings(" ")).Append('\n');
        text.Append("start_time ").Append(StartTime.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)).Append('\n');
        text.Append("checkpoint ").Append(CheckpointId).Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"redo_lsn {RedoLsn:X16}\n");
        text.Append(CultureInfo.InvariantCulture, $"end_lsn {EndLsn:X16}\n");
        text.Append("server_version ").Append(ServerVersion.ReplaceLineEndings(" ")).Append('\n');
        foreach (BackupFileEntry file in Files)
        {
            text.Append(CultureInfo.InvariantCulture, $"file {file.Size} {file.Crc:X8} {file.Path}\n");
        }

        uint crc = Crc32C.Compute(Encoding.UTF8.GetBytes(text.ToString()));
        text.Append(CultureInfo.InvariantCulture, $"crc {crc:X8}\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Reads a label written by <see cref="Serialize"/>.</summary>
    /// <exception cref="InvalidDataException">the text is damaged (checksum) or not a backup label.</exception>
    public static BackupLabel Parse(ReadOnlySpan<byte> bytes)
    {
        string text = Encoding.UTF8.GetString(bytes);
        int crcLine = text.LastIndexOf("crc ", StringComparison.Ordinal);
        if (crcLine < 0 || (crcLine > 0 && text[crcLine - 1] != '\n') || !text.EndsWith('\n'))
        {
            throw Damaged("no checksum line");
        }

        if (!uint.TryParse(text.AsSpan(crcLine + 4, text.Length - crcLine - 5), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint stored)
            || Crc32C.Compute(bytes[..Encoding.UTF8.GetByteCount(text.AsSpan(0, crcLine))]) != stored)
        {
            throw Damaged("checksum mismatch");
        }

        string[] lines = text[..crcLine].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 7 || lines[0] != Magic)
        {
            throw Damaged("bad header");
        }

        string Field(int line, string key) => lines[line].StartsWith(key + " ", StringComparison.Ordinal)
            ? lines[line][(key.Length + 1)..]
            : throw Damaged($"line {line + 1}: expected {key}");

        ulong Lsn(int line, string key) => ulong.TryParse(Field(line, key), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong lsn)
            ? lsn
            : throw Damaged($"line {line + 1}: bad {key}");

        string label = lines[1] == "label" ? "" : Field(1, "label");
        if (!DateTimeOffset.TryParse(Field(2, "start_time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset start))
        {
            throw Damaged("line 3: bad start_time");
        }

        string checkpoint = Field(3, "checkpoint");
        ulong redo = Lsn(4, "redo_lsn");
        ulong end = Lsn(5, "end_lsn");
        string version = Field(6, "server_version");
        var files = new List<BackupFileEntry>(lines.Length - 7);
        for (int i = 7; i < lines.Length; i++)
        {
            string[] parts = lines[i].Split(' ', 4);
            if (parts.Length != 4 || parts[0] != "file"
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long size)
                || !uint.TryParse(parts[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint crc))
            {
                throw Damaged($"bad line {i + 1}");
            }

            files.Add(new BackupFileEntry(parts[3], size, crc));
        }

        return new BackupLabel(label, start, checkpoint, redo, end, version, files);
    }

    private static InvalidDataException Damaged(string what) => new($"{FileName} is damaged: {what}");
}

using System.Globalization;
using System.Text;
using AnnSql.Index.Storage;

namespace AnnSql.Sql.Storage;

/// <summary>One file of a checkpoint as recorded in its manifest.</summary>
internal readonly record struct CheckpointFileEntry(string Name, long Size, uint Crc);

/// <summary>
/// The manifest of a checkpoint: redo LSN and each file's size and CRC32C, as text ending with a CRC32C of the text
/// before it, so a damaged manifest is detected rather than trusted.
/// <code>
/// annsql checkpoint 1
/// id 0000000000000002
/// redo_lsn 00000000000004D2
/// file 1048576 9A3C01F2 rows.dat
/// crc 1B2C3D4E
/// </code>
/// </summary>
internal sealed class CheckpointManifest
{
    public const string FileName = "manifest";
    private const string Magic = "annsql checkpoint 1";

    public CheckpointManifest(string id, ulong redoLsn, IReadOnlyList<CheckpointFileEntry> files)
    {
        Id = id;
        RedoLsn = redoLsn;
        Files = files;
    }

    public string Id { get; }

    public ulong RedoLsn { get; }

    public IReadOnlyList<CheckpointFileEntry> Files { get; }

    public byte[] Serialize()
    {
        var text = new StringBuilder();
        text.Append(Magic).Append('\n');
        text.Append("id ").Append(Id).Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"redo_lsn {RedoLsn:X16}\n");
        foreach (CheckpointFileEntry file in Files)
        {
            text.Append(CultureInfo.InvariantCulture, $"file {file.Size} {file.Crc:X8} {file.Name}\n");
        }

        uint crc = Crc32C.Compute(Encoding.UTF8.GetBytes(text.ToString()));
        text.Append(CultureInfo.InvariantCulture, $"crc {crc:X8}\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <exception cref="InvalidDataException">the manifest is damaged or not a manifest.</exception>
    public static CheckpointManifest Parse(byte[] bytes, string path)
    {
        string text = Encoding.UTF8.GetString(bytes);
        int crcLine = text.LastIndexOf("crc ", StringComparison.Ordinal);
        if (crcLine < 0 || (crcLine > 0 && text[crcLine - 1] != '\n') || !text.EndsWith('\n'))
        {
            throw Damaged(path, "no checksum line");
        }

        string crcText = text[(crcLine + 4)..^1];
        if (!uint.TryParse(crcText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint storedCrc)
            || Crc32C.Compute(bytes.AsSpan(0, Encoding.UTF8.GetByteCount(text.AsSpan(0, crcLine)))) != storedCrc)
        {
            throw Damaged(path, "checksum mismatch");
        }

        string[] lines = text[..crcLine].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 3 || lines[0] != Magic || !lines[1].StartsWith("id ", StringComparison.Ordinal)
            || !lines[2].StartsWith("redo_lsn ", StringComparison.Ordinal)
            || !ulong.TryParse(lines[2].AsSpan(9), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong redoLsn))
        {
            throw Damaged(path, "bad header");
        }

        var files = new List<CheckpointFileEntry>(lines.Length - 3);
        for (int i = 3; i < lines.Length; i++)
        {
            string[] parts = lines[i].Split(' ', 4);
            if (parts.Length != 4 || parts[0] != "file"
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long size)
                || !uint.TryParse(parts[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint crc))
            {
                throw Damaged(path, $"bad line {i + 1}");
            }

            files.Add(new CheckpointFileEntry(parts[3], size, crc));
        }

        return new CheckpointManifest(lines[1][3..], redoLsn, files);
    }

    private static InvalidDataException Damaged(string path, string what)
        => new($"checkpoint manifest \"{path}\" is damaged: {what}");
}

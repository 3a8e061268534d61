using AnnSql.Index.Storage;

namespace AnnSql.Sql.Storage;

/// <summary>
/// Checks a data directory extracted from a base backup before a server starts on it: the archive was complete (its
/// <see cref="BackupLabel"/> is there and every file it lists has the listed size and CRC32C), the checkpoint it names is the
/// current one and each of its files matches its manifest, and the log segments run without a gap from the checkpoint's
/// redo LSN to the label's end LSN, so recovery can replay every commit acknowledged before the backup began.
/// </summary>
public static class BackupVerifier
{
    /// <summary>Verifies <paramref name="dataDirectory"/> and returns its label.</summary>
    /// <exception cref="InvalidDataException">the backup is incomplete or damaged; the message says what is wrong.</exception>
    /// <exception cref="IOException">a file cannot be read.</exception>
    public static BackupLabel Verify(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        string labelPath = Path.Combine(dataDirectory, BackupLabel.FileName);
        if (!File.Exists(labelPath))
        {
            throw new InvalidDataException($"no {BackupLabel.FileName} in \"{dataDirectory}\": the backup is incomplete (truncated archive or interrupted transfer)");
        }

        BackupLabel label = BackupLabel.Parse(File.ReadAllBytes(labelPath));
        foreach (BackupFileEntry file in label.Files)
        {
            VerifyFile(dataDirectory, file);
        }

        string checkpointDirectory = Path.Combine(dataDirectory, "checkpoint");
        if (!Directory.Exists(checkpointDirectory) || !new CheckpointStore(checkpointDirectory).TryOpenLatest(out CheckpointReader? reader))
        {
            throw new InvalidDataException($"the backup in \"{dataDirectory}\" holds no checkpoint");
        }

        if (reader.Id != label.CheckpointId || reader.RedoLsn != label.RedoLsn)
        {
            throw new InvalidDataException(
                $"the current checkpoint is {reader.Id} (redo LSN {reader.RedoLsn:X16}), but {BackupLabel.FileName} names {label.CheckpointId} ({label.RedoLsn:X16})");
        }

        foreach (string name in reader.FileNames)
        {
            // Opening checks the size and CRC32C against the checkpoint's manifest.
            reader.OpenFile(name).Dispose();
        }

        VerifyLog(Path.Combine(dataDirectory, "wal"), label);
        return label;
    }

    private static void VerifyFile(string dataDirectory, BackupFileEntry entry)
    {
        string path = Path.Combine(dataDirectory, entry.Path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"the backup is incomplete: \"{entry.Path}\" is missing", e);
        }

        using (stream)
        {
            if (stream.Length != entry.Size)
            {
                throw new InvalidDataException($"\"{entry.Path}\" is damaged: {stream.Length} bytes, expected {entry.Size}");
            }

            uint crc = Crc32C.Compute(stream);
            if (crc != entry.Crc)
            {
                throw new InvalidDataException($"\"{entry.Path}\" is damaged: CRC32C {crc:X8}, expected {entry.Crc:X8}");
            }
        }
    }

    /// <summary>The segments must cover [redo LSN, end LSN) without a gap: each starts where the one before ends.</summary>
    private static void VerifyLog(string walDirectory, BackupLabel label)
    {
        var segments = new List<(ulong Start, long Length)>();
        if (Directory.Exists(walDirectory))
        {
            foreach (string path in Directory.EnumerateFiles(walDirectory, "*" + WriteAheadLog.SegmentExtension))
            {
                string name = Path.GetFileNameWithoutExtension(path);
                if (name.Length == 16 && ulong.TryParse(name, System.Globalization.NumberStyles.AllowHexSpecifier,
                    System.Globalization.CultureInfo.InvariantCulture, out ulong start))
                {
                    segments.Add((start, new FileInfo(path).Length));
                }
            }
        }

        segments.Sort();
        if (segments.Count == 0 || segments[0].Start > label.RedoLsn)
        {
            throw new InvalidDataException($"the backup lacks the log from the checkpoint's redo LSN {label.RedoLsn:X16}");
        }

        ulong end = segments[0].Start;
        foreach ((ulong start, long length) in segments)
        {
            if (start != end)
            {
                throw new InvalidDataException($"the backup's log has a gap: a segment starts at LSN {start:X16}, the one before ends at {end:X16}");
            }

            end = start + (ulong)length;
        }

        if (end != label.EndLsn)
        {
            throw new InvalidDataException($"the backup's log ends at LSN {end:X16}, but {BackupLabel.FileName} says {label.EndLsn:X16}");
        }
    }
}

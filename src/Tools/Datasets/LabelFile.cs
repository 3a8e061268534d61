using System.Globalization;
using System.IO.Compression;

namespace AnnSql.Tools.Datasets;

/// <summary>
/// A DiskANN label file (<c>base_labels.txt</c>, optionally <c>.gz</c>): one line per vector, its labels as comma-separated
/// integers (an empty line is a vector without labels).
/// </summary>
public static class LabelFile
{
    /// <summary>Reads every line's labels.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A label is not an integer; the message names the file, line and text.</exception>
    public static int[][] Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        using FileStream file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using StreamReader reader = new(stream);
        List<int[]> rows = [];
        while (reader.ReadLine() is { } line)
        {
            string text = line.Trim();
            if (text.Length == 0)
            {
                rows.Add([]);
                continue;
            }

            string[] parts = text.Split(',');
            int[] labels = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (!int.TryParse(parts[i].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out labels[i]))
                {
                    throw new InvalidDataException($"{path}: line {rows.Count + 1}: \"{parts[i].Trim()}\" is not an integer label");
                }
            }

            rows.Add(labels);
        }

        return [.. rows];
    }

    /// <summary>Reads the file and checks that it has one line per vector.</summary>
    /// <exception cref="InvalidDataException">The line count differs from <paramref name="expected"/>, or a label is malformed.</exception>
    public static int[][] Read(string path, long expected)
    {
        int[][] rows = Read(path);
        if (rows.Length != expected)
        {
            throw new InvalidDataException($"{path}: {rows.Length} lines for {expected} vectors (one line of labels per vector)");
        }

        return rows;
    }
}

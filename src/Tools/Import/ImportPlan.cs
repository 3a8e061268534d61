using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AnnSql.Tools.Datasets;

namespace AnnSql.Tools.Import;

/// <summary>What a table receives: row i gets id i, its vector (or ids), and optionally labels and ground truth.</summary>
/// <param name="Table">Table name.</param>
/// <param name="What">What the rows are, for progress and messages ("base", "queries").</param>
/// <param name="Rows">The vectors (or, for a lone <c>.ibin</c>/<c>.ivecs</c> file, the ids).</param>
/// <param name="Limit">Rows to import at most; null: all.</param>
internal sealed record TableLoad(string Table, string What, IMatrixReader Rows, long? Limit)
{
    /// <summary>One label set per row (DiskANN label file), or null.</summary>
    public int[][]? Labels { get; init; }

    /// <summary>Per row, the ids of the exact nearest base rows (ground truth), or null.</summary>
    public IMatrixReader? Neighbors { get; init; }

    /// <summary>Per row, the distances matching <see cref="Neighbors"/>, or null.</summary>
    public IMatrixReader? Distances { get; init; }

    /// <summary>Rows this load will write, when known.</summary>
    public long? Total => Rows.Count is long n ? Math.Min(n, Limit ?? long.MaxValue) : Limit;
}

/// <summary>
/// Turns a source path into table loads, opening every file and checking shapes before anything is sent: a folder in
/// DiskANN's layout (<c>base</c>, <c>query</c>, <c>gt</c> as <c>.fbin</c>/<c>.u8bin</c>/<c>.fvecs</c>/<c>.bvecs</c>,
/// <c>gt.ibin</c> or <c>.ivecs</c> with <c>gt.fbin</c> distances, <c>base_labels.txt</c>, <c>query_labels.txt</c>) or
/// TEXMEX's (<c>*_base.fvecs</c>, <c>*_query.fvecs</c>, <c>*_groundtruth.ivecs</c>), an ann-benchmarks <c>.hdf5</c> file,
/// or one vector file.
/// </summary>
internal sealed partial class ImportPlan : IDisposable
{
    private static readonly string[] VectorExtensions = [".fbin", ".u8bin", ".fvecs", ".bvecs"];
    private readonly List<IDisposable> _owned = [];

    private ImportPlan()
    {
    }

    /// <summary>The tables to fill, in order (base rows first).</summary>
    public List<TableLoad> Loads { get; } = [];

    /// <summary>The metric the source names (ann-benchmarks' <c>distance</c> attribute), or null.</summary>
    public string? Metric { get; private set; }

    /// <summary>Vector dimensions.</summary>
    public int Dimensions { get; private set; }

    /// <summary>Opens and checks every file <paramref name="options"/> names.</summary>
    /// <exception cref="InvalidDataException">A file is malformed or the files disagree; the message names the file.</exception>
    /// <exception cref="FileNotFoundException">The source or a named file does not exist.</exception>
    public static ImportPlan Create(ImportOptions options)
    {
        ImportPlan plan = new();
        try
        {
            plan.Build(options);
            return plan;
        }
        catch
        {
            plan.Dispose();
            throw;
        }
    }

    /// <summary>A table name from a file or folder name: lowercase letters, digits and underscores.</summary>
    public static string TableNameFor(string source)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(source)));
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            name = name[..^3];
        }

        if (!Directory.Exists(source))
        {
            name = Path.GetFileNameWithoutExtension(name);
        }

        StringBuilder text = new();
        foreach (char c in name.ToLowerInvariant())
        {
            text.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        string table = text.ToString().Trim('_');
        return table.Length == 0 ? "vectors" : char.IsAsciiDigit(table[0]) ? "t_" + table : table;
    }

    /// <summary>Checks that <paramref name="name"/> is a plain (optionally schema-qualified) SQL identifier.</summary>
    /// <exception cref="ArgumentException">It is not.</exception>
    public static string CheckIdentifier(string name, string what)
    {
        if (!Identifier().IsMatch(name))
        {
            throw new ArgumentException($"{what} \"{name}\" is not a plain SQL identifier (letters, digits, _; optionally schema.name)");
        }

        return name;
    }

    public void Dispose()
    {
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }
    }

    private void Build(ImportOptions options)
    {
        string source = options.Source;
        string table = CheckIdentifier(options.Table ?? TableNameFor(source), "table name");
        string queriesTable = CheckIdentifier(options.QueriesTable ?? table + "_queries", "queries table name");
        if (options.Limit is < 0)
        {
            throw new ArgumentException($"--limit {options.Limit} is negative");
        }

        if (Directory.Exists(source))
        {
            BuildFolder(options, source, table, queriesTable);
        }
        else if (AnnBenchmarksFile.IsHdf5File(source))
        {
            BuildHdf5(options, source, table, queriesTable);
        }
        else if (VectorFileReader.IsVectorFile(source))
        {
            IMatrixReader rows = Own(VectorFileReader.Open(source));
            Dimensions = rows.Dimensions;
            Loads.Add(new TableLoad(table, rows.IsInteger ? "ids" : "vectors", rows, options.Limit) { Labels = BaseLabels(options, null, rows) });
        }
        else if (!File.Exists(source))
        {
            throw new FileNotFoundException($"{source}: no such file or folder", source);
        }
        else
        {
            throw new InvalidDataException(
                $"{source}: unknown format; expected a data set folder, an .hdf5 file, or .fbin, .u8bin, .ibin, .fvecs, .bvecs, .ivecs (optionally .gz)");
        }

        if (Dimensions > 16000)
        {
            throw new InvalidDataException($"{source}: {Dimensions} dimensions; {options.Type.ToString().ToLowerInvariant()} holds at most 16000");
        }
    }

    private void BuildFolder(ImportOptions options, string folder, string table, string queriesTable)
    {
        string basePath = FindInFolder(folder, ["base", "learn"], VectorExtensions)
            ?? throw new FileNotFoundException(
                $"{folder}: no base vectors (base.fbin, base.u8bin, base.fvecs, base.bvecs, or *_base.fvecs / *_base.bvecs, optionally .gz)",
                Path.Combine(folder, "base.fbin"));
        IMatrixReader rows = Own(VectorFileReader.Open(basePath));
        RequireVectors(rows);
        Dimensions = rows.Dimensions;
        Loads.Add(new TableLoad(table, "base", rows, options.Limit)
        {
            Labels = BaseLabels(options, VectorFileReader.Find(folder, "base_labels.txt", ""), rows),
        });

        string? queryPath = options.SkipQueries ? null : FindInFolder(folder, ["query"], VectorExtensions);
        if (queryPath is null)
        {
            return;
        }

        IMatrixReader queries = Own(VectorFileReader.Open(queryPath));
        RequireVectors(queries);
        if (queries.Dimensions != Dimensions)
        {
            throw new InvalidDataException($"{queryPath}: {queries.Dimensions} dimensions; {basePath} has {Dimensions}");
        }

        IMatrixReader? neighbors = null;
        IMatrixReader? distances = null;
        if (FindInFolder(folder, ["gt", "groundtruth"], [".ibin", ".ivecs"]) is { } gtPath)
        {
            neighbors = Own(VectorFileReader.Open(gtPath));
            RequireIds(neighbors);
            CheckSameRows(queries, neighbors);
            if (VectorFileReader.Find(folder, "gt", ".fbin") is { } distancePath)
            {
                distances = Own(VectorFileReader.Open(distancePath));
                CheckSameShape(neighbors, distances);
            }
        }

        int[][]? queryLabels = null;
        if (VectorFileReader.Find(folder, "query_labels.txt", "") is { } queryLabelPath)
        {
            queryLabels = queries.Count is long n ? LabelFile.Read(queryLabelPath, n) : LabelFile.Read(queryLabelPath);
        }

        Loads.Add(new TableLoad(queriesTable, "queries", queries, null) { Neighbors = neighbors, Distances = distances, Labels = queryLabels });
    }

    private void BuildHdf5(ImportOptions options, string path, string table, string queriesTable)
    {
        AnnBenchmarksFile file = Own(AnnBenchmarksFile.Open(path));
        Metric = file.Metric;
        IMatrixReader rows = Own(file.Read("train"));
        RequireVectors(rows);
        Dimensions = rows.Dimensions;
        Loads.Add(new TableLoad(table, "train", rows, options.Limit) { Labels = BaseLabels(options, null, rows) });
        if (options.SkipQueries || !file.Has("test"))
        {
            return;
        }

        IMatrixReader queries = Own(file.Read("test"));
        RequireVectors(queries);
        if (queries.Dimensions != Dimensions)
        {
            throw new InvalidDataException($"{queries.Name}: {queries.Dimensions} dimensions; train has {Dimensions}");
        }

        IMatrixReader? neighbors = file.Has("neighbors") ? Own(file.Read("neighbors")) : null;
        IMatrixReader? distances = file.Has("distances") ? Own(file.Read("distances")) : null;
        if (neighbors is not null)
        {
            RequireIds(neighbors);
            CheckSameRows(queries, neighbors);
            if (distances is not null)
            {
                CheckSameShape(neighbors, distances);
            }
        }

        Loads.Add(new TableLoad(queriesTable, "test", queries, null) { Neighbors = neighbors, Distances = neighbors is null ? null : distances });
    }

    private static int[][]? BaseLabels(ImportOptions options, string? folderLabels, IMatrixReader rows)
    {
        string? path = options.LabelsFile ?? folderLabels;
        if (path is null)
        {
            return null;
        }

        int[][] labels = rows.Count is long n ? LabelFile.Read(path, n) : LabelFile.Read(path);
        if (options.LabelType == LabelColumnType.Smallint)
        {
            for (int i = 0; i < labels.Length; i++)
            {
                if (Array.Find(labels[i], l => l is < short.MinValue or > short.MaxValue) is var bad && bad != 0)
                {
                    throw new InvalidDataException($"{path}: line {i + 1}: label {bad} does not fit in smallint");
                }
            }
        }

        return labels;
    }

    /// <summary>The first <c>stem.ext[.gz]</c>, else the one <c>*_stem.ext[.gz]</c> (TEXMEX naming), for each stem in turn.</summary>
    private static string? FindInFolder(string folder, string[] stems, string[] extensions)
    {
        foreach (string stem in stems)
        {
            if (VectorFileReader.Find(folder, stem, extensions) is { } exact)
            {
                return exact;
            }

            foreach (string extension in extensions)
            {
                string[] matches = [.. Directory.EnumerateFiles(folder, "*_" + stem + extension), .. Directory.EnumerateFiles(folder, "*_" + stem + extension + ".gz")];
                if (matches.Length > 1)
                {
                    throw new InvalidDataException($"{folder}: more than one {stem} file ({string.Join(", ", matches.Select(Path.GetFileName))}); import one of them by name");
                }

                if (matches.Length == 1)
                {
                    return matches[0];
                }
            }
        }

        return null;
    }

    private static void RequireVectors(IMatrixReader reader)
    {
        if (reader.IsInteger)
        {
            throw new InvalidDataException($"{reader.Name}: holds integer ids; expected vectors");
        }
    }

    private static void RequireIds(IMatrixReader reader)
    {
        if (!reader.IsInteger)
        {
            throw new InvalidDataException($"{reader.Name}: holds floats; expected integer ground-truth ids");
        }
    }

    private static void CheckSameRows(IMatrixReader queries, IMatrixReader truth)
    {
        if (queries.Count is long q && truth.Count is long t && q != t)
        {
            throw new InvalidDataException($"{truth.Name}: ground truth for {t} queries; {queries.Name} has {q}");
        }
    }

    private static void CheckSameShape(IMatrixReader neighbors, IMatrixReader distances)
    {
        if (distances.IsInteger || distances.Dimensions != neighbors.Dimensions || distances.Count != neighbors.Count)
        {
            throw new InvalidDataException(
                $"{distances.Name}: {Shape(distances)} {(distances.IsInteger ? "integers" : "floats")}; expected floats shaped as {neighbors.Name} ({Shape(neighbors)})");
        }
    }

    private static string Shape(IMatrixReader reader) =>
        string.Create(CultureInfo.InvariantCulture, $"{(reader.Count is long n ? n.ToString(CultureInfo.InvariantCulture) : "?")} x {reader.Dimensions}");

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")]
    private static partial Regex Identifier();
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace AnnSql.Tools.Import;

/// <summary>
/// <c>annsql import</c>: loads vector files into tables of a running server over the PostgreSQL protocol with binary COPY.
/// Exit codes: 0 done, 1 a bad argument or a missing or malformed file (named in the message), 2 the server refused
/// (its SQLSTATE and message are printed) or could not be reached.
/// </summary>
public static class ImportCommand
{
    /// <summary>Exit code for a bad argument or a missing or malformed file.</summary>
    public const int InputError = 1;

    /// <summary>Exit code for a server error or an unreachable server.</summary>
    public const int ServerError = 2;

    /// <summary>The <c>import</c> verb.</summary>
    public static Command Create()
    {
        Argument<string> sourceArgument = new("source")
        {
            Description = "A data set folder (DiskANN layout: base/query .fbin|.u8bin|.fvecs|.bvecs, gt.ibin, gt.fbin, *_labels.txt; "
                + "or TEXMEX: *_base.fvecs, *_query.fvecs, *_groundtruth.ivecs), an ann-benchmarks .hdf5 file, "
                + "or one vector file (.fbin .u8bin .ibin .fvecs .bvecs .ivecs, each optionally .gz)",
        };
        Option<string> connectionOption = new("--connection", "-c")
        {
            Description = "Npgsql connection string of the running server",
            DefaultValueFactory = _ => ImportOptions.DefaultConnectionString,
        };
        Option<string?> tableOption = new("--table", "-t")
        {
            Description = "Table for the base (train) rows: id int PRIMARY KEY, <column> vector(d) [, labels int[]]; default: the source's name, e.g. mnist_784_euclidean",
        };
        Option<string?> queriesTableOption = new("--queries-table")
        {
            Description = "Table for the queries: id, <column>, neighbors int[] (exact nearest base ids, nearest first), distances real[] [, labels]; default: <table>_queries",
        };
        Option<bool> noQueriesOption = new("--no-queries") { Description = "Import only the base rows" };
        Option<string> columnOption = new("--column") { Description = "Name of the vector column", DefaultValueFactory = _ => "embedding" };
        Option<VectorColumnType> typeOption = new("--type")
        {
            Description = "Vector column type: vector (float32) or halfvec (float16)",
            DefaultValueFactory = _ => VectorColumnType.Vector,
        };
        Option<string?> labelsOption = new("--labels")
        {
            Description = "DiskANN label file for the base rows (one line per row, comma-separated integers) into a labels column; default: the folder's base_labels.txt",
        };
        Option<LabelColumnType> labelTypeOption = new("--label-type")
        {
            Description = "Labels column type: int (int[]) or smallint (smallint[])",
            DefaultValueFactory = _ => LabelColumnType.Int,
        };
        Option<long?> limitOption = new("--limit") { Description = "Import only the first N base rows (the ground truth still refers to all of them)" };
        Option<int?> batchOption = new("--batch-size")
        {
            Description = "Rows per COPY statement, each committed on its own unless --single-transaction; default: about 32 MiB of vectors",
        };
        Option<bool> dropOption = new("--drop") { Description = "Drop the tables first; without it they are created when missing and must be empty" };
        Option<bool> singleOption = new("--single-transaction")
        {
            Description = "Commit all rows of all tables together at the end, so a failure leaves none of them",
        };

        Command command = new("import", "Load vector files into tables of a running server with binary COPY")
        {
            sourceArgument, connectionOption, tableOption, queriesTableOption, noQueriesOption, columnOption, typeOption,
            labelsOption, labelTypeOption, limitOption, batchOption, dropOption, singleOption,
        };
        command.SetAction((parse, ct) =>
        {
            ImportOptions options = new(parse.GetValue(sourceArgument)!, parse.GetValue(connectionOption)!)
            {
                Table = parse.GetValue(tableOption),
                QueriesTable = parse.GetValue(queriesTableOption),
                SkipQueries = parse.GetValue(noQueriesOption),
                Column = parse.GetValue(columnOption)!,
                Type = parse.GetValue(typeOption),
                LabelsFile = parse.GetValue(labelsOption),
                LabelType = parse.GetValue(labelTypeOption),
                Limit = parse.GetValue(limitOption),
                BatchSize = parse.GetValue(batchOption),
                Drop = parse.GetValue(dropOption),
                SingleTransaction = parse.GetValue(singleOption),
            };
            return RunAsync(options, Console.Out, Console.Error, ImportProgress.ConsoleIsInteractive(), ct);
        });
        return command;
    }

    /// <summary>Runs an import, printing progress and a summary to <paramref name="output"/> and errors to <paramref name="error"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(ImportOptions options, TextWriter output, TextWriter error, bool interactive, CancellationToken ct)
    {
        ImportPlan plan;
        try
        {
            if (options.BatchSize is <= 0)
            {
                throw new ArgumentException($"--batch-size {options.BatchSize} must be positive");
            }

            ImportPlan.CheckIdentifier(options.Column, "column name");
            _ = new NpgsqlConnectionStringBuilder(options.ConnectionString); // a malformed string fails here, before any file is read
            plan = ImportPlan.Create(options);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("annsql import: " + e.Message);
            return InputError;
        }

        using (plan)
        {
            VectorImporter importer = new(options, plan, output);
            Stopwatch clock = Stopwatch.StartNew();
            try
            {
                await output.WriteLineAsync(Describe(options, plan));
                await importer.RunAsync(interactive, ct);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ImportException)
            {
                await error.WriteLineAsync("annsql import: " + e.Message);
                await error.WriteLineAsync(Committed(options, importer));
                return InputError;
            }
            catch (PostgresException e)
            {
                await error.WriteLineAsync($"annsql import: server error {e.SqlState}: {e.MessageText}{(e.Detail is null ? "" : " (" + e.Detail + ")")}");
                await error.WriteLineAsync(Committed(options, importer));
                return ServerError;
            }
            catch (NpgsqlException e)
            {
                await error.WriteLineAsync($"annsql import: cannot talk to the server ({e.Message}); connection: {Redacted(options.ConnectionString)}");
                await error.WriteLineAsync(Committed(options, importer));
                return ServerError;
            }

            double seconds = clock.Elapsed.TotalSeconds;
            long rows = importer.CommittedTables.Sum(t => t.Rows);
            string tables = string.Join(", ", importer.CommittedTables.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Rows} into {t.Table}")));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"imported {rows} rows ({tables}) in {seconds:F2} s: {rows / Math.Max(seconds, 1e-9):F0} rows/s"));
            return 0;
        }
    }

    private static string Describe(ImportOptions options, ImportPlan plan)
    {
        string metric = plan.Metric switch
        {
            null => "",
            "euclidean" or "l2" => "; metric euclidean: ORDER BY " + options.Column + " <-> $1",
            "angular" or "cosine" => "; metric angular: ORDER BY " + options.Column + " <=> $1",
            "dot" or "ip" or "inner_product" => "; metric dot: ORDER BY " + options.Column + " <#> $1",
            "hamming" => "; metric hamming",
            "jaccard" => "; metric jaccard",
            var m => "; metric " + m,
        };
        string loads = string.Join(", ", plan.Loads.Select(l =>
            string.Create(CultureInfo.InvariantCulture, $"{l.What} ({(l.Total is long n ? n.ToString(CultureInfo.InvariantCulture) : "?")} rows) -> {l.Table}")));
        return string.Create(CultureInfo.InvariantCulture, $"importing {options.Source}: {plan.Dimensions} dimensions; {loads}{metric}");
    }

    private static string Committed(ImportOptions options, VectorImporter importer)
    {
        if (importer.CommittedTables.Count == 0 || importer.CommittedTables.All(t => t.Rows == 0))
        {
            return "annsql import: no rows were committed" + (options.SingleTransaction ? " (--single-transaction)" : "");
        }

        return "annsql import: committed before the error (whole batches, ids from 0): "
            + string.Join(", ", importer.CommittedTables.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Rows} rows in {t.Table}")))
            + "; rerun with --drop to start over";
    }

    private static string Redacted(string connectionString)
    {
        try
        {
            NpgsqlConnectionStringBuilder builder = new(connectionString);
            if (builder.Password is not null)
            {
                builder.Password = "***";
            }

            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(unparsable)";
        }
    }
}

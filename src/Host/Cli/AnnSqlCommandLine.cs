using System.CommandLine;
using AnnSql.Tools.Backup;
using AnnSql.Tools.Bench;
using AnnSql.Tools.Datasets;
using AnnSql.Tools.Import;
using AnnSql.Tools.Info;

namespace AnnSql.Host.Cli;

/// <summary>
/// The verbs of the <c>annsql</c> executable (System.CommandLine): <c>serve</c> (the default), <c>import</c>,
/// <c>bench</c>, <c>info</c>, <c>backup</c> and <c>restore</c>. Every verb but <c>serve</c> is a client of a running
/// server over the PostgreSQL protocol, or works on files only.
/// </summary>
internal static class AnnSqlCommandLine
{
    /// <summary>Parses <paramref name="args"/> and runs the verb; returns the process exit code.</summary>
    public static Task<int> InvokeAsync(string[] args)
    {
        RootCommand root = new("annsql: a PostgreSQL-protocol vector database with DiskANN indexes")
        {
            ServeCommand.Create(),
            ImportCommand.Create(),
            BenchCommand.Create("bench", DataOption(), LoadData),
            InfoCommand.Create(),
            BackupCommand.Create(),
            RestoreCommand.Create(),
        };

        // No verb, or options straight after the program name (annsql --listen ...): serve.
        bool verbGiven = args.Length > 0 && root.Subcommands.Any(c => c.Name == args[0]);
        bool rootOption = args.Length > 0 && args[0] is "-h" or "--help" or "-?" or "--version";
        string[] effective = verbGiven || rootOption ? args : [ServeCommand.Name, .. args];
        return root.Parse(effective).InvokeAsync();
    }

    private static Option<string[]> DataOption() => new("--data")
    {
        Description = "Data set folder in DiskANN's layout (base/query .fbin or .u8bin, gt.ibin); default: ../shared/data/mnist-784-euclidean",
    };

    private static VectorDataSet LoadData(string[]? folders) =>
        VectorDataSet.Load(VectorDataSet.Locate(folders is { Length: > 0 } ? folders : [Path.Combine("..", "shared", "data", "mnist-784-euclidean")]));
}

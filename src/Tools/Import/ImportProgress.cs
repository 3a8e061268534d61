using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace AnnSql.Tools.Import;

/// <summary>Receives the rows committed per table while an import runs.</summary>
internal interface IImportProgress
{
    /// <summary>Adds <paramref name="rows"/> to load <paramref name="index"/> (in <see cref="ImportPlan.Loads"/> order).</summary>
    void Advance(int index, long rows);
}

/// <summary>
/// Shows import progress: a Spectre.Console progress bar per table when the console is interactive, else a plain line
/// per table every few seconds (logs, CI, child processes).
/// </summary>
internal static class ImportProgress
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);

    /// <summary>Runs <paramref name="work"/> while showing progress for <paramref name="loads"/> on <paramref name="output"/>.</summary>
    public static async Task RunAsync(IReadOnlyList<TableLoad> loads, TextWriter output, bool interactive, Func<IImportProgress, Task> work)
    {
        if (!interactive)
        {
            await work(new PlainProgress(loads, output));
            return;
        }

        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                ProgressTask[] tasks = [.. loads.Select(l => context.AddTask(Describe(l), maxValue: l.Total ?? 1))];
                for (int i = 0; i < loads.Count; i++)
                {
                    tasks[i].IsIndeterminate = loads[i].Total is null;
                }

                await work(new SpectreProgress(tasks));
                foreach (ProgressTask task in tasks)
                {
                    task.IsIndeterminate = false;
                    task.Value = task.MaxValue;
                    task.StopTask();
                }
            });
    }

    /// <summary>True when progress bars can be drawn: stdout is a terminal that Spectre.Console finds interactive.</summary>
    public static bool ConsoleIsInteractive() => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    private static string Describe(TableLoad load) => $"{Markup.Escape(load.What)} → {Markup.Escape(load.Table)}";

    private sealed class SpectreProgress(ProgressTask[] tasks) : IImportProgress
    {
        public void Advance(int index, long rows)
        {
            ProgressTask task = tasks[index];
            if (task.IsIndeterminate)
            {
                task.MaxValue += rows;
            }

            task.Increment(rows);
        }
    }

    private sealed class PlainProgress(IReadOnlyList<TableLoad> loads, TextWriter output) : IImportProgress
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly long[] _rows = new long[loads.Count];
        private TimeSpan _lastPrint;

        public void Advance(int index, long rows)
        {
            _rows[index] += rows;
            TimeSpan now = _clock.Elapsed;
            bool done = loads[index].Total == _rows[index];
            if (now - _lastPrint < PlainInterval && !done)
            {
                return;
            }

            _lastPrint = now;
            string total = loads[index].Total is long t
                ? string.Create(CultureInfo.InvariantCulture, $"/{t} ({100.0 * _rows[index] / Math.Max(1, t):F0}%)")
                : "";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{loads[index].What} -> {loads[index].Table}: {_rows[index]}{total} rows, {now.TotalSeconds:F1} s"));
        }
    }
}

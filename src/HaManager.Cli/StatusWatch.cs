using Spectre.Console;

namespace HaManager.Cli;

/// <summary>
/// <c>ha-manager status --watch</c>: the status redrawn whenever it changes, like <c>crm_mon</c>. On a
/// terminal a Spectre.Console live view (states coloured); otherwise a new frame, stamped with the
/// time, each time the text changes — readable in a log or a pipe. Ends on Ctrl-C.
/// </summary>
public static class StatusWatch
{
    public static void Run(CliContext ctx, TextWriter stdout, TimeSpan interval, CancellationToken stop, bool live)
    {
        if (live) RunLive(ctx, interval, stop);
        else RunPlain(ctx, stdout, interval, stop);
    }

    private static string Frame(CliContext ctx) =>
        string.Concat(StatusView.Build(ctx).Select(e => $"{e.Type} {e.Status}\n"));

    private static void RunPlain(CliContext ctx, TextWriter stdout, TimeSpan interval, CancellationToken stop)
    {
        string? shown = null;
        while (!stop.IsCancellationRequested)
        {
            string frame = SafeFrame(ctx);
            if (frame != shown)
            {
                stdout.Write($"-- {DateTime.Now:HH:mm:ss} --\n{frame}");
                stdout.Flush();
                shown = frame;
            }
            stop.WaitHandle.WaitOne(interval);
        }
    }

    /// <summary>A store hiccup (a file replaced mid-read, quorum lost) is shown, not fatal: the view goes on.</summary>
    private static string SafeFrame(CliContext ctx)
    {
        try { return Frame(ctx); }
        catch (Exception e) when (e is HaManager.Core.Environment.HaEnvironmentException or IOException)
        {
            return $"status unavailable: {e.Message.TrimEnd()}\n";
        }
    }

    private static void RunLive(CliContext ctx, TimeSpan interval, CancellationToken stop)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("what").AddColumn("status");
        AnsiConsole.Live(table).Start(live =>
        {
            string? shown = null;
            while (!stop.IsCancellationRequested)
            {
                string frame = SafeFrame(ctx);
                if (frame != shown)
                {
                    table.Rows.Clear();
                    foreach (var line in frame.TrimEnd('\n').Split('\n'))
                    {
                        var parts = line.Split(' ', 2);
                        string status = parts.Length > 1 ? parts[1] : "";
                        table.AddRow(new Markup(Markup.Escape(parts[0])), new Markup($"[{Colour(status)}]{Markup.Escape(status)}[/]"));
                    }
                    table.Caption($"{DateTime.Now:HH:mm:ss} — Ctrl-C ends");
                    live.Refresh();
                    shown = frame;
                }
                stop.WaitHandle.WaitOne(interval);
            }
        });
    }

    private static string Colour(string status) =>
        status.Contains("error", StringComparison.Ordinal) || status.Contains("No quorum", StringComparison.Ordinal) ? "red"
        : status.Contains("fence", StringComparison.Ordinal) || status.Contains("recovery", StringComparison.Ordinal)
          || status.Contains("old timestamp", StringComparison.Ordinal) || status.Contains("maintenance", StringComparison.Ordinal) ? "yellow"
        : status.Contains("started", StringComparison.Ordinal) || status.StartsWith("OK", StringComparison.Ordinal) ? "green"
        : "default";
}

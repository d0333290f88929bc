using System.Diagnostics;
using HaManager.Core.Environment;

namespace HaManager.Agents;

/// <summary>The outcome of one agent call.</summary>
/// <param name="ExitCode">The exit code; <see cref="AgentProcess.TimedOut"/> when it was killed after its
/// timeout, <see cref="AgentProcess.NotStarted"/> when it could not be started.</param>
/// <param name="Output">Its stdout and stderr lines, in arrival order.</param>
public sealed record AgentResult(int ExitCode, IReadOnlyList<string> Output);

/// <summary>
/// Runs one agent command as a child process with a timeout. Everything it prints goes to the node's
/// log (prefixed with the service id); a call that outlives its timeout is killed with its process
/// tree — daemons an agent started and detached (re-parented to init) are the service and stay.
/// </summary>
public static class AgentProcess
{
    /// <summary>Exit code of a call killed after its timeout.</summary>
    public const int TimedOut = -2;

    /// <summary>Exit code of a call that could not be started (missing program, no permission).</summary>
    public const int NotStarted = -3;

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/>; <paramref name="input"/> is written to its
    /// standard input (which is closed either way). Output lines are logged with <paramref name="sid"/> as prefix;
    /// <paramref name="quiet"/> keeps them out of the log (they are still returned).</summary>
    public static AgentResult Run(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment,
        TimeSpan timeout, IHaLog log, string sid, string? input = null, bool quiet = false)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var output = new List<string>();
        Process process;
        try { process = Process.Start(psi)!; }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            log.Write(LogLevel.Err, $"{sid}: cannot run '{file}' - {e.Message}");
            return new AgentResult(NotStarted, []);
        }
        using (process)
        {
            void Collect(object _, DataReceivedEventArgs e)
            {
                if (e.Data is null) return;
                lock (output) output.Add(e.Data);
                if (!quiet) log.Write(LogLevel.Info, $"{sid}: {e.Data}");
            }
            process.OutputDataReceived += Collect;
            process.ErrorDataReceived += Collect;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                if (input is not null) process.StandardInput.Write(input);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program exited without reading its input: its exit code tells the rest.
            }
            if (!process.WaitForExit(timeout))
            {
                try { process.Kill(entireProcessTree: true); }
                catch (InvalidOperationException) { }
                process.WaitForExit(5000);
                log.Write(LogLevel.Err, $"{sid}: '{Path.GetFileName(file)} {string.Join(' ', psi.ArgumentList)}' timed out after {timeout.TotalSeconds:0.#} s - killed");
                lock (output) return new AgentResult(TimedOut, [.. output]);
            }
            // Drain the output readers before reading the list.
            process.WaitForExit();
            lock (output) return new AgentResult(process.ExitCode, [.. output]);
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using HaManager.Agents;
using HaManager.Configuration;
using HaManager.Core.Environment;
using HaManager.Store;
using HaManager.WatchdogMux;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace HaManager.Daemon;

/// <summary>
/// Runs resource jobs on worker threads, at most <see cref="MaxWorkers"/> at once (datacenter
/// <c>max_workers</c>, default 4), so a long migration never holds up the iteration that renews the lock
/// and feeds the watchdog. Finished jobs wait in a queue for the LRM's next worker pass.
/// </summary>
public sealed class ThreadJobRunner(Func<int> maxWorkers) : IJobRunner
{
    private readonly ConcurrentQueue<JobCompletion> _finished = new();

    /// <summary>Set whenever a job finishes (the host may run the next pass early).</summary>
    public SemaphoreSlim Finished { get; } = new(0);

    /// <inheritdoc/>
    public int MaxWorkers => Math.Max(1, maxWorkers());

    /// <inheritdoc/>
    public void Start(ResourceJob job, Func<int> work)
    {
        var thread = new Thread(() =>
        {
            int code;
            try { code = work(); }
            catch (Exception) { code = Core.Model.ExitCodes.Crashed; }
            _finished.Enqueue(new JobCompletion(job.Sid, code));
            Finished.Release();
        }) { IsBackground = true, Name = $"job {job.Sid}" };
        thread.Start();
    }

    /// <inheritdoc/>
    public IReadOnlyList<JobCompletion> CollectFinished()
    {
        var done = new List<JobCompletion>();
        while (_finished.TryDequeue(out var c)) done.Add(c);
        return done;
    }
}

/// <summary>The node's watchdog through watchdog-mux (one handle per process).</summary>
public sealed class MuxWatchdog(string socket, IHaLog log) : IWatchdog
{
    private WatchdogClient? _client;

    /// <inheritdoc/>
    public string Open()
    {
        try { _client = WatchdogClient.Open(socket); }
        catch (WatchdogClientException e) { throw new HaEnvironmentException(e.Message); }
        log.Write(LogLevel.Info, "watchdog active");
        return "watchdog-mux";
    }

    /// <inheritdoc/>
    public void Update(string handle)
    {
        if (_client?.Update() is { } error) log.Write(LogLevel.Err, $"watchdog update failed - {error}");
    }

    /// <inheritdoc/>
    public void Close(string handle)
    {
        if (_client is null) return;
        if (_client.Close() is { } error) log.Write(LogLevel.Err, $"watchdog close failed - {error}");
        else log.Write(LogLevel.Info, "watchdog closed (disabled)");
        _client = null;
    }
}

/// <summary>The store's service homes as the agents see them.</summary>
public sealed class StoreHomes(IHaStore store) : IServiceHomes
{
    /// <inheritdoc/>
    public string? NodeOf(string sid) => store.NodeOfService(sid);

    /// <inheritdoc/>
    public void Move(string sid, string fromNode, string toNode) => store.MoveServiceHome(sid, fromNode, toNode);
}

/// <summary>Request ids: random, as nothing but uniqueness matters.</summary>
public sealed class RandomUids : IUidSource
{
    /// <inheritdoc/>
    public string NewUid() => Guid.NewGuid().ToString("N")[..22];
}

/// <summary>Whether systemd is shutting the host down or rebooting it (lrm-watchdog-env §13.5): a
/// <c>shutdown.target</c> or <c>reboot.target</c> job in <c>systemctl list-jobs</c>; errors — no systemd
/// running, no systemctl — count as neither. <c>systemctl</c> is taken from PATH.</summary>
public static class NodeShutdown
{
    /// <summary>Asks systemd.</summary>
    public static NodeShutdownInfo Detect()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("systemctl", ["--full", "list-jobs"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            var errors = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit(10_000);
            if (p.ExitCode != 0) return default;
            bool Has(string target) => output.Split('\n').Any(l =>
                System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\d+\s+{target}\s"));
            bool reboot = Has("reboot.target");
            return new NodeShutdownInfo(reboot || Has("shutdown.target"), reboot);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return default;
        }
    }
}

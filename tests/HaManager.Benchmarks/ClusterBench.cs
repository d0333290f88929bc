using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using HaManager.LocalCluster;

namespace HaManager.Benchmarks;

/// <summary>
/// Real processes (only with <c>--only cluster</c>: it takes minutes): what ha-crm and ha-lrm cost while
/// a node runs 100 services, and how long the demo's failover takes at time scale 1 with the default
/// budget — and how much of that is beyond the lock lifetime, the floor no failover may go below.
/// </summary>
public static class ClusterBench
{
    public static IEnumerable<Figure> Run(bool quick)
    {
        yield return Failover();
        foreach (var f in Idle(quick ? 30 : 120)) yield return f;
    }

    private static Figure Failover()
    {
        var output = new StringWriter();
        int code = Demo.Run(null, 3, 1, keep: false, output);
        string last = output.ToString().TrimEnd().Split('\n')[^1];
        var m = Regex.Match(last, @"recovered (\d+)/(\d+) services in ([0-9.]+) s");
        if (code != 0 || !m.Success) throw new InvalidOperationException("the demo failed: " + last);
        double seconds = double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        var timing = ClusterTiming.For(1);
        double lifetime = timing.Budget.LockLifetimeSeconds;
        return new Figure("demo failover: crash until both services run elsewhere, time scale 1", "3 nodes", seconds * 1000, 0,
            $"lock lifetime {lifetime:0} s (client watchdog {timing.ClientRealSeconds} s, device {timing.DeviceRealSeconds} s): "
            + $"{seconds - lifetime:0.0} s beyond it");
    }

    private static IEnumerable<Figure> Idle(int seconds)
    {
        string root = Directory.CreateTempSubdirectory("hamanager-bench-").FullName;
        var supervisor = new Supervisor(root, ["node1", "node2"], ClusterTiming.For(1));
        using var stop = new CancellationTokenSource();
        var ticker = new Thread(() => { while (!stop.IsCancellationRequested) { supervisor.Tick(); Thread.Sleep(100); } }) { IsBackground = true };
        try
        {
            supervisor.BootAll();
            ticker.Start();
            for (int i = 1; i <= 100; i++) ClusterServices.AddDemoService(supervisor.Layout, $"s{i}", "node1");
            var clock = Stopwatch.StartNew();
            while (supervisor.Running().Count < 100)
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(5)) throw new InvalidOperationException("100 services did not start");
                Thread.Sleep(500);
            }
            double startSeconds = clock.Elapsed.TotalSeconds;
            Thread.Sleep(20_000);
            int crm = DaemonPid(supervisor, "crm"), lrm = DaemonPid(supervisor, "lrm");
            var (crm0, _) = Ticks(crm);
            var (lrm0, children0) = Ticks(lrm);
            var wall = Stopwatch.StartNew();
            Thread.Sleep(seconds * 1000);
            var (crm1, _) = Ticks(crm);
            var (lrm1, children1) = Ticks(lrm);
            double perSecond(long t0, long t1) => (t1 - t0) * 1000.0 / 100 / wall.Elapsed.TotalSeconds; // CLK_TCK = 100
            yield return new Figure("ha-crm, master of 100 running services", "2 nodes × 100", perSecond(crm0, crm1), Rss(crm),
                $"CPU {perSecond(crm0, crm1) * 3.6:0} s per hour, RSS");
            yield return new Figure("ha-lrm, 100 running services re-checked every round", "1 node × 100", perSecond(lrm0, lrm1), Rss(lrm),
                $"CPU {perSecond(lrm0, lrm1) * 3.6:0} s per hour, agents' monitor calls another {perSecond(children0, children1) * 3.6:0} s; "
                + $"100 starts took {startSeconds:0} s");
        }
        finally
        {
            stop.Cancel();
            ticker.Join(5000);
            supervisor.Down();
            Directory.Delete(root, recursive: true);
        }
    }

    private static int DaemonPid(Supervisor supervisor, string role) =>
        supervisor.DaemonPid(supervisor.Nodes[0].Name, role) ?? throw new InvalidOperationException($"no {role} on node1");

    /// <summary>Own CPU ticks (utime + stime) and those of reaped children (cutime + cstime).</summary>
    private static (long Own, long Children) Ticks(int pid)
    {
        var f = ProcStat.Fields(pid) ?? throw new InvalidOperationException($"process {pid} is gone");
        long L(int i) => ProcStat.Number(f, i);
        return (L(11) + L(12), L(13) + L(14));
    }

    private static long Rss(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

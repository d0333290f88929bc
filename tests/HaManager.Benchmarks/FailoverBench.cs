using System.Diagnostics;
using HaManager.Cli;
using HaManager.LocalCluster;

namespace HaManager.Benchmarks;

/// <summary>
/// Real processes at time scale 1 (only with <c>--only failover</c>: minutes): a node that runs two services
/// crashes; how long until both run elsewhere — on etcd with the default profile (60 s client watchdog,
/// 10 s device) and the fast one (10 s, 5 s), with and without watches, and on the directory store — and
/// how much of it lies beyond the watchdog deadline (client + mux tick + device: the moment the crashed
/// node is certainly dead, which no safe failover can beat). Also: <c>ha-manager add</c> until the service
/// runs, the reaction the watches speed up.
/// </summary>
public static class FailoverBench
{
    private sealed record Setup(string Name, int Client, int Device, int EtcdMembers, bool Watch, bool Hardware = false);

    public static IEnumerable<Figure> Run(bool quick)
    {
        var setups = new List<Setup>
        {
            new("etcd, fast profile, watches", 10, 5, 3, true),
            new("etcd, fast profile, no watches", 10, 5, 3, false),
            new("etcd, fast profile, hardware fencing", 10, 5, 3, true, Hardware: true),
        };
        if (!quick)
        {
            setups.Add(new("etcd, default profile, watches", 60, 10, 3, true));
            setups.Add(new("etcd, default profile, hardware fencing", 60, 10, 3, true, Hardware: true));
            setups.Add(new("directory store, default profile", 60, 10, 0, false));
        }
        foreach (var setup in setups)
            foreach (var figure in Measure(setup)) yield return figure;
    }

    private static IEnumerable<Figure> Measure(Setup setup)
    {
        string root = Directory.CreateTempSubdirectory("hamanager-failover-").FullName;
        var timing = ClusterTiming.For(1, setup.Client, setup.Device);
        using var supervisor = new Supervisor(root, ["node1", "node2", "node3"], timing, null, setup.EtcdMembers)
        {
            NodeEnvironment = new Dictionary<string, string> { ["HAMANAGER_ETCD_WATCH"] = setup.Watch ? "true" : "false" },
        };
        using var stop = new CancellationTokenSource();
        var ticker = new Thread(() => { while (!stop.IsCancellationRequested) { supervisor.Tick(); Thread.Sleep(50); } }) { IsBackground = true };
        var figures = new List<Figure>();
        try
        {
            // fence_hamanager_local powers nodes off through the supervisor, as an IPMI card would.
            if (setup.Hardware) supervisor.EnableHardwareFencing();
            supervisor.BootAll();
            ticker.Start();
            void WaitUntil(string what, Func<bool> condition, double seconds)
            {
                var clock = Stopwatch.StartNew();
                while (!condition())
                {
                    if (clock.Elapsed.TotalSeconds > seconds) throw new InvalidOperationException($"{setup.Name}: {what} not within {seconds:0} s");
                    Thread.Sleep(20);
                }
            }

            var add = Stopwatch.StartNew();
            ClusterServices.AddDemoService(supervisor.Layout, "first", "node1");
            WaitUntil("the first service runs", () => supervisor.Running().ContainsKey("first"), 120);
            double addSeconds = add.Elapsed.TotalSeconds;
            WaitUntil("a master", () => ReadMaster(supervisor) is not null, 60);
            string master = ReadMaster(supervisor)!;
            string victim = new[] { "node2", "node3" }.First(n => n != master); // not the master, not node1 (runs 'first')

            var second = Stopwatch.StartNew();
            ClusterServices.AddDemoService(supervisor.Layout, "a", victim);
            WaitUntil("ocf:a runs", () => supervisor.Running().ContainsKey("a"), 60);
            double addRunning = second.Elapsed.TotalSeconds;
            ClusterServices.AddDemoService(supervisor.Layout, "b", victim);
            WaitUntil("ocf:b runs", () => supervisor.Running().ContainsKey("b"), 60);
            Thread.Sleep(2000);

            long crashMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            supervisor.Crash(victim);
            var budget = supervisor.Timing.Budget;
            WaitUntil("both services run elsewhere", () => supervisor.Running() is var r && r.GetValueOrDefault("a") is { } na && na != victim
                && r.GetValueOrDefault("b") is { } nb && nb != victim, 3 * budget.LockLifetimeSeconds + 60);
            var starts = Records.Read(supervisor.Layout.Record).Where(l => l.What == "start" && l.Ms > crashMs).ToList();
            double recovery = (starts.Max(l => l.Ms) - crashMs) / 1000.0;
            int deadline = timing.ClientRealSeconds + 1 + timing.DeviceRealSeconds;
            figures.Add(new Figure($"failover, {setup.Name}: crash until both services run elsewhere", "3 nodes", recovery * 1000, 0,
                $"watchdog deadline {deadline} s (client {timing.ClientRealSeconds} + tick 1 + device {timing.DeviceRealSeconds}), "
                + $"lock lifetime {budget.LockLifetimeSeconds} s: {recovery - deadline:0.0} s beyond the deadline; "
                + $"overlaps {Records.Overlaps(Records.Read(supervisor.Layout.Record))}"));
            figures.Add(new Figure($"ha-manager add until the service runs, {setup.Name}", "1 service", addRunning * 1000, 0,
                $"first service of a fresh cluster: {addSeconds:0.0} s (election included)"));
        }
        finally
        {
            stop.Cancel();
            ticker.Join(5000);
            supervisor.Down();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
        return figures;
    }

    private static string? ReadMaster(Supervisor supervisor) => supervisor.ManagerStatusOrEmpty().MasterNode;
}

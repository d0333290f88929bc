using System.Diagnostics;
using System.Globalization;
using HaManager.Core.Environment;
using HaManager.Store;

namespace HaManager.LocalCluster;

/// <summary>
/// <c>ha-local-cluster demo</c>: three nodes, three services that are real processes (our OCF demo
/// agent), a crash of the node running two of them, live status until they run elsewhere, the
/// timeline, and a last line counting recoveries and overlaps from the agents' own records.
/// </summary>
public static class Demo
{
    /// <summary>Runs the demo; returns the exit code (0 when every service recovered with no overlap).</summary>
    public static int Run(string? dir, int nodeCount, double scale, bool keep, TextWriter output, int etcdMembers = 0)
    {
        string root = dir ?? Directory.CreateTempSubdirectory("ha-local-cluster-demo-").FullName;
        var timing = ClusterTiming.For(scale) with { Etcd = etcdMembers > 0 };
        var budget = timing.Budget;
        var clock = Stopwatch.StartNew();
        void Say(string line) { lock (output) output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1}s] {line}"); }
        output.WriteLine($"demo: {nodeCount} nodes in {root}, time scale {F(scale)}: client watchdog {timing.ClientRealSeconds} s, "
            + $"device {timing.DeviceRealSeconds} s, lock lifetime {F(timing.Real(budget.LockLifetimeSeconds))} s, "
            + $"fence delay {F(timing.Real(budget.FenceDelaySeconds))} s (real seconds)");

        var nodes = Enumerable.Range(1, nodeCount).Select(i => $"node{i}").ToList();
        using var supervisor = new Supervisor(root, nodes, timing, Say, etcdMembers);
        using var stop = new CancellationTokenSource();
        // No node or etcd process left behind when interrupted (the store handle stays: the loop below may still read).
        using var signals = Signals.CleanUpOn(() =>
        {
            supervisor.Down();
            supervisor.Etcd?.Dispose();
        });
        var ticker = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                supervisor.Tick();
                Thread.Sleep(100);
            }
        }) { IsBackground = true, Name = "supervisor" };
        int exit;
        try
        {
            supervisor.BootAll();
            ticker.Start();
            var placement = new (string Name, string Node)[] { ("svc1", nodes[0]), ("svc2", nodes[0]), ("svc3", nodes[1 % nodeCount]) };
            foreach (var (name, node) in placement)
            {
                try { ClusterServices.AddDemoService(supervisor.Layout, name, node); }
                catch (InvalidOperationException e) { throw new DemoFailed(e.Message); }
            }
            Say($"added ocf:svc1, ocf:svc2 on {nodes[0]} and ocf:svc3 on {nodes[1 % nodeCount]}");

            var allStarted = WaitUntil(() => supervisor.Running().Count == placement.Length,
                TimeSpan.FromSeconds(60 + timing.Real(budget.LockLifetimeSeconds)));
            if (!allStarted) throw new DemoFailed("the services did not all start");
            Say("all services running: " + Describe(supervisor.Running()));

            string victim = nodes[0];
            var affected = placement.Where(p => p.Node == victim).Select(p => p.Name).ToList();
            long crashMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            supervisor.Crash(victim);

            var deadline = TimeSpan.FromSeconds(30 + 3 * timing.Real(budget.LockLifetimeSeconds + budget.FenceDelaySeconds));
            var recoveryClock = Stopwatch.StartNew();
            bool Recovered() => affected.All(s => supervisor.Running().GetValueOrDefault(s) is { } n && n != victim);
            string last = "";
            double lastShown = -100;
            while (!Recovered() && recoveryClock.Elapsed < deadline)
            {
                // A line when something changed, and otherwise every ten seconds to show it is alive.
                string now = $"{Describe(supervisor.Running())}; manager: {ManagerView(supervisor.Observer)}";
                if (now != last || recoveryClock.Elapsed.TotalSeconds - lastShown >= 10)
                {
                    Say($"+{recoveryClock.Elapsed.TotalSeconds:F0}s since the crash: {now}");
                    last = now;
                    lastShown = recoveryClock.Elapsed.TotalSeconds;
                }
                Thread.Sleep(250);
            }
            var lines = Records.Read(supervisor.Layout.Record);
            var restarts = lines.Where(l => l.What == "start" && l.Ms >= crashMs && affected.Contains(l.Instance!)).ToList();
            int recovered = affected.Count(s => restarts.Any(r => r.Instance == s && r.Node != victim));
            double seconds = restarts.Count == 0 ? recoveryClock.Elapsed.TotalSeconds : (restarts.Max(r => r.Ms) - crashMs) / 1000.0;

            output.WriteLine("timeline (seconds from the crash; from the agents' and the hardware's own records):");
            foreach (var l in lines.Where(l => l.Ms >= crashMs - 2000))
                output.WriteLine($"  {(l.Ms - crashMs) / 1000.0,7:F1}  {l.What,-6} {(l.Instance is null ? "" : "ocf:" + l.Instance + " on ")}{l.Node}");
            stop.Cancel();
            ticker.Join(5000);
            supervisor.Down();
            int overlaps = Records.Overlaps(Records.Read(supervisor.Layout.Record));
            output.WriteLine($"demo: recovered {recovered}/{affected.Count} services in {seconds.ToString("F1", CultureInfo.InvariantCulture)} s "
                + $"(time scale {F(scale)}), overlaps {overlaps}");
            exit = recovered == affected.Count && overlaps == 0 ? 0 : 1;
        }
        catch (DemoFailed e)
        {
            stop.Cancel();
            if (ticker.IsAlive) ticker.Join(5000);
            supervisor.Down();
            output.WriteLine($"demo: failed - {e.Message} (logs in {root}/nodes)");
            keep = true;
            exit = 1;
        }
        finally
        {
            stop.Cancel();
        }
        if (!keep && dir is null) RemoveDirectory(root, output);
        return exit;
    }

    /// <summary>Removes the demo's folder; a straggling write of a dying process may need a second try.</summary>
    private static void RemoveDirectory(string root, TextWriter output)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(root, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(200);
            }
            catch (IOException e)
            {
                output.WriteLine($"demo: could not remove {root} - {e.Message}");
                return;
            }
        }
    }

    private sealed class DemoFailed(string message) : Exception(message);

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>Polls <paramref name="condition"/> every 200 ms; false when <paramref name="timeout"/> passed first.</summary>
    internal static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) return false;
            Thread.Sleep(200);
        }
        return true;
    }

    /// <summary>Where the services run, for a person.</summary>
    internal static string Describe(Dictionary<string, string> running) =>
        running.Count == 0 ? "nothing runs" : string.Join(", ", running.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"ocf:{kv.Key} on {kv.Value}"));

    /// <summary>The master's view, for the live status: each service's state and node.</summary>
    public static string ManagerView(IHaStore store)
    {
        try
        {
            var status = store.ReadManagerStatus();
            if (status.MasterNode is null) return "no status yet";
            return string.Join(", ", status.ServiceStatus.Select(kv => $"{kv.Key} {HaManager.Core.Model.StateNames.Of(kv.Value.State)}@{kv.Value.Node}"))
                + $" (master {status.MasterNode})";
        }
        catch (HaEnvironmentException e) { return "status unreadable - " + e.Message.TrimEnd(); }
    }
}

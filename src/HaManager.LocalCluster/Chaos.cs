using System.Globalization;
using HaManager.Cli;
using HaManager.Simulator.Fuzzing;
using Mono.Unix.Native;

namespace HaManager.LocalCluster;

/// <summary>What a chaos campaign runs (issue "chaos campaigns on real processes").</summary>
/// <param name="Runs">Runs; run r uses seed <paramref name="Seed"/> + r.</param>
/// <param name="Seed">The first run's seed.</param>
/// <param name="Steps">Faults per run.</param>
/// <param name="EtcdMembers">0: the directory store; else an etcd cluster of that many members.</param>
/// <param name="Nodes">Nodes per cluster.</param>
/// <param name="Services">Demo services per cluster.</param>
/// <param name="TimeScale">Every HA timeout divided by this.</param>
/// <param name="Faults">The fault kinds to draw from (<see cref="Chaos.AllFaults"/> when empty).</param>
/// <param name="BreakFencing">Run the masters with fencing broken on purpose (the checker must catch it).</param>
/// <param name="KeepDir">Where the folders of violating runs are kept.</param>
public sealed record ChaosOptions(int Runs, ulong Seed, int Steps, int EtcdMembers, int Nodes, int Services, double TimeScale,
    IReadOnlyList<string> Faults, bool BreakFencing, string KeepDir);

/// <summary>A campaign's totals.</summary>
public sealed record ChaosResult(int Runs, int Violations, int Faults);

/// <summary>
/// Seeded fault campaigns on a local cluster of real processes. Each run boots a fresh cluster, starts the demo
/// services, injects <see cref="ChaosOptions.Steps"/> faults drawn from the seed — node crash, network cut of
/// any node or of one that is not the master (healed a step later or at the end), SIGKILL of ha-crm, ha-lrm or watchdog-mux (the node must fence
/// itself), a whole node frozen (SIGSTOP) shorter or longer than its lock lifetime, a killed etcd member, a store
/// outage (etcd without quorum, or no node quorate on the directory store), the directory store made read-only,
/// starts slowed to a third of a lock lifetime, and operator commands through ha-manager (migrate, relocate,
/// disable and enable, node maintenance, disarm and arm) — with pauses between them, heals everything and
/// checks, from the agents' own start/stop records and not from the manager's view: never two copies of a
/// service at once, and every enabled service running again within the safety budget's bound; and from the
/// store itself (<see cref="StoreHistory"/>) that the manager status always parses.
/// </summary>
public static class Chaos
{
    /// <summary>Every fault kind.</summary>
    public static readonly string[] AllFaults =
        ["crash", "cut", "cut-nonmaster", "kill-crm", "kill-lrm", "kill-mux", "pause", "migrate", "relocate", "disable",
            "etcd-member", "store-outage", "maintenance", "disarm", "slow-agent", "store-readonly"];

    /// <summary>What is broken until healed: cut nodes, stopped etcd members, the whole directory store's quorum.</summary>
    private sealed class Broken
    {
        public HashSet<string> Cut { get; } = new(StringComparer.Ordinal);
        public HashSet<int> StoppedMembers { get; } = [];
        public HashSet<string> Maintenance { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Slow { get; } = new(StringComparer.Ordinal);
        public bool Disarmed { get; set; }
        public string? ReadOnlyStore { get; set; }

        /// <summary>The directory store made writable again (<c>chattr -i</c>: immutable stops root too).</summary>
        public void HealStore()
        {
            if (ReadOnlyStore is null) return;
            foreach (var dir in ReadOnlyParts(ReadOnlyStore)) Immutable(dir, on: false);
            ReadOnlyStore = null;
        }

        /// <summary>What the read-only fault freezes: the locks and the HA configuration and status (<c>priv/</c>,
        /// <c>ha/</c>). The membership files stay writable: they are the cluster's view of who is connected, which
        /// a read-only file system does not change (and the supervisor writes them to cut and heal).</summary>
        public static string[] ReadOnlyParts(string store)
        {
            var layout = new HaManager.Store.Directory.DirectoryLayout(store);
            return [Path.GetDirectoryName(layout.Locks)!, layout.Ha];
        }

        /// <summary>What the operator undoes at the end: maintenance off, the stack armed, agents fast again.</summary>
        public void UndoOperator(Supervisor supervisor, List<string> failures)
        {
            foreach (var node in Maintenance.ToList())
                if (Retry(() => Operator(supervisor, "crm-command", "node-maintenance", "disable", node))) Maintenance.Remove(node);
                else failures.Add($"could not take {node} out of maintenance");
            if (Disarmed && !Retry(() => Operator(supervisor, "crm-command", "arm-ha"))) failures.Add("could not arm the HA stack again");
            Disarmed = false;
            foreach (var sid in Slow.ToList())
                if (Retry(() => Operator(supervisor, "set", $"ocf:{sid}", "--params", ClusterServices.DemoParams(supervisor.Layout)))) Slow.Remove(sid);
                else failures.Add($"could not make ocf:{sid} fast again");
        }


        public void HealCut(Supervisor supervisor, string node)
        {
            supervisor.Heal(node);
            Cut.Remove(node);
        }

        public void RestartMembers(Supervisor supervisor)
        {
            // Every member is started before any is waited for: a quorum must be back for one to be healthy.
            foreach (int member in StoppedMembers) supervisor.Etcd!.Restart(member, waitHealthy: false);
            StoppedMembers.Clear();
        }
    }

    /// <summary>Runs the campaign; its last output line is <c>chaos: R runs, V violations, F faults injected</c>.</summary>
    public static ChaosResult Run(ChaosOptions options, TextWriter output)
    {
        int violations = 0, faults = 0;
        for (int r = 0; r < options.Runs; r++)
        {
            ulong seed = options.Seed + (ulong)r;
            // Interrupted, the campaign still ends with its summary line, of the runs it completed.
            var (violation, injected, root) = RunOne(options, seed, output,
                () => output.WriteLine($"chaos: {r} runs, {violations} violations, {faults} faults injected"));
            faults += injected;
            if (violation is null)
            {
                output.WriteLine($"chaos: run {r + 1} (seed {seed}): {injected} faults, no violation");
                TryDelete(root);
                continue;
            }
            violations++;
            string kept = Path.Combine(options.KeepDir, $"chaos-seed-{seed.ToString(CultureInfo.InvariantCulture)}");
            Directory.CreateDirectory(options.KeepDir);
            TryDelete(kept);
            Directory.Move(root, kept);
            output.WriteLine($"chaos: run {r + 1} (seed {seed}) VIOLATION {violation} - logs and records kept in {kept}");
        }
        output.WriteLine($"chaos: {options.Runs} runs, {violations} violations, {faults} faults injected");
        return new ChaosResult(options.Runs, violations, faults);
    }

    /// <summary>Starts without an armed watchdog, by watchdog-mux's client records (<see cref="Records.UnarmedStarts"/>).</summary>
    public static List<string> Unarmed(Supervisor supervisor, ClusterTiming timing) =>
        Unarmed(supervisor.Layout, supervisor.Nodes.Select(n => n.Name), timing);

    private static List<string> Unarmed(ClusterLayout layout, IEnumerable<string> nodes, ClusterTiming timing) =>
        Records.UnarmedStarts(Records.Read(layout.Record),
            nodes.ToDictionary(n => n, n => File.Exists(layout.MuxClients(n)) ? File.ReadAllLines(layout.MuxClients(n)) : []),
            (timing.DeviceRealSeconds + 1) * 1000L);

    /// <summary>What the records of a cluster folder break, if anything: two copies of a service at once, or a
    /// start without an armed LRM.</summary>
    public static string? RecordViolation(ClusterLayout layout, IEnumerable<string> nodes, ClusterTiming timing) =>
        Records.Overlaps(Records.Read(layout.Record)) is > 0 and var overlaps
            ? $"single-runner: {overlaps} start(s) while the service ran elsewhere (file 'record')"
            : Unarmed(layout, nodes, timing) is [var first, ..] and var all
            ? $"armed-start: {all.Count} start(s) without the LRM's watchdog armed, first: {first} (files 'record', 'nodes/*/watchdog-mux.clients')"
            : null;

    /// <summary>Checks a kept run's folder again (after a checker fix, say): its nodes are the folders under
    /// <c>nodes/</c>.</summary>
    public static string? Recheck(string dir, double timeScale)
    {
        var layout = new ClusterLayout(dir);
        if (!File.Exists(layout.Record)) throw new FileNotFoundException($"no record file in {dir} (not a local cluster's folder)");
        var nodes = Directory.Exists(Path.Combine(dir, "nodes")) ? Directory.GetDirectories(Path.Combine(dir, "nodes")).Select(Path.GetFileName).OfType<string>() : [];
        return RecordViolation(layout, nodes, ClusterTiming.For(timeScale));
    }

    private static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
    }

    private static (string? Violation, int Faults, string Root) RunOne(ChaosOptions o, ulong seed, TextWriter output, Action summary)
    {
        string root = Directory.CreateTempSubdirectory("hamanager-chaos-").FullName;
        var timing = ClusterTiming.For(o.TimeScale) with { Etcd = o.EtcdMembers > 0 };
        var nodes = Enumerable.Range(1, o.Nodes).Select(i => $"node{i}").ToList();
        var events = new List<string>();
        var environment = new Dictionary<string, string>();
        if (o.BreakFencing) environment["HAMANAGER_TEST_BREAK_FENCING"] = "1"; // HaManager.Daemon.BrokenFencing
        using var supervisor = new Supervisor(root, nodes, timing, line => { lock (events) events.Add(line); }, o.EtcdMembers)
        {
            BootDelayHaSeconds = 120, NodeEnvironment = environment,
        };
        using var stop = new CancellationTokenSource();
        var ticker = new Thread(() => { while (!stop.IsCancellationRequested) { supervisor.Tick(); Thread.Sleep(50); } }) { IsBackground = true };
        var history = new StoreHistory(supervisor.Observer.ReadManagerStatus,
            supervisor.Observer is Store.Etcd.EtcdStore etcd ? StoreHistory.EtcdFencing(etcd) : null);
        Thread? historyWatch = null;
        int injected = 0;
        var broken = new Broken();
        void StopWatchers()
        {
            stop.Cancel();
            if (ticker.IsAlive) ticker.Join(5000);
            historyWatch?.Join(5000);
        }
        // Ctrl-C or SIGTERM ends the campaign without leaving node processes behind, or a folder that cannot be
        // removed (the read-only fault's immutable attribute).
        using var interrupted = Signals.CleanUpOn(() =>
        {
            StopWatchers(); // first: a store read on a disposed connection would abort the process
            supervisor.Dispose(); // the nodes, and the etcd members
            broken.HealStore();
            output.WriteLine($"chaos: seed {seed} interrupted - every node and etcd member taken down; the run's folder: {root}");
            summary();
        });
        try
        {
            supervisor.BootAll();
            ticker.Start();
            historyWatch = history.Watch(TimeSpan.FromMilliseconds(250), stop.Token);
            var services = Enumerable.Range(0, o.Services).Select(i => $"s{i}").ToList();
            for (int i = 0; i < services.Count; i++) ClusterServices.AddDemoService(supervisor.Layout, services[i], nodes[i % nodes.Count]);
            if (!Demo.WaitUntil(() => supervisor.Running().Count == services.Count, TimeSpan.FromSeconds(60)))
                return ($"setup: not every service started within 60 s ({Demo.Describe(supervisor.Running())})", 0, root);

            double lockReal = timing.Real(timing.Budget.LockLifetimeSeconds);
            var disabled = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (step, index) in Schedule(o, seed).Select((s, i) => (s, i)))
            {
                // A cut or a store outage heals a step later half of the time, else at the end.
                foreach (var node in nodes.Where((n, i) => step.HealNode[i] && broken.Cut.Contains(n)).ToList()) broken.HealCut(supervisor, node);
                if (step.RestartMembers)
                {
                    broken.RestartMembers(supervisor);
                    broken.HealStore();
                }
                double wait = lockReal * step.WaitLockLifetimes;
                string what = Inject(supervisor, step, lockReal, broken, disabled);
                injected++;
                output.WriteLine($"chaos: seed {seed} step {index + 1}: {what}; then {wait:0.0} s");
                Thread.Sleep(TimeSpan.FromSeconds(wait));
            }

            foreach (var node in broken.Cut.ToList()) broken.HealCut(supervisor, node);
            broken.RestartMembers(supervisor);
            broken.HealStore();
            // Let every consequence happen: a node that lost its lock before the heal resets within a lock lifetime,
            // and the master recovers what it must.
            Thread.Sleep(TimeSpan.FromSeconds(lockReal));
            // The operator enables what they disabled and undoes maintenance, disarm and slow agents; the store may
            // take a moment to be writable again.
            var undone = new List<string>();
            broken.UndoOperator(supervisor, undone);
            if (undone.Count > 0) return ($"setup: {string.Join("; ", undone)}", injected, root);
            foreach (var sid in disabled)
                if (!Retry(() => Operator(supervisor, "set", $"ocf:{sid}", "--state", "started")))
                    return ($"setup: could not enable ocf:{sid} again within 60 s", injected, root);
            string? DoubleRuns() => RecordViolation(supervisor.Layout, nodes, timing);
            if ((DoubleRuns() ?? history.Violation) is { } early) return (early, injected, root);

            // Liveness: a node reset or crashed late boots after the boot delay, and a lock lives L.
            double bound = timing.Real(supervisor.BootDelayHaSeconds) + 3 * lockReal + 30;
            if (!Demo.WaitUntil(() => supervisor.Running().Count == services.Count, TimeSpan.FromSeconds(bound)))
                return ($"liveness: {services.Count - supervisor.Running().Count} service(s) not running {bound:0} s after the last heal "
                    + $"({Demo.Describe(supervisor.Running())})", injected, root);
            return (DoubleRuns() ?? history.Violation, injected, root);
        }
        finally
        {
            StopWatchers();
            lock (events) events.Add($"store history: {history.Parsed} reads parsed, {history.Unavailable} unavailable");
            broken.HealStore(); // an immutable folder could not even be removed
            supervisor.Down();
            File.WriteAllLines(Path.Combine(root, "supervisor-events"), events);
        }
    }

    /// <summary>One step of a schedule: every value drawn whether the fault uses it or not, so that a seed names the
    /// same schedule whatever the cluster does (who is master, which nodes are cut).</summary>
    public sealed record Step(string Fault, string Victim, string Sid, string Target, int Other, bool LongPause, int Member,
        double WaitLockLifetimes, IReadOnlyList<bool> HealNode, bool RestartMembers);

    /// <summary>The fault schedule of a run: a pure function of the options and the seed.</summary>
    public static IReadOnlyList<Step> Schedule(ChaosOptions o, ulong seed)
    {
        var rng = new FuzzRandom(seed);
        var steps = new List<Step>();
        for (int i = 0; i < o.Steps; i++)
        {
            var heal = Enumerable.Range(0, o.Nodes).Select(_ => rng.Chance(0.5)).ToList();
            bool restart = rng.Chance(0.5);
            steps.Add(new Step(o.Faults[rng.Next(o.Faults.Count)], $"node{rng.Next(o.Nodes) + 1}", $"s{rng.Next(o.Services)}",
                $"node{rng.Next(o.Nodes) + 1}", rng.Next(o.Nodes - 1), rng.Chance(0.5), rng.Next(Math.Max(1, o.EtcdMembers)),
                0.3 + rng.Next(8) / 10.0, heal, restart));
        }
        return steps;
    }

    private static string Inject(Supervisor supervisor, Step step, double lockReal, Broken broken, HashSet<string> disabled)
    {
        var (fault, victim, sid, target, other, longPause, member) = (step.Fault, step.Victim, step.Sid, step.Target, step.Other, step.LongPause, step.Member);
        switch (fault)
        {
            case "crash":
                supervisor.Crash(victim);
                return $"crash {victim}";
            case "cut" or "cut-nonmaster":
                // A node other than the master: its services are recovered by a master that stays (the case a
                // broken fencing path gets wrong at once).
                if (fault == "cut-nonmaster" && supervisor.ManagerStatusOrEmpty().MasterNode is { } master && victim == master)
                    victim = supervisor.Nodes.Select(n => n.Name).Where(n => n != master).ElementAt(other);
                supervisor.CutOff(victim);
                broken.Cut.Add(victim);
                return $"cut {victim}";
            case "etcd-member":
                if (supervisor.Etcd is not { } etcd) return "etcd-member: not on this store";
                supervisor.Etcd.Kill(member);
                broken.StoppedMembers.Add(member);
                return $"kill etcd member {member}";
            case "store-outage":
                // No store for anyone: on etcd a majority of members gone, on the directory store every node
                // without quorum. Every node holding services must fence itself.
                if (supervisor.Etcd is { } cluster)
                {
                    for (int i = 0; i < cluster.ClientUrls.Count / 2 + 1; i++)
                    {
                        cluster.Kill((member + i) % cluster.ClientUrls.Count);
                        broken.StoppedMembers.Add((member + i) % cluster.ClientUrls.Count);
                    }
                    return $"store outage: etcd quorum lost ({string.Join(", ", broken.StoppedMembers.Order())} down)";
                }
                foreach (var node in supervisor.Nodes.Select(n => n.Name))
                {
                    supervisor.CutOff(node);
                    broken.Cut.Add(node);
                }
                return "store outage: no node quorate";
            case "kill-crm" or "kill-lrm" or "kill-mux":
                string role = fault == "kill-mux" ? "watchdog-mux" : fault[5..];
                if (supervisor.DaemonPid(victim, role) is not { } pid) return $"{fault} {victim}: not running";
                Syscall.kill(pid, Signum.SIGKILL);
                return $"{fault} {victim} (PID {pid})";
            case "pause":
                // A stalled machine, whose hardware watchdog counts on (a paused virtual machine's stands still, and
                // its services run on when it resumes, which no watchdog can prevent: seed 6004 showed it). Shorter
                // than half the device timeout it carries on; longer than the lock lifetime its watchdog has reset it
                // long before anyone may take its lock.
                double seconds = longPause ? lockReal * 1.5 : Math.Min(lockReal * 0.3, supervisor.Timing.DeviceRealSeconds * 0.5);
                supervisor.Pause(victim, watchdogRuns: true);
                Thread.Sleep(TimeSpan.FromSeconds(seconds));
                supervisor.Resume(victim);
                return $"freeze {victim} for {seconds:0.0} s";
            case "migrate" or "relocate":
                return $"ha-manager {fault} ocf:{sid} {target}: {Operator(supervisor, fault, $"ocf:{sid}", target)}";
            case "disable":
                bool enable = disabled.Contains(sid);
                string answer = Operator(supervisor, "set", $"ocf:{sid}", "--state", enable ? "started" : "disabled");
                if (answer == "ok") { if (enable) disabled.Remove(sid); else disabled.Add(sid); }
                return $"ha-manager set ocf:{sid} --state {(enable ? "started" : "disabled")}: {answer}";
            case "maintenance":
                bool leave = broken.Maintenance.Contains(victim);
                string reply = Operator(supervisor, "crm-command", "node-maintenance", leave ? "disable" : "enable", victim);
                if (reply == "ok") { if (leave) broken.Maintenance.Remove(victim); else broken.Maintenance.Add(victim); }
                return $"ha-manager crm-command node-maintenance {(leave ? "disable" : "enable")} {victim}: {reply}";
            case "disarm":
                // Disarmed, the stack releases every watchdog and recovers nothing: faults meanwhile must not lead to
                // a second copy once it is armed again.
                string[] command = broken.Disarmed ? ["crm-command", "arm-ha"] : ["crm-command", "disarm-ha", longPause ? "ignore" : "freeze"];
                string disarmReply = Operator(supervisor, command);
                if (disarmReply == "ok") broken.Disarmed = !broken.Disarmed;
                return $"ha-manager {string.Join(' ', command)}: {disarmReply}";
            case "slow-agent":
                // Starts that take a third of a lock lifetime: the LRM must keep renewing its lock while they run.
                bool slow = !broken.Slow.Contains(sid);
                int delay = slow ? (int)Math.Ceiling(lockReal / 3) : 0;
                string slowReply = Operator(supervisor, "set", $"ocf:{sid}", "--params", ClusterServices.DemoParams(supervisor.Layout, delay));
                if (slowReply == "ok") { if (slow) broken.Slow.Add(sid); else broken.Slow.Remove(sid); }
                return $"ocf:{sid} starts take {delay} s: {slowReply}";
            case "store-readonly":
                // The directory store's file system refuses every write (root included) until healed.
                if (supervisor.Etcd is not null) return "store-readonly: not on this store";
                if (broken.ReadOnlyStore is not null) return "store-readonly: already";
                broken.ReadOnlyStore = supervisor.Layout.Store;
                foreach (var dir in Broken.ReadOnlyParts(broken.ReadOnlyStore)) Immutable(dir, on: true);
                return "directory store read-only (locks, configuration, manager status)";
            default: throw new ArgumentException($"unknown fault '{fault}' (known: {string.Join(", ", AllFaults)})");
        }
    }

    /// <summary>Sets or clears the immutable attribute on a directory tree (the store's read-only fault).</summary>
    private static void Immutable(string dir, bool on)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("chattr", ["-R", on ? "+i" : "-i", dir]) { RedirectStandardError = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 && on) throw new InvalidOperationException($"chattr +i {dir}: {error.Trim()}");
    }

    /// <summary>An operator command tried until it is taken ("ok"), for at most a minute (the store may be
    /// read-only for a moment after a heal).</summary>
    private static bool Retry(Func<string> command) => Demo.WaitUntil(() => command() == "ok", TimeSpan.FromSeconds(60));

    /// <summary>Runs ha-manager against the cluster as an operator on a node that is up and connected would:
    /// "ok" or its error.</summary>
    private static string Operator(Supervisor supervisor, params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        string node = supervisor.Nodes.FirstOrDefault(n => n.Power == NodePower.Up && !n.Cut && !n.Paused)?.Name ?? supervisor.Nodes[0].Name;
        int exit = HaManagerCli.Run([.. args, "--store", supervisor.StoreAddress], stdout, stderr, node);
        return exit == 0 ? "ok" : $"refused ({stderr.ToString().Trim().Split('\n')[0]})";
    }
}

using System.Diagnostics;
using HaManager.Core.Formats;
using HaManager.Core.Model;

[assembly: NonParallelizable]

namespace HaManager.LocalCluster.Tests;

/// <summary>A local cluster of real node processes for one test: supervised on a background thread,
/// torn down (every process group killed) afterwards; on failure the node logs are attached.</summary>
internal sealed class ClusterFixture : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _ticker;
    private readonly List<string> _events = [];

    public Supervisor Supervisor { get; }
    public ClusterLayout Layout => Supervisor.Layout;
    public ClusterTiming Timing { get; }

    public ClusterFixture(int nodes = 3, double scale = 10, double bootDelayHaSeconds = 300,
        IReadOnlyDictionary<string, string>? nodeEnvironment = null, string? datacenterCfg = null, int etcdMembers = 0,
        Func<ClusterLayout, string>? fenceCfg = null)
    {
        if (etcdMembers > 0) Prerequisites.Require("etcd-server", EtcdCluster.Binary);
        Timing = ClusterTiming.For(scale) with { Etcd = etcdMembers > 0 };
        string root = Directory.CreateTempSubdirectory("hamanager-e2e-").FullName;
        Supervisor = new Supervisor(root, Enumerable.Range(1, nodes).Select(i => $"node{i}").ToList(), Timing,
            line => { lock (_events) _events.Add(line); }, etcdMembers)
        {
            BootDelayHaSeconds = bootDelayHaSeconds, NodeEnvironment = nodeEnvironment ?? new Dictionary<string, string>(),
        };
        // Before any node runs (the directory store refuses edits from a node that is not online yet).
        if (datacenterCfg is not null) Supervisor.WriteConfig(HaManager.Store.ConfigFile.Datacenter, datacenterCfg);
        if (fenceCfg?.Invoke(Layout) is { } fence) Supervisor.WriteConfig(HaManager.Store.ConfigFile.Fence, fence);
        Supervisor.BootAll();
        _ticker = new Thread(() =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Supervisor.Tick();
                Thread.Sleep(100);
            }
        }) { IsBackground = true };
        _ticker.Start();
    }

    /// <summary>The lock lifetime in real seconds.</summary>
    public double LockLifetimeReal => Timing.Real(Timing.Budget.LockLifetimeSeconds);

    /// <summary>A master or LRM round in real seconds.</summary>
    public double RoundReal => Timing.Real(Timing.Budget.RoundSeconds);

    public List<RecordLine> Records() => LocalCluster.Records.Read(Layout.Record);

    public Dictionary<string, string> Running() => Supervisor.Running();

    public ManagerStatus ManagerStatus() => Supervisor.ManagerStatusOrEmpty();

    public void AddService(string name, string node, int startDelaySeconds = 0, bool detach = false) =>
        ClusterServices.AddDemoService(Layout, name, node, startDelaySeconds, detach);

    /// <summary>Waits for <paramref name="condition"/>; fails the test with the cluster's story after the timeout.</summary>
    public void WaitFor(string what, Func<bool> condition, double seconds)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed.TotalSeconds > seconds) Assert.Fail($"{what}: not within {seconds:F0} s\n{Story()}");
            Thread.Sleep(200);
        }
    }

    /// <summary>What happened: supervisor events, records, manager view and the tail of every log.</summary>
    public string Story()
    {
        var lines = new List<string>();
        lock (_events) lines.AddRange(_events.Select(e => "supervisor: " + e));
        lines.AddRange(Records().Select(r => $"record: {r.Ms} {r.What} {r.Instance} {r.Node}"));
        lines.Add("manager: " + Demo.ManagerView(Supervisor.Observer));
        foreach (var node in Supervisor.Nodes)
            foreach (var daemon in new[] { "ha-crm", "ha-lrm", "watchdog-mux" })
            {
                string log = Layout.Log(node.Name, daemon);
                if (File.Exists(log))
                    lines.AddRange(File.ReadAllLines(log).TakeLast(15).Select(l => $"{node.Name}/{daemon}: {l}"));
            }
        return string.Join("\n", lines);
    }

    /// <summary>The pid of a node's daemon process (from /proc: its process group and command line).</summary>
    public int PidOf(string node, string role) =>
        Supervisor.DaemonPid(node, role) ?? throw new InvalidOperationException($"no {role} process on {node}");

    /// <summary>The host pid of a demo service's process: its pid file holds the pid as the node sees it,
    /// which inside a node's PID namespace is not the host's.</summary>
    public int ServiceHostPid(string node, string instance)
    {
        int nodePid = int.Parse(File.ReadAllText(Path.Combine(Layout.ServiceState, node, instance + ".pid")).Trim());
        if (!Supervisor.PidNamespaces) return nodePid;
        string ns = new FileInfo($"/proc/{PidOf(node, "lrm")}/ns/pid").LinkTarget!;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                if (new FileInfo(Path.Combine(dir, "ns", "pid")).LinkTarget != ns) continue;
                string? nspid = File.ReadLines(Path.Combine(dir, "status")).FirstOrDefault(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
                if (nspid?.Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries)[^1] == nodePid.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    return pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        throw new InvalidOperationException($"no process {nodePid} in {node}'s PID namespace");
    }

    /// <summary>Whether a process still runs: it exists and is not a zombie waiting to be reaped (killed
    /// processes are re-parented to init, which reaps them in its own time).</summary>
    public static bool IsAlive(int pid) => ProcStat.Fields(pid) is { } fields && fields[0] != "Z";

    public void Dispose()
    {
        _stop.Cancel();
        _ticker.Join(5000);
        Supervisor.Dispose(); // the nodes, and the etcd cluster with its data
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            TestContext.Out.WriteLine(Story());
        try { Directory.Delete(Layout.Root, recursive: true); }
        catch (IOException) { }
    }
}

using HaManager.Core;
using HaManager.Core.Environment;
using HaManager.LocalCluster;
using HaManager.Simulator;
using HaManager.Store;
using HaManager.Store.Directory;
using HaManager.Store.Etcd;

namespace HaManager.Store.Tests;

/// <summary>What the contract suite needs of a store under test: the store as each of three nodes sees
/// it (node1..node3, all members, quorate), a clock the test moves, and the hardware-ish knobs.</summary>
public interface IStoreFixture : IDisposable
{
    /// <summary>The store, locks and membership as <paramref name="node"/> sees them.</summary>
    (IClusterStore Store, IClusterLocks Locks, IMembership Membership) Node(string node);

    /// <summary>Moves every node's clock forward.</summary>
    void Advance(long seconds);

    /// <summary>Cuts a node off (its view loses quorum) or brings it back.</summary>
    void SetQuorate(string node, bool quorate);

    /// <summary>Configures a service living on <paramref name="node"/>.</summary>
    void AddService(string sid, string node, string state);

    /// <summary>The lock lifetime the store enforces.</summary>
    long LockLifetimeSeconds { get; }

    /// <summary>Whether a node without quorum can still read (pmxcfs: its local copy; etcd: a node cut
    /// off from etcd reaches nothing).</summary>
    bool ReadsWithoutQuorum => true;
}

/// <summary>The simulator's store (SimCluster behind SimEnvironment), all nodes powered on.</summary>
public sealed class SimStoreFixture : IStoreFixture
{
    private readonly Simulation _sim;

    public SimStoreFixture()
    {
        var input = new ScenarioInput { Hardware = ScenarioInput.DefaultHardware() };
        foreach (var hw in input.Hardware.Values) (hw.Power, hw.Network) = ("on", "on");
        _sim = new Simulation(input);
        Advance(0);
    }

    public (IClusterStore, IClusterLocks, IMembership) Node(string node)
    {
        var env = _sim.Cluster.NodeByName(node).CrmEnv;
        return (env, env, env);
    }

    public void Advance(long seconds)
    {
        _sim.Cluster.Time += seconds;
        foreach (var n in _sim.Cluster.Nodes)
        {
            n.CrmEnv.ForceTimeUpdate();
            n.LrmEnv.ForceTimeUpdate();
        }
    }

    public void SetQuorate(string node, bool quorate) => _sim.Cluster.NodeByName(node).Network = quorate;

    public void AddService(string sid, string node, string state) =>
        _sim.Cluster.ServiceConfig.Add(sid, new Dictionary<string, string> { ["node"] = node, ["state"] = state });

    public long LockLifetimeSeconds => _sim.Cluster.Budget.LockLifetimeSeconds;

    public void Dispose() { }

    public override string ToString() => "simulator store";
}

/// <summary>The directory store in a scratch directory, one <see cref="DirectoryStore"/> per node on a
/// shared manual clock.</summary>
public sealed class DirectoryStoreFixture : IStoreFixture
{
    private sealed class ManualClock : IClock
    {
        public long Now { get; set; } = 1_800_000_000;
        public long WallSeconds => Now;
        public long MonotonicSeconds => Now;
    }

    private readonly string _root = System.IO.Directory.CreateTempSubdirectory("hamanager-store-").FullName;
    private readonly ManualClock _clock = new();
    private readonly Dictionary<string, DirectoryStore> _stores = new(StringComparer.Ordinal);
    private static readonly SafetyBudget Budget = SafetyBudget.Derived(clientTimeoutSeconds: 10, deviceTimeoutSeconds: 5, skewMarginSeconds: 2);

    public DirectoryStoreFixture()
    {
        foreach (var node in new[] { "node1", "node2", "node3" })
            _stores[node] = new DirectoryStore(_root, node, _clock, Budget, sleep: _ => { });
        var members = new Members("test", true, new SortedDictionary<string, bool>(StringComparer.Ordinal)
        {
            ["node1"] = true, ["node2"] = true, ["node3"] = true,
        });
        File.WriteAllText(_stores["node1"].Layout.Members, members.ToJson("node1"));
    }

    public (IClusterStore, IClusterLocks, IMembership) Node(string node) => (_stores[node], _stores[node].Locks, _stores[node]);

    public void Advance(long seconds) => _clock.Now += seconds;

    public void SetQuorate(string node, bool quorate)
    {
        var layout = _stores[node].Layout;
        if (quorate) File.Delete(layout.NodeMembers(node));
        else
            File.WriteAllText(layout.NodeMembers(node), new Members("test", false,
                new SortedDictionary<string, bool>(StringComparer.Ordinal) { [node] = true }).ToJson(node));
    }

    public void AddService(string sid, string node, string state)
    {
        var layout = _stores[node].Layout;
        var (type, name) = HaManager.Core.Model.ServiceId.Parse(sid);
        File.AppendAllText(layout.Resources, $"{type}: {name}\n\tstate {state}\n\n");
        _stores[node].PlaceService(sid, node);
    }

    public long LockLifetimeSeconds => Budget.LockLifetimeSeconds;

    public void Dispose() => System.IO.Directory.Delete(_root, recursive: true);

    public override string ToString() => "directory store";
}

/// <summary>The etcd store on a real etcd (one member, started once for the suite), each test under a key
/// prefix of its own; every node reaches etcd through its own <see cref="TcpCutProxy"/>, so cutting a node
/// off is a real connection failure. Time runs six times faster than real time (lock TTL 3 s).</summary>
public sealed class EtcdStoreFixture : IStoreFixture
{
    private const double TimeScale = 6;
    private static readonly SafetyBudget Budget = SafetyBudget.Derived(clientTimeoutSeconds: 10, deviceTimeoutSeconds: 5, skewMarginSeconds: 2);
    private readonly Dictionary<string, (EtcdStore Store, TcpCutProxy Proxy)> _nodes = new(StringComparer.Ordinal);

    public EtcdStoreFixture()
    {
        var member = TestEtcd.Shared.ClientUrls[0];
        string prefix = TestEtcd.NewPrefix() + "/";
        foreach (var node in new[] { "node1", "node2", "node3" })
        {
            var proxy = new TcpCutProxy(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, member.Port));
            var store = new EtcdStore(new StoreAddress.Etcd([proxy.Url], prefix), node, Budget,
                new EtcdStoreOptions { TimeScale = TimeScale, RequestTimeout = TimeSpan.FromSeconds(1), QuorumProbeInterval = TimeSpan.Zero, PresenceTtlSeconds = 2 });
            store.StartPresence("test");
            _nodes[node] = (store, proxy);
        }
        WaitUntil(() => _nodes.Values.All(n => n.Store.GetNodeInfo().Online.Count(kv => kv.Value) == 3), "all three nodes online");
    }

    public (IClusterStore, IClusterLocks, IMembership) Node(string node) => (_nodes[node].Store, _nodes[node].Store.Locks, _nodes[node].Store);

    public void Advance(long seconds) => Thread.Sleep(TimeSpan.FromSeconds(seconds / TimeScale));

    public void SetQuorate(string node, bool quorate)
    {
        var (store, proxy) = _nodes[node];
        if (quorate)
        {
            proxy.Heal();
            WaitUntil(store.IsQuorate, $"{node} quorate again");
        }
        else proxy.Cut();
    }

    public void AddService(string sid, string node, string state)
    {
        var store = _nodes[node].Store;
        var (type, name) = HaManager.Core.Model.ServiceId.Parse(sid);
        store.EditConfig(ConfigFile.Resources, text => (text ?? "") + $"{type}: {name}\n\tstate {state}\n\n");
        store.PlaceService(sid, node);
    }

    public long LockLifetimeSeconds => Budget.LockLifetimeSeconds;

    public bool ReadsWithoutQuorum => false;

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("timed out waiting for " + what);
            Thread.Sleep(50);
        }
    }

    public void Dispose()
    {
        foreach (var (store, proxy) in _nodes.Values)
        {
            proxy.Heal();
            store.Dispose();
            proxy.Dispose();
        }
    }

    public override string ToString() => "etcd store";
}

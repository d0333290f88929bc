using HaManager.Core;
using HaManager.Core.Environment;
using HaManager.Simulator;
using HaManager.Store.Directory;

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

using HaManager.Core;
using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Simulator;

/// <summary>
/// The test environment of one node and daemon role (simulator §9): one object in every role the core
/// talks to. Its clock follows the global clock at every loop-start hook and advances by one second at
/// every loop-end hook; waiting only accumulates (simulator §5.2): the wait a daemon asks for, lock
/// attempts (+1 s each) and resource actions (+2 s each) feed the accumulator whose 300 s check ends a
/// run whose iteration "took too long".
/// </summary>
public sealed class SimEnvironment(SimCluster cluster, SimNode node, string role)
    : IClock, IHaLog, IClusterStore, IClusterLocks, IMembership, IWatchdog, IResourceAgents, IUidSource
{
    private const long MaxLoopDelaySeconds = 300;
    private long _delay;

    /// <summary>The simulated node.</summary>
    public SimNode Node { get; } = node;

    /// <summary>Log id <c>&lt;node&gt;/&lt;role&gt;</c>.</summary>
    public string LogId { get; } = $"{node.Name}/{role}";

    /// <summary>The local node's name.</summary>
    public string NodeName => Node.Name;

    /// <summary>The environment's clock (simulator §5.2); it does not move during one iteration.</summary>
    public long Now { get; private set; }

    /// <summary>The roles as the core sees them; <paramref name="jobs"/> belongs to one LRM instance.</summary>
    public HaNode CreateNode(IJobRunner jobs) =>
        new(NodeName, this, this, this, this, this, this, jobs, this, this, cluster.Budget);

    // ---- Host side: the main loop brackets every iteration with these.

    /// <summary>Before an iteration: the clock follows the global clock, the accumulator restarts.</summary>
    public void LoopStartHook()
    {
        _delay = 0;
        if (cluster.Time < Now) throw new SimulationFatalException("strange start time");
        Now = cluster.Time;
    }

    /// <summary>After an iteration: accounts the wait it asked for, checks the accumulator, ticks the clock.</summary>
    public void LoopEndHook(NextRun next)
    {
        if (next.AtMonotonicSeconds is { } at) { if (Now + _delay < at) _delay = at - Now; }
        else if (next.AfterSeconds is { } after) _delay += after;
        if (_delay > MaxLoopDelaySeconds) throw new SimulationFatalException($"loop took too long ({_delay} seconds)\n");
        _delay = 0;
        Now += 1;
    }

    /// <summary>Accounts simulated work within the iteration (resource actions).</summary>
    public void AddDelay(long seconds) => _delay += seconds;

    /// <summary>Sets the clock to the global clock (the forced per-loop time update).</summary>
    public void ForceTimeUpdate()
    {
        _delay = 0;
        if (cluster.Time < Now) throw new SimulationFatalException("strange start time");
        Now = cluster.Time;
    }

    // ---- IClock

    /// <inheritdoc/>
    public long WallSeconds => Now;

    /// <inheritdoc/>
    public long MonotonicSeconds => Now;

    // ---- IHaLog

    /// <inheritdoc/>
    public void Write(LogLevel level, string message)
    {
        if (level == LogLevel.Debug) return;
        string name = LogLevels.Name(level);
        cluster.Log.Write(name.Length > 4 ? name[..4] : name, Now, LogId, message);
    }

    /// <inheritdoc/>
    public void SendFenceNotification(string prefix, string subject, string fencedNode) =>
        Write(LogLevel.Email, $"{prefix}: {subject}");

    // ---- IMembership

    /// <inheritdoc/>
    public bool IsQuorate() => cluster.IsQuorate(Node);

    /// <inheritdoc/>
    public NodeInfo GetNodeInfo() => cluster.GetNodeInfo();

    /// <inheritdoc/>
    public string? GetNodeVersion(string node) => cluster.HasNode(node) ? cluster.NodeByName(node).Version : null;

    /// <inheritdoc/>
    public NodeShutdownInfo IsNodeShutdown() => Node.ShutdownFlag switch
    {
        "shutdown" => new(true, false),
        "reboot" => new(true, true),
        _ => new(false, false),
    };

    // ---- IClusterLocks (simulator §7.3)

    /// <inheritdoc/>
    public LockLease? TryAcquire(string name)
    {
        var lease = cluster.TryGetLock(name, this);
        _delay += 1;
        return lease;
    }

    /// <summary>Six attempts at the same instant, one (accounted) second apart: the iteration's clock
    /// does not move, so upstream's five-second window never closes early (simulator §5.2).</summary>
    public LockLease? TryAcquireRepeatedly(string name)
    {
        const int attempts = 6;
        for (int attempt = 1; ; attempt++)
        {
            if (TryAcquire(name) is { } lease) return lease;
            if (attempt >= attempts) return null;
            _delay += 1;
        }
    }

    /// <inheritdoc/>
    public bool Release(string name) => cluster.ReleaseLock(name, this);

    /// <inheritdoc/>
    public LockLease? TakeOver(string name)
    {
        _delay += 1;
        return cluster.TakeOverLock(name, this);
    }

    /// <inheritdoc/>
    public long? RenewedSecondsAgo(string name) => Now - cluster.LockRenewedAt(name, Now);

    // ---- IClusterStore (cfs gates: simulator §7.5)

    /// <inheritdoc/>
    public bool ClusterStateUpdate() => Node.CfsUpdate;

    /// <inheritdoc/>
    public ManagerStatus ReadManagerStatus()
    {
        SimCluster.CheckCfs(Node);
        return cluster.ReadManagerStatus();
    }

    /// <inheritdoc/>
    public void WriteManagerStatus(ManagerStatus status, LockLease managerLease)
    {
        SimCluster.CheckCfs(Node);
        RequireQuorum();
        cluster.CheckLease(managerLease, this);
        cluster.WriteManagerStatus(status);
        if (cluster.Simulation is { Observer: { } observer } sim) observer.ManagerStatusWritten(sim, this, status);
    }

    /// <inheritdoc/>
    public LrmStatus ReadLrmStatus(string node)
    {
        SimCluster.CheckCfs(Node);
        return cluster.ReadLrmStatus(node);
    }

    /// <inheritdoc/>
    public void WriteLrmStatus(string node, LrmStatus status)
    {
        SimCluster.CheckCfs(Node);
        RequireQuorum();
        cluster.WriteLrmStatus(node, status);
    }

    /// <inheritdoc/>
    public void QueueCrmCommand(string command)
    {
        SimCluster.CheckCfs(Node);
        RequireQuorum();
        cluster.CrmCommands += command.TrimEnd('\n') + "\n";
    }

    /// <inheritdoc/>
    public bool AnyPendingCrmCommand()
    {
        SimCluster.CheckCfs(Node);
        return cluster.CrmCommands.Length > 0;
    }

    /// <inheritdoc/>
    public string ReadCrmCommands()
    {
        SimCluster.CheckCfs(Node);
        string text = cluster.CrmCommands;
        cluster.CrmCommands = "";
        return text;
    }

    /// <inheritdoc/>
    public SortedMap<ServiceConfigEntry> ReadServiceConfig()
    {
        SimCluster.CheckCfs(Node);
        return cluster.ReadServiceConfig();
    }

    /// <inheritdoc/>
    public void UpdateServiceConfig(IReadOnlyDictionary<string, ServiceConfigChange> changes)
    {
        RequireQuorum();
        cluster.UpdateServiceConfig(changes);
    }

    /// <summary>Like pmxcfs, the store is read-only for a node outside the quorate partition.</summary>
    private void RequireQuorum()
    {
        if (!IsQuorate()) throw new HaEnvironmentException("cluster not quorate - the store is read-only\n");
    }

    /// <inheritdoc/>
    public void StealService(string sid, string fromNode, string toNode, LockLease managerLease)
    {
        SimCluster.CheckCfs(Node);
        RequireQuorum();
        cluster.CheckLease(managerLease, this);
        string current = cluster.ServiceConfig.Get(sid, "node") ?? "";
        if (current != fromNode)
            throw new HaEnvironmentException($"current_node for '{sid}' does not match ({fromNode} != {current})\n");
        if (cluster.Simulation is { Observer: { } observer } sim) observer.ServiceStolen(sim, sid, fromNode, toNode);
        cluster.ServiceConfig.Set(sid, "node", toNode);
    }

    /// <inheritdoc/>
    public DatacenterSettings GetDatacenterSettings() => cluster.Datacenter;

    /// <inheritdoc/>
    public string? ReadFenceConfig()
    {
        SimCluster.CheckCfs(Node);
        return cluster.FenceConfig;
    }

    /// <inheritdoc/>
    public string? ReadRulesConfig()
    {
        SimCluster.CheckCfs(Node);
        return cluster.RulesConfig;
    }

    /// <inheritdoc/>
    public void WriteRulesConfig(string text)
    {
        SimCluster.CheckCfs(Node);
        RequireQuorum();
        cluster.RulesConfig = text;
    }

    /// <inheritdoc/>
    public string? ReadGroupConfig()
    {
        SimCluster.CheckCfs(Node);
        return cluster.GroupsConfig;
    }

    /// <inheritdoc/>
    public void DeleteGroupConfig()
    {
        SimCluster.CheckCfs(Node);
        RequireQuorum();
        if (cluster.GroupsConfig is null) throw new SimulationFatalException("groups config does not exist\n");
        cluster.GroupsConfig = null;
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, ServiceStats> GetServiceStats() => cluster.GetServiceStats();

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, NodeUsage> GetStaticNodeStats() => cluster.GetStaticNodeStats();

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, NodeUsage> GetDynamicNodeStats() => cluster.GetDynamicNodeStats();

    // ---- IResourceAgents, IWatchdog, IUidSource

    /// <inheritdoc/>
    public IResourceAgent? For(string type) =>
        type is "vm" or "ct" or "fa" ? new SimResourceAgent(cluster, this, type) : null;

    /// <inheritdoc/>
    public string Open() => cluster.OpenWatchdog(Node);

    /// <inheritdoc/>
    public void Update(string handle) => cluster.UpdateWatchdog(handle);

    /// <inheritdoc/>
    public void Close(string handle) => cluster.CloseWatchdog(handle);

    /// <inheritdoc/>
    public string NewUid() => cluster.NewUid();
}

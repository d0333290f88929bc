using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Simulator;

/// <summary>
/// The test environment of one node and daemon role (simulator §9). Its clock follows the global
/// clock at every loop-start hook and advances by one second at every loop-end hook; sleeping only
/// accumulates (simulator §5.2).
/// </summary>
public sealed class SimEnvironment(SimCluster cluster, SimNode node, string role) : IHaEnvironment
{
    private const long MaxLoopDelaySeconds = 300;
    private long _delay;

    /// <summary>The simulated node.</summary>
    public SimNode Node { get; } = node;

    /// <summary>Log id <c>&lt;node&gt;/&lt;role&gt;</c>.</summary>
    public string LogId { get; } = $"{node.Name}/{role}";

    /// <inheritdoc/>
    public string NodeName => Node.Name;

    /// <inheritdoc/>
    public long Now { get; private set; }

    /// <inheritdoc/>
    public void Sleep(long seconds) => _delay += seconds;

    /// <inheritdoc/>
    public void SleepUntil(long time)
    {
        if (Now + _delay < time) _delay = time - Now;
    }

    /// <inheritdoc/>
    public void LoopStartHook()
    {
        _delay = 0;
        if (cluster.Time < Now) throw new SimulationFatalException("strange start time");
        Now = cluster.Time;
    }

    /// <inheritdoc/>
    public void LoopEndHook()
    {
        if (_delay > MaxLoopDelaySeconds) throw new SimulationFatalException($"loop took too long ({_delay} seconds)\n");
        _delay = 0;
        Now += 1;
    }

    /// <inheritdoc/>
    public void Log(LogLevel level, string message)
    {
        if (level == LogLevel.Debug) return;
        string name = LogLevels.Name(level);
        cluster.Log.Write(name.Length > 4 ? name[..4] : name, Now, LogId, message);
    }

    /// <inheritdoc/>
    public void SendFenceNotification(string prefix, string subject, string fencedNode) =>
        Log(LogLevel.Email, $"{prefix}: {subject}");

    /// <inheritdoc/>
    public bool IsQuorate() => cluster.IsQuorate(Node);

    /// <inheritdoc/>
    public NodeInfo GetNodeInfo() => cluster.GetNodeInfo();

    /// <inheritdoc/>
    public bool ClusterStateUpdate() => Node.CfsUpdate;

    /// <inheritdoc/>
    public bool TryGetManagerLock() => TryGetLock("ha_manager_lock");

    /// <inheritdoc/>
    public bool ReleaseManagerLock() => cluster.ReleaseLock("ha_manager_lock", this);

    /// <inheritdoc/>
    public bool TryGetAgentLock(string node) => TryGetLock($"ha_agent_{node}_lock");

    /// <inheritdoc/>
    public bool ReleaseAgentLock() => cluster.ReleaseLock($"ha_agent_{NodeName}_lock", this);

    private bool TryGetLock(string name)
    {
        bool ok = cluster.TryGetLock(name, this);
        _delay += 1;
        return ok;
    }

    /// <inheritdoc/>
    public ManagerStatus ReadManagerStatus()
    {
        SimCluster.CheckCfs(Node);
        return cluster.ReadManagerStatus();
    }

    /// <inheritdoc/>
    public void WriteManagerStatus(ManagerStatus status)
    {
        SimCluster.CheckCfs(Node);
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
    public void WriteLrmStatus(LrmStatus status)
    {
        SimCluster.CheckCfs(Node);
        cluster.WriteLrmStatus(NodeName, status);
    }

    /// <inheritdoc/>
    public NodeShutdownInfo IsNodeShutdown() => Node.ShutdownFlag switch
    {
        "shutdown" => new(true, false),
        "reboot" => new(true, true),
        _ => new(false, false),
    };

    /// <inheritdoc/>
    public void QueueCrmCommand(string command)
    {
        SimCluster.CheckCfs(Node);
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
    public void UpdateServiceConfig(IReadOnlyDictionary<string, ServiceConfigChange> changes) =>
        cluster.UpdateServiceConfig(changes);

    /// <inheritdoc/>
    public void StealService(string sid, string fromNode, string toNode)
    {
        SimCluster.CheckCfs(Node);
        string current = cluster.ServiceConfig.Get(sid, "node") ?? "";
        if (current != fromNode)
            throw new HaEnvironmentException($"current_node for '{sid}' does not match ({fromNode} != {current})\n");
        if (cluster.Simulation is { Observer: { } observer } sim) observer.ServiceStolen(sim, sid, fromNode, toNode);
        cluster.ServiceConfig.Set(sid, "node", toNode);
    }

    /// <inheritdoc/>
    public DatacenterSettings GetDatacenterSettings() => cluster.Datacenter;

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
        if (cluster.GroupsConfig is null) throw new SimulationFatalException("groups config does not exist\n");
        cluster.GroupsConfig = null;
    }

    /// <inheritdoc/>
    public string? GetNodeVersion(string node) => cluster.HasNode(node) ? cluster.NodeByName(node).Version : null;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, ServiceStats> GetServiceStats() => cluster.GetServiceStats();

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, NodeUsage> GetStaticNodeStats() => cluster.GetStaticNodeStats();

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, NodeUsage> GetDynamicNodeStats() => cluster.GetDynamicNodeStats();

    /// <inheritdoc/>
    public IResourceAgent? GetResourceAgent(string type) =>
        type is "vm" or "ct" or "fa" ? new SimResourceAgent(cluster, this, type) : null;

    /// <inheritdoc/>
    public string WatchdogOpen() => cluster.OpenWatchdog(Node);

    /// <inheritdoc/>
    public void WatchdogUpdate(string handle) => cluster.UpdateWatchdog(handle);

    /// <inheritdoc/>
    public void WatchdogClose(string handle) => cluster.CloseWatchdog(handle);

    /// <inheritdoc/>
    public int MaxWorkers => 0;

    /// <inheritdoc/>
    public string NewUid() => cluster.NewUid();

    /// <summary>Sets the clock to the global clock (the forced per-loop time update).</summary>
    public void ForceTimeUpdate() => LoopStartHook();
}

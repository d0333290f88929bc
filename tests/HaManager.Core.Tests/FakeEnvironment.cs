using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Core.Tests;

/// <summary>An in-memory environment for unit tests: manual clock, settable cluster state, recorded log.</summary>
internal sealed class FakeEnvironment(string nodeName = "node1") : IHaEnvironment
{
    private int _uid;

    public string NodeName { get; } = nodeName;
    public long Now { get; set; } = 1000;
    public List<string> Lines { get; } = [];
    public ManagerStatus Status { get; set; } = new();
    public Dictionary<string, LrmStatus> LrmStatuses { get; } = new(StringComparer.Ordinal);
    public SortedMap<ServiceConfigEntry> Config { get; } = new();
    public Dictionary<string, bool> Online { get; } = new(StringComparer.Ordinal)
    {
        ["node1"] = true, ["node2"] = true, ["node3"] = true,
    };
    public bool Quorate { get; set; } = true;
    public bool StoreWorks { get; set; } = true;
    public HashSet<string> FreeAgentLocks { get; } = new(StringComparer.Ordinal);
    public string Commands { get; set; } = "";
    public DatacenterSettings Datacenter { get; set; } = DatacenterSettings.Empty;
    public FakeAgent Agent { get; } = new();
    public List<string> OpenWatchdogs { get; } = [];
    public NodeShutdownInfo Shutdown { get; set; }

    public void Sleep(long seconds) { }
    public void SleepUntil(long time) { }
    public void LoopStartHook() { }
    public void LoopEndHook() => Now++;
    public void Log(LogLevel level, string message) => Lines.Add($"{LogLevels.Name(level)}: {message.TrimEnd('\n')}");
    public void SendFenceNotification(string prefix, string subject, string fencedNode) => Log(LogLevel.Email, $"{prefix}: {subject}");
    public bool IsQuorate() => Quorate && Online.GetValueOrDefault(NodeName);
    public NodeInfo GetNodeInfo() => new(new Dictionary<string, bool>(Online, StringComparer.Ordinal), Quorate);
    public bool ClusterStateUpdate() => true;
    public bool TryGetManagerLock() => IsQuorate();
    public bool ReleaseManagerLock() => true;
    public bool TryGetAgentLock(string node) => node == NodeName ? IsQuorate() : FreeAgentLocks.Contains(node);
    public bool ReleaseAgentLock() => true;

    private void CheckStore()
    {
        if (!StoreWorks) throw new HaEnvironmentException("cfs connection refused - not mounted?\n");
    }

    public ManagerStatus ReadManagerStatus() { CheckStore(); return Status.Clone(); }
    public void WriteManagerStatus(ManagerStatus status) { CheckStore(); Status = status.Clone(); }
    public LrmStatus ReadLrmStatus(string node) { CheckStore(); return LrmStatuses.TryGetValue(node, out var s) ? s.Clone() : new LrmStatus(); }
    public void WriteLrmStatus(LrmStatus status) { CheckStore(); LrmStatuses[NodeName] = status.Clone(); }
    public NodeShutdownInfo IsNodeShutdown() => Shutdown;
    public void QueueCrmCommand(string command) => Commands += command + "\n";
    public bool AnyPendingCrmCommand() => Commands.Length > 0;
    public string ReadCrmCommands() { string c = Commands; Commands = ""; return c; }

    public SortedMap<ServiceConfigEntry> ReadServiceConfig()
    {
        CheckStore();
        var copy = new SortedMap<ServiceConfigEntry>();
        foreach (var (sid, cd) in Config) copy[sid] = cd.Clone();
        return copy;
    }

    public void UpdateServiceConfig(IReadOnlyDictionary<string, ServiceConfigChange> changes)
    {
        foreach (var (sid, change) in changes)
            if (change.Set.TryGetValue("state", out var state)) Config[sid].State = state;
    }

    public void StealService(string sid, string fromNode, string toNode) => Config[sid].Node = toNode;
    public DatacenterSettings GetDatacenterSettings() => Datacenter;
    public string? Rules { get; set; }
    public string? Groups { get; set; }
    public string? ReadRulesConfig() => Rules;
    public void WriteRulesConfig(string text) => Rules = text;
    public string? ReadGroupConfig() => Groups;
    public void DeleteGroupConfig() => Groups = null;
    public string? GetNodeVersion(string node) => "9.0.0~16";
    public IReadOnlyDictionary<string, ServiceStats> GetServiceStats() =>
        Config.ToDictionary(kv => kv.Key, kv => new ServiceStats(kv.Value.Node, kv.Value.State, kv.Value.State == "started"));
    public IReadOnlyDictionary<string, NodeUsage> GetStaticNodeStats() => new Dictionary<string, NodeUsage>();
    public IReadOnlyDictionary<string, NodeUsage> GetDynamicNodeStats() => new Dictionary<string, NodeUsage>();
    public IResourceAgent? GetResourceAgent(string type) => type is "vm" or "ct" ? Agent : null;
    public string WatchdogOpen() { OpenWatchdogs.Add("wd"); return "wd"; }
    public void WatchdogUpdate(string handle) { }
    public void WatchdogClose(string handle) => OpenWatchdogs.Remove(handle);
    public int MaxWorkers => 0;
    public string NewUid() => $"u{++_uid}";

    /// <summary>Adds a configured service.</summary>
    public FakeEnvironment WithService(string sid, string node, string state = "started", int maxRestart = 1, int maxRelocate = 1)
    {
        Config[sid] = new ServiceConfigEntry
        {
            Node = node, State = state, Type = ServiceId.TypeOf(sid), MaxRestart = maxRestart, MaxRelocate = maxRelocate,
        };
        return this;
    }

    /// <summary>Sets a service status entry in the persisted manager status.</summary>
    public FakeEnvironment WithStatus(string sid, ServiceState state, string node, string? target = null)
    {
        Status.ServiceStatus[sid] = new ServiceStatusEntry { State = state, Node = node, Uid = NewUid(), Target = target };
        return this;
    }

    /// <summary>Marks every node online in the persisted node status.</summary>
    public FakeEnvironment WithNodesOnline()
    {
        foreach (var node in Online.Keys) Status.NodeStatus[node] = NodeState.Online;
        return this;
    }

    /// <summary>Reports an LRM result for the current uid of a service.</summary>
    public FakeEnvironment WithResult(string node, string sid, int exitCode)
    {
        var sd = Status.ServiceStatus[sid];
        if (!LrmStatuses.TryGetValue(node, out var lrm)) LrmStatuses[node] = lrm = new LrmStatus { Mode = LrmModes.Active };
        lrm.Results[sd.Uid] = new LrmResult(sid, StateNames.Of(sd.State), exitCode);
        return this;
    }

    public FakeEnvironment WithLrmMode(string node, string mode)
    {
        if (!LrmStatuses.TryGetValue(node, out var lrm)) LrmStatuses[node] = lrm = new LrmStatus();
        lrm.Mode = mode;
        return this;
    }
}

/// <summary>A resource agent whose outcomes tests script.</summary>
internal sealed class FakeAgent : IResourceAgent
{
    public HashSet<string> Running { get; } = new(StringComparer.Ordinal);
    public int StartFailuresLeft { get; set; }
    public int Starts { get; private set; }
    public int Stops { get; private set; }
    public bool MigrateWorks { get; set; } = true;

    public bool CheckRunning(string sid) => Running.Contains(sid);

    public void Start(string sid)
    {
        Starts++;
        if (StartFailuresLeft > 0) { StartFailuresLeft--; return; }
        Running.Add(sid);
    }

    public void Shutdown(string sid, string? timeout) { Stops++; Running.Remove(sid); }
    public bool Migrate(string sid, string target, bool online) { if (MigrateWorks) Running.Remove(sid); return MigrateWorks; }
    public string? RemoveLocks(string sid, IReadOnlyList<string> lockNames) => null;
}

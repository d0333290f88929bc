using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Core.Tests;

/// <summary>An in-memory world for unit tests, one object in every role: manual clock, settable cluster
/// state, recorded log, jobs that finish at once. <see cref="Node"/> is what the core is given.</summary>
internal sealed class FakeEnvironment(string nodeName = "node1")
    : IClock, IHaLog, IClusterStore, IClusterLocks, IMembership, IWatchdog, IResourceAgents, IUidSource, IJobRunner
{
    private int _uid;
    private readonly List<JobCompletion> _finished = [];

    /// <summary>The lease the fake manager lock hands out.</summary>
    public static LockLease ManagerLease { get; } = new(LockNames.Manager, 1);

    /// <summary>The roles as the core sees them.</summary>
    public HaNode Node => new(NodeName, this, this, this, this, this, this, this, this, this, SafetyBudget.Pmxcfs) { Fencing = Fencing };

    /// <summary>Fence devices whose outcomes tests script; null: none (watchdog fencing only).</summary>
    public FakeFenceDevices? Fencing { get; set; }

    public long WallSeconds => Now;
    public long MonotonicSeconds => Now;

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

    public void Write(LogLevel level, string message) => Lines.Add($"{LogLevels.Name(level)}: {message.TrimEnd('\n')}");
    public void SendFenceNotification(string prefix, string subject, string fencedNode) => Write(LogLevel.Email, $"{prefix}: {subject}");
    public bool IsQuorate() => Quorate && Online.GetValueOrDefault(NodeName);
    public NodeInfo GetNodeInfo() => new(new Dictionary<string, bool>(Online, StringComparer.Ordinal), Quorate);
    public bool ClusterStateUpdate() => true;
    public LockLease? TryAcquire(string name) =>
        (name == LockNames.Manager || name == LockNames.Agent(NodeName) ? IsQuorate()
            : FreeAgentLocks.Any(n => LockNames.Agent(n) == name)) ? new LockLease(name, 1) : null;
    public LockLease? TryAcquireRepeatedly(string name)
    {
        LockAttempts++;
        return TryAcquire(name);
    }
    public int LockAttempts { get; private set; }
    public bool Release(string name) => true;
    public List<string> TakenOver { get; } = [];
    public Dictionary<string, long> RenewedAt { get; } = new(StringComparer.Ordinal);
    public LockLease? TakeOver(string name)
    {
        TakenOver.Add(name);
        return new LockLease(name, 2);
    }
    public long? RenewedSecondsAgo(string name) => RenewedAt.TryGetValue(name, out long t) ? Now - t : null;

    private void CheckStore()
    {
        if (!StoreWorks) throw new HaEnvironmentException("cfs connection refused - not mounted?\n");
    }

    public ManagerStatus ReadManagerStatus() { CheckStore(); return Status.Clone(); }
    public void WriteManagerStatus(ManagerStatus status, LockLease managerLease) { CheckStore(); Status = status.Clone(); }
    public LrmStatus ReadLrmStatus(string node) { CheckStore(); return LrmStatuses.TryGetValue(node, out var s) ? s.Clone() : new LrmStatus(); }
    public void WriteLrmStatus(string node, LrmStatus status) { CheckStore(); LrmStatuses[node] = status.Clone(); }
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
        CheckStore();
        foreach (var sid in changes.Keys)
            if (!Config.ContainsKey(sid)) throw new HaEnvironmentException($"no such resource '{sid}'\n");
        foreach (var (sid, change) in changes)
            if (change.Set.TryGetValue("state", out var state)) Config[sid].State = state;
    }

    public void StealService(string sid, string fromNode, string toNode, LockLease managerLease)
    {
        CheckStore();
        if (!Config.TryGetValue(sid, out var cd) || cd.Node != fromNode)
            throw new HaEnvironmentException($"current_node for '{sid}' does not match ({fromNode} != {cd?.Node})\n");
        cd.Node = toNode;
    }
    public DatacenterSettings GetDatacenterSettings() => Datacenter;
    public string? Rules { get; set; }
    public string? Groups { get; set; }
    public string? ReadRulesConfig() => Rules;
    public string? FenceConfig { get; set; }
    public string? ReadFenceConfig() => FenceConfig;
    public void WriteRulesConfig(string text) => Rules = text;
    public string? ReadGroupConfig() => Groups;
    public void DeleteGroupConfig() => Groups = null;
    public string? GetNodeVersion(string node) => "9.0.0~16";
    public IReadOnlyDictionary<string, ServiceStats> GetServiceStats() =>
        Config.ToDictionary(kv => kv.Key, kv => new ServiceStats(kv.Value.Node, kv.Value.State, kv.Value.State == "started"));
    public IReadOnlyDictionary<string, NodeUsage> GetStaticNodeStats() => new Dictionary<string, NodeUsage>();
    public IReadOnlyDictionary<string, NodeUsage> GetDynamicNodeStats() => new Dictionary<string, NodeUsage>();
    public IResourceAgent? For(string type) => type is "vm" or "ct" ? Agent : null;
    public string Open() { OpenWatchdogs.Add("wd"); return "wd"; }
    public void Update(string handle) { }
    public void Close(string handle) => OpenWatchdogs.Remove(handle);
    public int MaxWorkers { get; set; }

    /// <summary>When set, started jobs wait for <see cref="FinishHeldJobs"/> (a slow job on a real node).</summary>
    public bool HoldJobs { get; set; }
    public List<(ResourceJob Job, Func<int> Work)> HeldJobs { get; } = [];
    public List<ResourceJob> StartedJobs { get; } = [];

    public void Start(ResourceJob job, Func<int> work)
    {
        StartedJobs.Add(job);
        if (HoldJobs) HeldJobs.Add((job, work));
        else _finished.Add(new JobCompletion(job.Sid, work()));
    }

    /// <summary>Runs every held job now; the LRM collects them in its next pass.</summary>
    public void FinishHeldJobs()
    {
        foreach (var (job, work) in HeldJobs) _finished.Add(new JobCompletion(job.Sid, work()));
        HeldJobs.Clear();
    }
    public IReadOnlyList<JobCompletion> CollectFinished()
    {
        var done = _finished.ToList();
        _finished.Clear();
        return done;
    }
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
        if (!LrmStatuses.TryGetValue(node, out var lrm)) LrmStatuses[node] = lrm = new LrmStatus { Mode = LrmModes.Name(LrmMode.Active) };
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

/// <summary>Fence devices that record each request and finish when a test says how.</summary>
internal sealed class FakeFenceDevices : IFenceDevices
{
    private readonly List<FenceOutcome> _finished = [];
    public List<FenceRequest> Started { get; } = [];
    public void Start(FenceRequest request) => Started.Add(request);
    public void Finish(bool poweredOff, string detail = "done")
    {
        var last = Started[^1];
        _finished.Add(new FenceOutcome(last.Node, last.Level, poweredOff, detail));
    }
    public IReadOnlyList<FenceOutcome> CollectFinished()
    {
        var done = _finished.ToList();
        _finished.Clear();
        return done;
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

using System.Globalization;
using System.Text.Json;
using HaManager.Core;
using HaManager.Core.Crm;
using HaManager.Core.Environment;
using HaManager.Core.Formats;
using HaManager.Core.Lrm;
using HaManager.Core.Model;

namespace HaManager.Simulator;

/// <summary>Runtime state of one simulated node (simulator §7).</summary>
public sealed class SimNode(string name)
{
    /// <summary>Node name.</summary>
    public string Name { get; } = name;
    /// <summary>Power switch.</summary>
    public bool Power { get; set; }
    /// <summary>Network switch.</summary>
    public bool Network { get; set; }
    /// <summary>Online means power and network on.</summary>
    public bool Online => Power && Network;
    /// <summary>cfs read/write works.</summary>
    public bool CfsRw { get; set; } = true;
    /// <summary>cfs state update works.</summary>
    public bool CfsUpdate { get; set; } = true;
    /// <summary><c>reboot</c>, <c>shutdown</c> or null.</summary>
    public string? ShutdownFlag { get; set; }
    /// <summary>Set by <c>crm &lt;node&gt; stop</c>.</summary>
    public bool CrmStop { get; set; }
    /// <summary>Set by <c>restart-lrm</c>.</summary>
    public bool LrmRestart { get; set; }
    /// <summary>Management software version.</summary>
    public string Version { get; set; } = "9.0.0~2";
    /// <summary>Cores, if configured.</summary>
    public double? MaxCpu { get; set; }
    /// <summary>Bytes of memory, if configured.</summary>
    public double? MaxMem { get; set; }
    /// <summary>The CRM daemon, if running.</summary>
    public CrmMachine? Crm { get; set; }
    /// <summary>The LRM daemon, if running.</summary>
    public LrmMachine? Lrm { get; set; }
    /// <summary>The CRM's environment (lives as long as the node).</summary>
    public SimEnvironment CrmEnv { get; set; } = null!;
    /// <summary>The LRM's environment (lives as long as the node).</summary>
    public SimEnvironment LrmEnv { get; set; } = null!;
    /// <summary>How often the node was powered off (watchdog, command, shutdown): a reset counter for checks.</summary>
    public int PowerOffCount { get; set; }
    /// <summary>sid → running on this node.</summary>
    public Dictionary<string, bool> RunningServices { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The simulated cluster shared by all simulated daemons (simulator §1, §7): nodes, quorum, cluster
/// locks, watchdogs, the cluster store (with value semantics) and the run-wide counters.
/// </summary>
public sealed class SimCluster
{
    private const string CfsError = "cfs connection refused - not mounted?\n";

    private readonly Dictionary<string, (string Node, long Time, long Token)> _locks = new(StringComparer.Ordinal);
    private long _lockTokens;
    private readonly Dictionary<string, (string Node, long UpdateTime)> _watchdogs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LrmStatus> _lrmStatus = new(StringComparer.Ordinal);
    private ManagerStatus? _managerStatus;
    private long _uidCounter;
    private long _watchdogCounter;

    /// <summary>Builds the cluster from a scenario (simulator §2.3).</summary>
    public SimCluster(ScenarioInput input, SimLog log)
    {
        Log = log;
        Budget = input.Budget ?? SafetyBudget.Pmxcfs;
        foreach (var (name, hw) in input.Hardware)
        {
            var node = new SimNode(name) { Power = hw.Power == "on", Network = hw.Network == "on" };
            if (hw.Version is not null) node.Version = hw.Version;
            node.MaxCpu = hw.MaxCpu;
            node.MaxMem = hw.MaxMem;
            Nodes.Add(node);
        }
        foreach (var (sid, props) in input.Services)
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(sid, @"^(vm|ct|fa):(\d+)$"))
                throw new ScenarioLoadException($"{input.Name}: implement me - unsupported service id '{sid}'");
            if (!props.TryGetValue("node", out var n) || n.Length == 0)
                throw new ScenarioLoadException($"{input.Name}: service '{sid}' without assigned node!");
            if (!input.Hardware.ContainsKey(n))
                throw new ScenarioLoadException($"{input.Name}: service '{sid}' is on node '{n}', which the scenario does not declare " +
                    $"(nodes: {string.Join(", ", input.Hardware.Keys)})");
            ServiceConfig.Add(sid, props);
        }
        if (input.ManagerStatusJson is { } ms)
        {
            try { _managerStatus = StatusJson.ParseManagerStatus(ms); }
            catch (Exception e) when (e is JsonException or FormatException)
            {
                throw new ScenarioLoadException($"{input.Name}: {e.Message}");
            }
        }
        FenceConfig = string.IsNullOrWhiteSpace(input.FenceConfig) ? null : input.FenceConfig;
        // Simulator §7.8: a non-empty fence.cfg means hardware fencing, unless datacenter.cfg names a mode.
        Datacenter = FenceConfig is not null && input.Datacenter.FencingMode is null
            ? input.Datacenter with { FencingMode = "hardware" } : input.Datacenter;
        RulesConfig = input.RulesConfig;
        // Statistics defaults (simulator §2.3): static from the configured services, dynamic from the
        // keys of the (possibly defaulted) static statistics.
        StaticStats = input.StaticServiceStats?.ToDictionary(kv => kv.Key, kv => new Dictionary<string, double>(kv.Value), StringComparer.Ordinal)
            ?? ServiceConfig.Sids.ToDictionary(sid => sid,
                _ => new Dictionary<string, double> { ["maxcpu"] = 4.0, ["maxmem"] = 4294967296 }, StringComparer.Ordinal);
        DynamicStats = input.DynamicServiceStats?.ToDictionary(kv => kv.Key, kv => new Dictionary<string, double>(kv.Value), StringComparer.Ordinal)
            ?? StaticStats.Keys.ToDictionary(sid => sid,
                _ => new Dictionary<string, double> { ["cpu"] = 2.0, ["mem"] = 2147483648 }, StringComparer.Ordinal);
        GroupsConfig = input.GroupsConfig;
        foreach (var (node, running) in input.Running)
        {
            if (!HasNode(node)) throw new ScenarioLoadException($"{input.Name}: services are running on node '{node}', which the scenario does not declare");
            foreach (var (sid, on) in running) NodeByName(node).RunningServices[sid] = on;
        }
        foreach (var node in Nodes)
        {
            node.CrmEnv = new SimEnvironment(this, node, "crm");
            node.LrmEnv = new SimEnvironment(this, node, "lrm");
        }
    }

    /// <summary>The shared log.</summary>
    public SimLog Log { get; }

    /// <summary>Timeouts: the scenario's, by default upstream's pmxcfs values (lock lifetime 120 s, watchdog 60 s).</summary>
    public SafetyBudget Budget { get; }

    private int LockLifetime => Budget.LockLifetimeSeconds;

    private int WatchdogTimeout => Budget.WatchdogClientTimeoutSeconds;

    /// <summary>The simulation driving this cluster (for observer callbacks).</summary>
    public Simulation? Simulation { get; init; }

    /// <summary>Global clock (simulator §5.2).</summary>
    public long Time { get; set; }

    /// <summary>Nodes in ordinal order.</summary>
    public List<SimNode> Nodes { get; } = [];

    /// <summary>The resource configuration.</summary>
    public SimServiceConfig ServiceConfig { get; } = new();

    /// <summary>Incremented whenever the service statistics change (cache key of <see cref="GetServiceStats"/>).</summary>
    public long StatsVersion { get; private set; }

    /// <summary>Records a change of <see cref="StaticStats"/> or <see cref="DynamicStats"/>.</summary>
    public void StatsChanged() => StatsVersion++;

    /// <summary>The fence.cfg text, or null.</summary>
    public string? FenceConfig { get; }

    private readonly Dictionary<string, string> _fenceDeviceBehaviour = new(StringComparer.Ordinal);

    /// <summary>How a fence agent behaves: <c>work</c> (default), <c>fail</c> or <c>hang</c>.</summary>
    public string FenceDeviceBehaviour(string agent) => _fenceDeviceBehaviour.GetValueOrDefault(agent, "work");

    /// <summary>Sets a fence agent's behaviour (hardware command <c>fence-device &lt;agent&gt; work|fail|hang</c>).</summary>
    public void SetFenceDeviceBehaviour(string agent, string behaviour) => _fenceDeviceBehaviour[agent] = behaviour;

    /// <summary>The datacenter settings of the run.</summary>
    public DatacenterSettings Datacenter { get; }

    /// <summary>Static service statistics: sid → {maxcpu, maxmem}.</summary>
    public Dictionary<string, Dictionary<string, double>> StaticStats { get; } = null!;

    /// <summary>Dynamic service statistics: sid → {cpu, mem}.</summary>
    public Dictionary<string, Dictionary<string, double>> DynamicStats { get; } = null!;

    /// <summary>rules.cfg text, null when absent.</summary>
    public string? RulesConfig { get; set; }

    /// <summary>groups.cfg text, null when absent.</summary>
    public string? GroupsConfig { get; set; }

    /// <summary>The CRM command queue text.</summary>
    public string CrmCommands { get; set; } = "";

    /// <summary>The LRM start-up flag shared by every LRM of the run (simulator §10).</summary>
    public LrmStartupGate LrmStartupGate { get; } = new();

    /// <summary><c>fa</c> start-failure counters, run-wide per sid.</summary>
    public Dictionary<string, int> FailingStartCounters { get; } = new(StringComparer.Ordinal);

    /// <summary><c>fa</c> migrate-failure counters, run-wide per sid.</summary>
    public Dictionary<string, int> FailingMigrateCounters { get; } = new(StringComparer.Ordinal);

    /// <summary>The node with that name.</summary>
    public SimNode NodeByName(string name) =>
        Nodes.Find(n => n.Name == name) ?? throw new SimulationFatalException($"sim_hardware_cmd: no such node '{name}'\n");

    /// <summary>True iff a node of that name exists.</summary>
    public bool HasNode(string name) => Nodes.Exists(n => n.Name == name);

    /// <summary>Writes a line with the simulator's own logger (global clock, untruncated level).</summary>
    public void HardwareLog(string level, string message, string id = "hardware") => Log.Write(level, Time, id, message);

    // ---- Quorum (simulator §7.2)

    /// <summary>More than half of the nodes are online.</summary>
    public bool IsClusterQuorate() => Nodes.Count(n => n.Online) > Nodes.Count / 2;

    /// <summary>Membership as every node sees it.</summary>
    public NodeInfo GetNodeInfo()
    {
        bool quorate = IsClusterQuorate();
        var online = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var n in Nodes) online[n.Name] = quorate && n.Online;
        return new NodeInfo(online, quorate);
    }

    /// <summary>The node may act: it is online and the cluster is quorate.</summary>
    public bool IsQuorate(SimNode node) => node.Online && IsClusterQuorate();

    // ---- Cluster locks (simulator §7.3); times are the caller's clock.

    /// <summary>Acquire or renew; a fresh acquisition gets a new fencing token, a renewal keeps it.</summary>
    public LockLease? TryGetLock(string name, SimEnvironment caller)
    {
        if (!IsQuorate(caller.Node)) return null;
        long now = caller.Now;
        string me = caller.Node.Name;
        if (_locks.TryGetValue(name, out var held) && now - held.Time <= LockLifetime)
        {
            if (held.Node != me) return null;
            _locks[name] = (me, now, held.Token);
            return new LockLease(name, held.Token);
        }
        long token = ++_lockTokens;
        _locks[name] = (me, now, token);
        caller.Write(LogLevel.Info, $"got lock '{name}'");
        return new LockLease(name, token);
    }

    /// <summary>Refuses a write guarded by <paramref name="lease"/> unless it is still the lock's current
    /// lease, held by the caller's node and not expired at the caller's clock.</summary>
    public void CheckLease(LockLease lease, SimEnvironment caller)
    {
        if (_locks.TryGetValue(lease.Name, out var held) && held.Token == lease.Token && held.Node == caller.NodeName
            && caller.Now - held.Time <= LockLifetime) return;
        throw new HaEnvironmentException($"lock '{lease.Name}' (token {lease.Token}) is no longer held - refusing to write\n");
    }

    /// <summary>Takes a lock whatever its age, with a new token (its holder is proven off).</summary>
    public LockLease? TakeOverLock(string name, SimEnvironment caller)
    {
        if (!IsQuorate(caller.Node)) return null;
        long token = ++_lockTokens;
        _locks[name] = (caller.Node.Name, caller.Now, token);
        caller.Write(LogLevel.Info, $"took over lock '{name}'");
        return new LockLease(name, token);
    }

    /// <summary>When a lock was last renewed, or null when free or expired at <paramref name="now"/>.</summary>
    public long? LockRenewedAt(string name, long now) =>
        _locks.TryGetValue(name, out var held) && now - held.Time <= LockLifetime ? held.Time : null;

    /// <summary>Release.</summary>
    public bool ReleaseLock(string name, SimEnvironment caller)
    {
        if (!IsQuorate(caller.Node) || !_locks.TryGetValue(name, out var held)) return false;
        if (caller.Now - held.Time > LockLifetime) return true;
        if (held.Node != caller.Node.Name) return false;
        _locks.Remove(name);
        return true;
    }

    // ---- Watchdogs (simulator §7.4), global clock.

    /// <summary>Opens a watchdog for a node.</summary>
    public string OpenWatchdog(SimNode node)
    {
        string handle = $"WD:{node.Name}:{++_watchdogCounter}";
        _watchdogs[handle] = (node.Name, Time);
        return handle;
    }

    /// <summary>Feeds it; fatal if unknown or expired.</summary>
    public void UpdateWatchdog(string handle)
    {
        var wd = LiveWatchdog(handle);
        _watchdogs[handle] = (wd.Node, Time);
    }

    /// <summary>Closes it; fatal if unknown or expired.</summary>
    public void CloseWatchdog(string handle)
    {
        LiveWatchdog(handle);
        _watchdogs.Remove(handle);
    }

    private (string Node, long UpdateTime) LiveWatchdog(string handle)
    {
        if (!_watchdogs.TryGetValue(handle, out var wd)) throw new SimulationFatalException($"no such watchdog handle '{handle}'\n");
        if (Time - wd.UpdateTime > WatchdogTimeout) throw new WatchdogExpiredException(wd.Node);
        return wd;
    }

    /// <summary>Deletes the node's expired watchdogs; true iff there was one.</summary>
    public bool CheckWatchdogExpired(SimNode node)
    {
        var expired = _watchdogs.Where(kv => kv.Value.Node == node.Name && Time - kv.Value.UpdateTime > WatchdogTimeout)
            .Select(kv => kv.Key).ToList();
        foreach (var h in expired) _watchdogs.Remove(h);
        return expired.Count > 0;
    }

    /// <summary>Drops every watchdog of a node (power-off).</summary>
    public void DropWatchdogs(SimNode node)
    {
        foreach (var h in _watchdogs.Where(kv => kv.Value.Node == node.Name).Select(kv => kv.Key).ToList()) _watchdogs.Remove(h);
    }

    // ---- The cluster store (simulator §2.4): value semantics, cfs gates (§7.5).

    /// <summary>Throws the cfs error if the node's cfs is not readable/writable.</summary>
    public static void CheckCfs(SimNode node)
    {
        if (!node.CfsRw) throw new HaEnvironmentException(CfsError);
    }

    /// <summary>A copy of the manager status.</summary>
    public ManagerStatus ReadManagerStatus() => _managerStatus?.Clone() ?? new ManagerStatus();

    /// <summary>Stores a snapshot.</summary>
    public void WriteManagerStatus(ManagerStatus status) => _managerStatus = status.Clone();

    /// <summary>The agent or manager lock's holder if it is held and not expired at <paramref name="now"/>.</summary>
    public string? LockHolder(string name, long now) =>
        _locks.TryGetValue(name, out var held) && now - held.Time <= LockLifetime ? held.Node : null;

    /// <summary>True iff the node has a watchdog that is open and not expired at the global time.</summary>
    public bool HasLiveWatchdog(SimNode node) =>
        _watchdogs.Values.Any(w => w.Node == node.Name && Time - w.UpdateTime <= WatchdogTimeout);

    /// <summary>A copy of a node's LRM status.</summary>
    public LrmStatus ReadLrmStatus(string node) => _lrmStatus.TryGetValue(node, out var s) ? s.Clone() : new LrmStatus();

    /// <summary>Stores a snapshot.</summary>
    public void WriteLrmStatus(string node, LrmStatus status) => _lrmStatus[node] = status.Clone();

    /// <summary>A fresh uid.</summary>
    public string NewUid() => $"uid{++_uidCounter}";

    /// <summary>The resource configuration with the simulator's defaults (simulator §2.1).</summary>
    public SortedMap<ServiceConfigEntry> ReadServiceConfig() => ServiceConfig.Read();

    /// <summary>Per sid: set and delete properties (not cfs gated); all or nothing.</summary>
    public void UpdateServiceConfig(IReadOnlyDictionary<string, ServiceConfigChange> changes)
    {
        // All or nothing: an unknown sid refuses the whole edit before anything changes.
        foreach (var sid in changes.Keys.Order(StringComparer.Ordinal))
            if (!ServiceConfig.Contains(sid)) throw new HaEnvironmentException($"no such resource '{sid}'\n");
        foreach (var (sid, change) in changes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            foreach (var (k, v) in change.Set) ServiceConfig.Set(sid, k, v);
            foreach (var k in change.Delete) ServiceConfig.Remove(sid, k);
        }
    }

    /// <summary>Every configured resource as usage input (simulator §8.4): requested state as state,
    /// static usage from the static statistics, dynamic usage as their union with the dynamic ones.</summary>
    public IReadOnlyDictionary<string, ServiceStats> GetServiceStats()
    {
        // The records are immutable: one dictionary serves every read until config or statistics change.
        var key = (ServiceConfig.Version, StatsVersion);
        if (_serviceStatsCache is { } cached && cached.Key == key) return cached.Stats;
        var stats = new Dictionary<string, ServiceStats>(StringComparer.Ordinal);
        foreach (var (sid, cd) in ReadServiceConfig())
        {
            StaticStats.TryGetValue(sid, out var st);
            DynamicStats.TryGetValue(sid, out var dy);
            var staticUsage = st is null ? null : new ServiceUsage(Get(st, "maxcpu"), Bytes(Get(st, "maxmem")));
            ServiceUsage? dynamicUsage = st is null && dy is null ? null : new ServiceUsage(
                Get(dy, "maxcpu") ?? Get(st, "maxcpu"), Bytes(Get(dy, "maxmem") ?? Get(st, "maxmem")),
                Get(dy, "cpu") ?? Get(st, "cpu"), Bytes(Get(dy, "mem") ?? Get(st, "mem")));
            stats[sid] = new ServiceStats(cd.Node, cd.State, cd.State == RequestedStates.Started, staticUsage, dynamicUsage);
        }
        _serviceStatsCache = (key, stats);
        return stats;
    }

    private ((long, long) Key, Dictionary<string, ServiceStats> Stats)? _serviceStatsCache;

    private static double? Get(Dictionary<string, double>? values, string key) =>
        values is not null && values.TryGetValue(key, out double v) ? v : null;

    private static long? Bytes(double? value) => value is { } v ? (long)v : null;

    /// <summary>Node capacities as configured in the hardware (may be missing).</summary>
    public IReadOnlyDictionary<string, NodeUsage> GetStaticNodeStats() =>
        Nodes.ToDictionary(n => n.Name, n => new NodeUsage(n.MaxCpu, Bytes(n.MaxMem)), StringComparer.Ordinal);

    /// <summary>Node capacities (defaults 24 cores, 128 GiB) and the measured use of the configured services
    /// that run on their node, added in sid order (simulator §8.4).</summary>
    public IReadOnlyDictionary<string, NodeUsage> GetDynamicNodeStats()
    {
        var result = new Dictionary<string, NodeUsage>(StringComparer.Ordinal);
        var config = ReadServiceConfig();
        var serviceStats = GetServiceStats();
        foreach (var node in Nodes)
        {
            double cpu = 0;
            long mem = 0;
            foreach (var (sid, cd) in config)
            {
                if (cd.Node != node.Name || !node.RunningServices.TryGetValue(sid, out bool running) || !running) continue;
                var usage = serviceStats[sid].Dynamic;
                cpu += usage?.Cpu ?? throw new HaEnvironmentException($"unknown cpu load for '{sid}'");
                mem += usage.Mem ?? throw new HaEnvironmentException($"unknown memory usage for '{sid}'");
            }
            result[node.Name] = new NodeUsage(node.MaxCpu ?? 24.0, Bytes(node.MaxMem) ?? 137438953472, cpu, mem);
        }
        return result;
    }
}

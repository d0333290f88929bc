using HaManager.Core.Environment;
using HaManager.Core.Formats;
using HaManager.Core.Model;
using HaManager.Core.Rules;

namespace HaManager.Core.Master;

/// <summary>
/// The master's per-round logic and its in-memory state (crm-manager §4–§10). Created whenever a CRM
/// becomes master and discarded when it stops being master. Abbreviations as in the spec:
/// NS node status map, SS service status map, SC service configuration, sd one SS entry, cd one SC entry.
/// All of its state is declared here; the partial files (Commands, Services, Rules, Rebalance) hold
/// only behaviour.
/// </summary>
public sealed partial class Manager
{
    /// <summary>Lock names a recovered service may carry from its dead node and that are safe to drop.</summary>
    private static readonly string[] RemovableLocks =
        ["backup", "mounted", "migrate", "clone", "rollback", "snapshot", "snapshot-delete", "suspending", "suspended"];

    /// <summary>Upper bound of service-state passes per round; reaching it means the machine loops.</summary>
    private const int MaxPassesPerRound = 1000;

    private readonly HaNode _node;
    private readonly IHaLog _log;
    private LockLease _managerLease = new(LockNames.Manager, 0);
    private readonly NodeStatusTracker _ns;
    private readonly SortedMap<ServiceStatusEntry> _ss;
    private SortedDictionary<string, bool>? _nodeRequest;
    private DisarmInfo? _disarm;
    private string _schedulerMode;
    private Scheduling.CrsSettings _crs;
    private IOnlineUsage _usage = new BasicUsage();
    private IPlacementRules _rules = NoPlacementRules.Instance;
    private SortedMap<ServiceConfigEntry> _sc = new();
    private Dictionary<string, LrmMode> _lrmModes = new(StringComparer.Ordinal);
    private Dictionary<string, LrmResult> _results = new(StringComparer.Ordinal);

    // Rules and legacy groups (Manager.Rules.cs).
    private int _groupMigrationCountdown = Constants.GroupMigrationInitialDelayRounds;
    private (string Rules, string Groups)? _compiledDigests;
    private SortedDictionary<string, HaGroup> _groups = new(StringComparer.Ordinal);
    private string _groupsDigest = SectionConfig.DigestOf("");

    // Automatic rebalancing (Manager.Rebalance.cs).
    private int _imbalanceRounds;

    /// <summary>Per service, the nodes where its start failed during this master's term while it is managed (kept in memory
    /// only: rebalancing must not send a service back to where it cannot start).</summary>
    private readonly Dictionary<string, HashSet<string>> _startFailedOn = new(StringComparer.Ordinal);

    /// <summary>Takes over the persisted manager status. Throws if it cannot be read.</summary>
    public Manager(HaNode node)
    {
        _node = node;
        _log = node.Log;
        var persisted = node.Store.ReadManagerStatus();
        _ns = new NodeStatusTracker(node, persisted.NodeStatus);
        _ss = persisted.ServiceStatus;
        _nodeRequest = persisted.NodeRequest;
        _disarm = persisted.Disarm;
        _crs = Scheduling.CrsSettings.From(node.Store.GetDatacenterSettings());
        _schedulerMode = _crs.Mode;
        if (_crs.Scheduler != Scheduling.SchedulerMode.Basic) _log.Write(LogLevel.Info, $"using scheduler mode '{_schedulerMode}'");
    }

    /// <summary>True iff the last round found the HA stack fully disarmed.</summary>
    public bool IsFullyDisarmed { get; private set; }

    /// <summary>The node status machine (read-only view for tests and tools).</summary>
    public NodeStatusTracker NodeStatus => _ns;

    /// <summary>The service status map (read-only view for tests and tools).</summary>
    public IReadOnlyDictionary<string, ServiceStatusEntry> ServiceStatus => _ss;


    /// <summary>One manager round in the exact step order of crm-manager §5. <paramref name="managerLease"/>
    /// is the master's current hold on the manager lock: the status write and service stealing are
    /// conditional on it.</summary>
    public void ManageRound(LockLease managerLease)
    {
        _managerLease = managerLease;
        var nodeInfo = _node.Membership.GetNodeInfo();
        bool nodeListChanged = _ns.NodeListChanged(nodeInfo);
        var (released, holding) = ReadLrmStatuses();
        _ns.Update(nodeInfo, _lrmModes, released, holding);

        var localState = _ns.Get(_node.Name);
        if (localState != NodeState.Online && localState != NodeState.Maintenance)
        {
            _log.Write(LogLevel.Info, "master seems offline");
            return;
        }

        var settings = _node.Store.GetDatacenterSettings();
        _crs = Scheduling.CrsSettings.From(settings);
        _ns.Hardware.Refresh(FencingModes.Parse(settings.FencingMode), _ns.States.Values.Any(s => s is not (NodeState.Online or NodeState.Maintenance)));
        if (_crs.Mode != _schedulerMode)
        {
            _log.Write(LogLevel.Info, $"switching scheduler mode from '{_schedulerMode}' to '{_crs.Mode}'");
            _schedulerMode = _crs.Mode;
        }
        TryMigrateGroups(nodeInfo);

        _sc = _node.Store.ReadServiceConfig();
        ReadGroups();
        if (_disarm is null)
        {
            AddNewServices();
            RemoveStaleServices();
        }
        RebuildUsage();
        UpdateRules(nodeListChanged);
        ProcessCrmCommands();

        HashSet<string>? deferred = null;
        if (_disarm is not null)
        {
            if (!HandleDisarm(out deferred)) return;
        }
        else AutoRebalance();
        IsFullyDisarmed = false;

        RunServicePasses(deferred);
        WriteStatus();
    }

    /// <summary>Reads every LRM's mode and results; returns the nodes whose LRM reports its lock released for
    /// disarming and those whose LRM reports holding it.</summary>
    private (List<string> Released, List<string> Holding) ReadLrmStatuses()
    {
        var modes = new Dictionary<string, LrmMode>(StringComparer.Ordinal);
        var released = new List<string>();
        var holding = new List<string>();
        var results = new Dictionary<string, LrmResult>(StringComparer.Ordinal);
        foreach (var node in _ns.Nodes.ToList())
        {
            var lrm = _node.Store.ReadLrmStatus(node);
            foreach (var (uid, result) in lrm.Results) results.TryAdd(uid, result);
            var mode = LrmModes.Parse(lrm.Mode) ?? LrmMode.Active;
            modes[node] = mode;
            if (mode == LrmMode.Disarm && lrm.State == "wait_for_agent_lock") released.Add(node);
            if (lrm.State is "active" or "maintenance") holding.Add(node);
        }
        _lrmModes = modes;
        _results = results;
        return (released, holding);
    }

    private LrmMode LrmModeOf(string node) => _lrmModes.TryGetValue(node, out var mode) ? mode : LrmMode.Active;

    private void AddNewServices()
    {
        foreach (var (sid, cd) in _sc)
        {
            if (_ss.ContainsKey(sid) || cd.State == RequestedStates.Ignored) continue;
            _log.Write(LogLevel.Info, $"adding new service '{sid}' on node '{cd.Node}'");
            _ss[sid] = new ServiceStatusEntry
            {
                State = cd.State == RequestedStates.Started ? ServiceState.RequestStart : ServiceState.RequestStop,
                Node = cd.Node,
                Uid = _node.Uids.NewUid(),
            };
        }
    }

    private void RemoveStaleServices()
    {
        foreach (var sid in _ss.Keys.ToList())
        {
            string? reason = !_sc.TryGetValue(sid, out var cd) ? "no config"
                : cd.State == RequestedStates.Ignored ? "ignored state requested" : null;
            if (reason is null) continue;
            _log.Write(LogLevel.Info, $"removing stale service '{sid}' ({reason})");
            _ss.Remove(sid);
            _startFailedOn.Remove(sid);
        }
    }

    /// <summary>Round step 10: a fresh usage account for the online nodes.</summary>
    private void RebuildUsage()
    {
        var online = _ns.States.Where(kv => kv.Value == NodeState.Online).Select(kv => kv.Key).ToList();
        _usage = Scheduling.UsageBuilder.Build(_crs.Mode, online, _ss, _node.Store.GetServiceStats(),
            dynamic => dynamic ? _node.Store.GetDynamicNodeStats() : _node.Store.GetStaticNodeStats(), _log.Write);
    }

    private void WriteStatus()
    {
        var status = new ManagerStatus
        {
            MasterNode = _node.Name,
            NodeStatus = new SortedDictionary<string, NodeState>(
                _ns.States.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal),
            ServiceStatus = _ss,
            Timestamp = _node.Clock.WallSeconds,
            NodeRequest = _nodeRequest,
            Disarm = _disarm,
        };
        _node.Store.WriteManagerStatus(status, _managerLease);
    }

    /// <summary>The configuration the state machine sees for a service missing from SC (only possible
    /// while disarmed): requested state <c>disabled</c>.</summary>
    private ServiceConfigEntry ConfigOf(string sid, ServiceStatusEntry sd) =>
        _sc.TryGetValue(sid, out var cd) ? cd
            : new ServiceConfigEntry { Node = sd.Node, State = RequestedStates.Disabled, Type = ServiceId.TypeOf(sid) };

    /// <summary>
    /// The only way a service changes state (crm-manager §8.2): keeps node, failed nodes and maintenance
    /// node, drops every other field, applies the parameters, re-accounts usage, renews the uid and
    /// writes the one uniform log line.
    /// </summary>
    private void ChangeServiceState(string sid, ServiceStatusEntry sd, ServiceState next,
        string? node = null, string? target = null, string? timeout = null)
    {
        var old = sd.State;
        Invariant.Check(ServiceTransitions.IsAllowed(old, next),
            $"service '{sid}': transition {StateNames.Of(old)} -> {StateNames.Of(next)} is not in the table");
        sd.Command = null;
        sd.Target = null;
        sd.Timeout = null;
        sd.Running = false;
        sd.State = next;
        if (node is not null) sd.Node = node;
        sd.Target = target;
        sd.Timeout = timeout;

        _usage.RemoveServiceUsage(sid);
        Scheduling.UsageBuilder.Add(_usage, sid, sd);
        sd.Uid = _node.Uids.NewUid();

        var parameters = new List<string>(3);
        if (node is not null) parameters.Add($"node = {node}");
        if (target is not null) parameters.Add($"target = {target}");
        if (timeout is not null) parameters.Add($"timeout = {timeout}");
        string suffix = parameters.Count == 0 ? "" : $"  ({string.Join(", ", parameters)})";
        _log.Write(LogLevel.Info,
            $"service '{sid}': state changed from '{StateNames.Of(old)}' to '{StateNames.Of(next)}'{suffix}");
    }
}

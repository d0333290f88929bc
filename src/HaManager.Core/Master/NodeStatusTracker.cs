using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Core.Master;

/// <summary>
/// The master's node status machine (crm-manager §6): node states, the in-memory "last seen online"
/// times that implement the fence delay, and fencing by acquiring a node's agent lock.
/// <para>Transitions (pass 1, node online): unknown/gone → online; online → maintenance when its LRM
/// reports maintenance; maintenance → online when it no longer does; fence stays. Pass 2 (node not
/// online): online → unknown; maintenance → unknown unless the LRM still says maintenance;
/// unknown → gone when no longer a member; gone → deleted after an hour; fence stays.</para>
/// </summary>
public sealed class NodeStatusTracker
{
    private readonly HaNode _node;
    private readonly IHaLog _log;
    private readonly SortedDictionary<string, NodeState> _states;
    private readonly Dictionary<string, long> _lastOnline = new(StringComparer.Ordinal);

    private readonly HashSet<string> _reportedUnprotected = new(StringComparer.Ordinal);

    private readonly HashSet<string> _unprotected = new(StringComparer.Ordinal);

    /// <summary>Takes over the persisted node states of a previous master (timers start empty).</summary>
    public NodeStatusTracker(HaNode node, SortedDictionary<string, NodeState> persisted)
    {
        _node = node;
        _log = node.Log;
        _states = new SortedDictionary<string, NodeState>(persisted, StringComparer.Ordinal);
        Hardware = new HardwareFencing(node);
    }

    /// <summary>Fence devices and manual acknowledgements: the second way to prove a node dead.</summary>
    public HardwareFencing Hardware { get; }

    /// <summary>
    /// True iff the node's LRM released its agent lock and watchdog for disarming (it reported state
    /// <c>wait_for_agent_lock</c> in mode <c>disarm</c>) and has not reported holding its lock again since (state
    /// <c>active</c> or <c>maintenance</c>): it may run services unprotected and its free lock proves nothing. Such a
    /// node is never declared dead by timeout nor fenced by its lock; its services wait until it re-arms. Upstream
    /// lacks this: a node cut off while (or after) disarming was "fenced" through its released lock and its
    /// services started elsewhere while still running (found by the fuzzer). Re-armed means holding the lock, not
    /// merely reporting mode <c>active</c>: an LRM that has read <c>arm-ha</c> waits for its lock until the master
    /// unfreezes its services, and a chaos campaign on etcd showed a node cut off in that gap fenced through its
    /// still-released lock. The memory is this master's; a new master starts from the LRMs' reports.
    /// </summary>
    public bool IsUnprotected(string node) => _unprotected.Contains(node);

    /// <summary>The node status map (NS), ordinal by node.</summary>
    public IReadOnlyDictionary<string, NodeState> States => _states;

    /// <summary>The state of a node; <see cref="NodeState.Unknown"/> when absent.</summary>
    public NodeState Get(string node) => _states.TryGetValue(node, out var s) ? s : NodeState.Unknown;

    /// <summary>True iff the node is <see cref="NodeState.Online"/>.</summary>
    public bool IsOnline(string node) => Get(node) == NodeState.Online;

    /// <summary>Nodes in NS, ordinal.</summary>
    public IEnumerable<string> Nodes => _states.Keys;

    /// <summary>True iff the member list and NS differ (round step 2).</summary>
    public bool NodeListChanged(NodeInfo info) =>
        info.Online.Keys.Any(n => !_states.ContainsKey(n)) || _states.Keys.Any(n => !info.Online.ContainsKey(n));

    /// <summary>Round step 4: both passes of crm-manager §6.2.</summary>
    /// <param name="info">The cluster membership.</param>
    /// <param name="lrmModes">Each node's LRM mode as read this round.</param>
    /// <param name="released">Nodes whose LRM reports its lock released for disarming.</param>
    /// <param name="holding">Nodes whose LRM reports holding its lock (re-armed).</param>
    public void Update(NodeInfo info, IReadOnlyDictionary<string, LrmMode> lrmModes, IEnumerable<string>? released = null,
        IEnumerable<string>? holding = null)
    {
        _unprotected.UnionWith(released ?? []);
        _unprotected.ExceptWith(holding ?? []);
        _reportedUnprotected.IntersectWith(_unprotected);
        long now = _node.Clock.MonotonicSeconds;
        var online = info.Online.Where(kv => kv.Value).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
        foreach (var node in online)
        {
            _lastOnline[node] = now;
            // A node seen alive voids any confirmation that it is off (a stale acknowledgement must never
            // fence it after a later failure); forgetting only costs speed, the lock path stays.
            Hardware.Forget(node);
            bool maintenanceMode = ModeOf(lrmModes, node) == LrmMode.Maintenance;
            switch (Get(node))
            {
                case NodeState.Online when maintenanceMode: Set(node, NodeState.Maintenance); break;
                case NodeState.Unknown or NodeState.Gone: Set(node, NodeState.Online); break;
                case NodeState.Maintenance when !maintenanceMode: Set(node, NodeState.Online); break;
            }
        }

        var onlineSet = online.ToHashSet(StringComparer.Ordinal);
        foreach (var node in _states.Keys.Where(n => !onlineSet.Contains(n)).ToList())
        {
            switch (Get(node))
            {
                case NodeState.Online:
                    Set(node, NodeState.Unknown);
                    break;
                case NodeState.Maintenance when ModeOf(lrmModes, node) != LrmMode.Maintenance:
                    Set(node, NodeState.Unknown);
                    break;
                case NodeState.Unknown when !info.Online.ContainsKey(node):
                    Set(node, NodeState.Gone);
                    break;
                case NodeState.Gone when IsOfflineDelayed(node, Constants.GoneNodeForgetSeconds):
                    _states.Remove(node);
                    _lastOnline.Remove(node);
                    _log.Write(LogLevel.Notice, $"deleting gone node '{node}', not a cluster member anymore.");
                    break;
            }
        }
    }

    private static LrmMode ModeOf(IReadOnlyDictionary<string, LrmMode> modes, string node) =>
        modes.TryGetValue(node, out var mode) ? mode : LrmMode.Active;

    /// <summary>True iff the node has not been seen online for <paramref name="delay"/> seconds; the
    /// first call for a node never seen by this master arms the timer (crm-manager §6.3).</summary>
    public bool IsOfflineDelayed(string node, long? delay = null)
    {
        if (Get(node) == NodeState.Online) return false;
        if (delay is null && Hardware.ConfirmedBy(node) is not null) return true; // Confirmed off: nothing to wait for.
        // A node that has not re-armed may be running services without watchdog: it is never declared
        // dead by timeout; its services wait for it to rejoin (and re-arm) instead of being fenced.
        if (IsUnprotected(node)) return false;
        long now = _node.Clock.MonotonicSeconds;
        if (!_lastOnline.TryGetValue(node, out long last))
        {
            _lastOnline[node] = now;
            return false;
        }
        // A node a fence device can power off waits only the short hardware delay: the device, not its
        // watchdog, will prove it dead.
        long wait = delay ?? (Hardware.CanFence(node) ? _node.Budget.HardwareFenceDelaySeconds : _node.Budget.FenceDelaySeconds);
        return now - last >= wait;
    }

    /// <summary>Marks the node for fencing and tries to fence it: by taking its agent lock (crm-manager §6.4),
    /// or, once a fence device or an operator confirmed it off, by taking the lock over; otherwise the next
    /// fence level is started. True iff the node is now proven fenced.</summary>
    public bool FenceNode(string node)
    {
        if (Get(node) != NodeState.Fence)
        {
            Set(node, NodeState.Fence);
            _log.SendFenceNotification("FENCE", $"Try to fence node '{node}'", node);
        }
        string lockName = LockNames.Agent(node);
        if (IsUnprotected(node))
        {
            if (_reportedUnprotected.Add(node))
                _log.Write(LogLevel.Notice,
                    $"node '{node}' released its agent lock for disarming, its lock proves nothing - not fencing it until it holds its lock again");
        }
        else if (_node.Locks.TryAcquire(lockName) is not null)
            return Fenced(node, $"fencing: acknowledged - got agent lock for node '{node}'");

        // A powered-off node is dead whatever its lock says, also one that released its lock for disarming.
        if (Hardware.ConfirmedBy(node) is { } proof)
        {
            if (_node.Locks.TakeOver(lockName) is null) return false;
            return Fenced(node, $"fencing: acknowledged - node '{node}' is off ({proof}), took over its agent lock");
        }
        Hardware.Drive(node);
        return false;
    }

    private bool Fenced(string node, string acknowledged)
    {
        _log.Write(LogLevel.Info, acknowledged);
        Set(node, NodeState.Unknown);
        _log.SendFenceNotification("SUCCEED", acknowledged, node);
        Hardware.Forget(node);
        return true;
    }

    private void Set(string node, NodeState state)
    {
        var old = Get(node);
        Invariant.Check(old == state || NodeTransitions.IsAllowed(old, state),
            $"node '{node}': transition {StateNames.Of(old)} -> {StateNames.Of(state)} is not in the table");
        _states[node] = state;
        if (old == state) return;
        _log.Write(LogLevel.Info,
            $"node '{node}': state changed from '{StateNames.Of(old)}' => '{StateNames.Of(state)}'");
    }
}

using System.Globalization;
using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Core.Master;

// CRM command processing (crm-manager §7) and disarm handling (§10).
public sealed partial class Manager
{
    private void ProcessCrmCommands()
    {
        string text = _node.Store.ReadCrmCommands();
        if (text.Length == 0) return;
        var lines = text.Split('\n');
        // The queue text ends with a newline: the empty element after it is not a command.
        int count = lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (int i = 0; i < count; i++) ProcessCrmCommand(lines[i]);
    }

    private void ProcessCrmCommand(string line)
    {
        switch (CrmCommand.Parse(line))
        {
            case CrmCommand.Migrate c: ProcessMotionCommand(line, "migrate", c.Sid, c.Target); break;
            case CrmCommand.Relocate c: ProcessMotionCommand(line, "relocate", c.Sid, c.Target); break;
            case CrmCommand.Stop c:
                if (_ss.TryGetValue(c.Sid, out var sd))
                {
                    _log.Write(LogLevel.Info, $"got crm command: {line}");
                    sd.Command = new QueuedCommand("stop", c.Timeout);
                }
                else _log.Write(LogLevel.Err, $"crm command error - no such service: {line}");
                break;
            case CrmCommand.EnableNodeMaintenance c: EnableNodeMaintenance(line, c.Node); break;
            case CrmCommand.DisableNodeMaintenance c: DisableNodeMaintenance(c.Node); break;
            case CrmCommand.DisarmHa c: ProcessDisarmCommand(c.Mode); break;
            case CrmCommand.ArmHa: ProcessArmCommand(); break;
            case CrmCommand.FenceAck c: AcknowledgeFence(line, c); break;
            default: _log.Write(LogLevel.Err, $"unable to parse crm command: {line}"); break;
        }
    }

    /// <summary>An operator's word that a node is off (issue "fencing you can trust"): accepted for a node
    /// that is not online and whose agent lock was not renewed after the word was given.</summary>
    private void AcknowledgeFence(string line, CrmCommand.FenceAck c)
    {
        var state = _ns.Get(c.Node);
        if (!_ns.States.ContainsKey(c.Node) || state is NodeState.Online or NodeState.Maintenance)
        {
            _log.Write(LogLevel.Err, $"crm command error - node '{c.Node}' is {StateNames.Of(state)}, not failed: {line}");
            return;
        }
        if (_node.Locks.RenewedSecondsAgo(LockNames.Agent(c.Node)) is { } ago && _node.Clock.WallSeconds - ago is var renewed
            && renewed > c.RequestedAt)
        {
            _log.Write(LogLevel.Err,
                $"refusing fence-ack for node '{c.Node}' - its agent lock was renewed at {renewed}, after the acknowledgement "
                + $"at {c.RequestedAt}: the node is alive");
            return;
        }
        _log.Write(LogLevel.Notice, $"got crm command: {line} - {c.User} acknowledged node '{c.Node}' off");
        _ns.Hardware.Acknowledge(c.Node, c.User);
    }

    private void ProcessMotionCommand(string line, string task, string sid, string target)
    {
        if (!_ss.TryGetValue(sid, out var sd)) _log.Write(LogLevel.Err, $"crm command error - no such service: {line}");
        else if (!_ns.IsOnline(target)) _log.Write(LogLevel.Err, $"crm command error - node not online: {line}");
        else if (sd.Node == target)
            _log.Write(LogLevel.Info, $"ignore crm command - service already on target node: {line}");
        else QueueResourceMotion(line, task, sid, target);
    }

    /// <summary>Queues a migrate/relocate for a service and its positive partners, unless a negative
    /// partner sits on or moves to the target (crm-manager §7.1). Shared with automatic rebalancing.</summary>
    private void QueueResourceMotion(string line, string task, string sid, string target)
    {
        foreach (var other in _rules.GetNegativePartners(sid))
        {
            if (!_ss.TryGetValue(other, out var osd)) continue;
            if (osd.Node != target || (osd.Target is not null && osd.Target != target)) continue;
            _log.Write(LogLevel.Err,
                $"crm command '{line}' error - service '{other}' on node '{target}' in negative affinity with service '{sid}'");
            return;
        }

        _log.Write(LogLevel.Info, $"got crm command: {line}");
        _ss[sid].Command = new QueuedCommand(task, target);

        foreach (var other in _rules.GetPositivePartners(sid))
        {
            if (!_ss.TryGetValue(other, out var osd) || osd.Node == target || osd.Target == target) continue;
            _log.Write(LogLevel.Info,
                $"crm command '{line}' - {task} service '{other}' to node '{target}' (service '{other}' in positive affinity with service '{sid}')");
            osd.Command = new QueuedCommand(task, target);
        }
    }

    private void EnableNodeMaintenance(string line, string node)
    {
        if (_disarm is not null)
        {
            _log.Write(LogLevel.Warning, $"ignoring maintenance command for node {node} - HA stack is disarmed");
            return;
        }
        switch (_ns.Get(node))
        {
            case NodeState.Online:
                _nodeRequest ??= new SortedDictionary<string, bool>(StringComparer.Ordinal);
                _nodeRequest[node] = true;
                break;
            case NodeState.Maintenance:
                _log.Write(LogLevel.Info, $"ignoring crm command - node {node} is already in maintenance state");
                break;
            default:
                _log.Write(LogLevel.Err, $"crm command error - node not online: {line}");
                break;
        }
    }

    private void DisableNodeMaintenance(string node)
    {
        var state = _ns.Get(node);
        if (state != NodeState.Maintenance)
            _log.Write(LogLevel.Warning,
                $"clearing maintenance of node {node} requested, but it's in state {StateNames.Of(state)}");
        _nodeRequest ??= new SortedDictionary<string, bool>(StringComparer.Ordinal);
        _nodeRequest[node] = false;
    }

    private void ProcessDisarmCommand(DisarmMode mode)
    {
        if (_disarm is not null)
        {
            _log.Write(LogLevel.Notice, $"ignoring disarm-ha command - already in disarm state ({_disarm.State})");
            return;
        }
        string word = DisarmModes.Name(mode);
        _log.Write(LogLevel.Info, $"got crm command: disarm-ha {word}");
        if (mode == DisarmMode.Ignore)
            foreach (var sid in _ss.Keys)
                _log.Write(LogLevel.Info, $"disarm: suspending HA tracking for service '{sid}'");
        _disarm = new DisarmInfo(word, DisarmInfo.Disarming);
    }

    private void ProcessArmCommand()
    {
        if (_disarm is null)
        {
            _log.Write(LogLevel.Notice, "ignoring arm-ha command - HA stack is not disarmed");
            return;
        }
        _log.Write(LogLevel.Info, "got crm command: arm-ha");
        if (_disarm.KnownMode == DisarmMode.Ignore)
        {
            var config = _node.Store.ReadServiceConfig();
            foreach (var (sid, sd) in _ss)
            {
                if (!config.TryGetValue(sid, out var cd) || cd.Node == sd.Node) continue;
                _log.Write(LogLevel.Info, $"service '{sid}': updating node '{sd.Node}' => '{cd.Node}' (changed while disarmed)");
                sd.Node = cd.Node;
            }
        }
        _disarm = null;
    }

    /// <summary>Round step 13 while disarmed (crm-manager §10). Returns false when the round ends here;
    /// otherwise <paramref name="deferred"/> holds the services still to be handled before disarming.</summary>
    private bool HandleDisarm(out HashSet<string>? deferred)
    {
        deferred = null;
        var disarm = _disarm!;
        if (disarm.KnownMode is null)
        {
            _log.Write(LogLevel.Err, $"unknown disarm-mode '{disarm.Mode}', ignoring");
            return false;
        }

        var waitFor = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (sid, sd) in _ss)
        {
            // A rebalance-on-start move is a relocation in progress too: pruning its target would leave
            // request_start_balance without target, which the LRM can only fail (found by the fuzzer).
            if (sd.State is not (ServiceState.Fence or ServiceState.Recovery or ServiceState.Migrate or ServiceState.Relocate
                    or ServiceState.RequestStartBalance))
                continue;
            var level = sd.State is ServiceState.Fence or ServiceState.Recovery ? LogLevel.Warning : LogLevel.Info;
            _log.Write(level, $"deferring disarm - service '{sid}' is in '{StateNames.Of(sd.State)}' state");
            waitFor.Add(sid);
        }
        if (waitFor.Count > 0)
        {
            deferred = waitFor;
            return true;
        }

        foreach (var (sid, sd) in _ss)
        {
            bool freeze = disarm.KnownMode == DisarmMode.Freeze && sd.State is ServiceState.Started or ServiceState.Stopped
                or ServiceState.RequestStop or ServiceState.RequestStart or ServiceState.RequestStartBalance;
            if (freeze) _log.Write(LogLevel.Info, $"disarm: freezing service '{sid}' (was '{StateNames.Of(sd.State)}')");
            // Prune runtime data: only state, node, uid and maintenance node survive.
            sd.Target = null;
            sd.Timeout = null;
            sd.Command = null;
            sd.FailedNodes = null;
            sd.Running = false;
            if (freeze)
            {
                sd.State = ServiceState.Freeze;
                sd.Uid = _node.Uids.NewUid();
            }
        }

        bool allDisarmed = _ns.States.Where(kv => kv.Value == NodeState.Online)
            .All(kv => LrmModeOf(kv.Key) == LrmMode.Disarm && _lrmModes.ContainsKey(kv.Key));
        if (allDisarmed && disarm.State != DisarmInfo.Disarmed)
        {
            _log.Write(LogLevel.Info, "all LRMs disarmed, HA stack is now fully disarmed");
            _disarm = disarm with { State = DisarmInfo.Disarmed };
        }
        IsFullyDisarmed = _disarm!.State == DisarmInfo.Disarmed;
        WriteStatus();
        return false;
    }

    private static bool IsZero(string timeout) =>
        double.TryParse(timeout, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value == 0;
}

using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Core.Master;

// The service state machine (crm-manager §8): one handler per state, the restart-freeze rule and
// the fencing section, repeated until a pass changes nothing.
public sealed partial class Manager
{
    private void RunServicePasses(HashSet<string>? deferred)
    {
        for (int pass = 0; ; pass++)
        {
            Invariant.Check(pass < MaxPassesPerRound, $"service state machine did not settle after {pass} passes");
            bool changed = false;
            foreach (var sid in _ss.Keys.ToList())
            {
                if (deferred is not null && !deferred.Contains(sid)) continue;
                if (!_ss.TryGetValue(sid, out var sd)) continue;
                var before = sd.State;
                var cd = ConfigOf(sid, sd);
                LrmResult? res = _results.TryGetValue(sd.Uid, out var r) ? r : null;
                Step(sid, sd, cd, res);

                // Restart-freeze rule: a node whose LRM restarts keeps its services where they are.
                if (LrmModeOf(sd.Node) == LrmMode.Restart
                    && sd.State is ServiceState.Started or ServiceState.Stopped or ServiceState.RequestStop)
                    ChangeServiceState(sid, sd, ServiceState.Freeze);
                changed |= sd.State != before;
            }
            changed |= RunFencing();
            if (!changed) return;
        }
    }

    private void Step(string sid, ServiceStatusEntry sd, ServiceConfigEntry cd, LrmResult? res)
    {
        switch (sd.State)
        {
            case ServiceState.RequestStart: NextFromRequestStart(sid, sd, cd); break;
            case ServiceState.Started: NextFromStarted(sid, sd, cd, res); break;
            case ServiceState.RequestStop: NextFromRequestStop(sid, sd, res); break;
            case ServiceState.Stopped: NextFromStopped(sid, sd, cd); break;
            case ServiceState.Migrate or ServiceState.Relocate or ServiceState.RequestStartBalance:
                NextFromMove(sid, sd, cd, res);
                break;
            case ServiceState.Freeze: NextFromFreeze(sid, sd, cd); break;
            case ServiceState.Error: NextFromError(sid, sd, cd); break;
            case ServiceState.Recovery: NextFromRecovery(sid, sd, cd); break;
            case ServiceState.Fence: break; // Handled by the fencing section.
        }
    }

    private bool RunFencing()
    {
        bool changed = false;
        var fenced = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (sid, sd) in _ss.ToList())
        {
            if (sd.State != ServiceState.Fence) continue;
            if (!fenced.TryGetValue(sd.Node, out bool ok)) fenced[sd.Node] = ok = _ns.FenceNode(sd.Node);
            if (!ok) continue;
            ChangeServiceState(sid, sd, ServiceState.Recovery);
            changed = true;
        }
        foreach (var (node, state) in _ns.States.ToList())
        {
            if (state != NodeState.Fence || fenced.ContainsKey(node)) continue;
            _log.Write(LogLevel.Notice, $"node '{node}' in fence state but no services to-fence! admin interference?!");
            changed |= _ns.FenceNode(node);
        }
        return changed;
    }

    private string? SelectNode(string sid, ServiceStatusEntry sd, ServiceConfigEntry cd, SelectionPreference preference) =>
        NodeSelection.Select(sid, sd, cd.Failback, preference, _usage, _rules, _ss);

    // §8.3
    private void NextFromRequestStart(string sid, ServiceStatusEntry sd, ServiceConfigEntry cd)
    {
        // With no node to choose (e.g. only a strict rule's offline nodes) upstream moves the service to
        // request_start_balance with an empty target, which the LRM rejects (crm-manager open question 5);
        // it starts on its current node instead, as without rebalance-on-start (found by the fuzzer).
        if (_crs.RebalanceOnStart && SelectNode(sid, sd, cd, SelectionPreference.BestScore) is { } selected)
        {
            bool isNew = selected != sd.Node;
            _log.Write(LogLevel.Info,
                $"service {sid}: re-balance selected {(isNew ? "new" : "current")} node {selected} for startup");
            if (isNew)
            {
                ChangeServiceState(sid, sd, ServiceState.RequestStartBalance, node: sd.Node, target: selected);
                return;
            }
        }
        ChangeServiceState(sid, sd, ServiceState.Started, node: sd.Node);
    }

    // §8.4
    private void NextFromStopped(string sid, ServiceStatusEntry sd, ServiceConfigEntry cd)
    {
        if (sd.Node != cd.Node)
        {
            _log.Write(LogLevel.Info, $"fixup service '{sid}' location ({sd.Node} => {cd.Node})");
            sd.Node = cd.Node;
        }
        if (sd.Command is { } cmd)
        {
            sd.Command = null;
            if (cmd.Verb is "migrate" or "relocate")
            {
                // Stopped services just move; no "migrate service" line (test-service-stopped3).
                if (TryStartQueuedMotion(sid, sd, cmd, announce: false)) return;
            }
            else if (cmd.Verb == "stop")
                _log.Write(LogLevel.Info, $"ignore service '{sid}' stop request - service already stopped");
            else _log.Write(LogLevel.Err, $"unknown command '{cmd.Verb}' for service '{sid}'");
        }

        if (cd.State == RequestedStates.Disabled) return;
        if (_ns.IsOfflineDelayed(sd.Node) && _ns.Get(sd.Node) != NodeState.Maintenance)
        {
            ChangeServiceState(sid, sd, ServiceState.Fence);
            return;
        }
        if (cd.State == RequestedStates.Stopped) return;
        if (cd.State == RequestedStates.Started)
        {
            ChangeServiceState(sid, sd, ServiceState.RequestStart, node: sd.Node);
            return;
        }
        _log.Write(LogLevel.Err, $"service '{sid}' - unknown state '{cd.State}' in service configuration");
    }

    // §8.5
    private void NextFromRequestStop(string sid, ServiceStatusEntry sd, LrmResult? res)
    {
        if (res is not null)
        {
            if (res.ExitCode == ExitCodes.Success) ChangeServiceState(sid, sd, ServiceState.Stopped);
            else
            {
                _log.Write(LogLevel.Err, $"service '{sid}' stop failed (exit code {res.ExitCode})");
                ChangeServiceState(sid, sd, ServiceState.Error);
            }
            return;
        }
        if (_ns.IsOfflineDelayed(sd.Node)) ChangeServiceState(sid, sd, ServiceState.Fence);
    }

    // §8.6: migrate, relocate and request_start_balance.
    private void NextFromMove(string sid, ServiceStatusEntry sd, ServiceConfigEntry cd, LrmResult? res)
    {
        var onArrival = cd.State == RequestedStates.Started ? ServiceState.Started : ServiceState.RequestStop;
        if (res is not null)
        {
            switch (res.ExitCode)
            {
                case ExitCodes.Success:
                    ChangeServiceState(sid, sd, onArrival, node: sd.Target);
                    return;
                case ExitCodes.WrongNode:
                    _log.Write(LogLevel.Err, $"service '{sid}' - migration failed: service registered on wrong node!");
                    ChangeServiceState(sid, sd, ServiceState.Error);
                    break;
                case ExitCodes.Ignored:
                    _log.Write(LogLevel.Info,
                        $"service '{sid}' - rebalance-on-start request ignored - service already running");
                    ChangeServiceState(sid, sd, onArrival, node: sd.Node);
                    break;
                default:
                    _log.Write(LogLevel.Err, $"service '{sid}' - migration failed (exit code {res.ExitCode})");
                    ChangeServiceState(sid, sd, onArrival, node: sd.Node);
                    return;
            }
        }
        if (_ns.IsOfflineDelayed(sd.Node)) ChangeServiceState(sid, sd, ServiceState.Fence);
    }

    // §8.7
    private void NextFromStarted(string sid, ServiceStatusEntry sd, ServiceConfigEntry cd, LrmResult? res)
    {
        if (!_ns.IsOnline(sd.Node))
        {
            if (_ns.IsOfflineDelayed(sd.Node)) ChangeServiceState(sid, sd, ServiceState.Fence);
            if (_ns.Get(sd.Node) != NodeState.Maintenance) return;
            // A node in maintenance that went away: its services are fenced and sent on at once.
            sd.MaintenanceNode = sd.Node;
        }

        if (cd.State is RequestedStates.Disabled or RequestedStates.Stopped)
        {
            ChangeServiceState(sid, sd, ServiceState.RequestStop);
            return;
        }
        if (cd.State != RequestedStates.Started)
        {
            _log.Write(LogLevel.Err, $"service '{sid}' - unknown state '{cd.State}' in service configuration");
            return;
        }

        if (sd.Command is { } cmd)
        {
            ExecuteQueuedCommand(sid, sd, cmd);
            return;
        }

        var preference = SelectionPreference.None;
        if (res is not null)
        {
            if (res.ExitCode == ExitCodes.Success)
            {
                if (sd.FailedNodes is not null)
                    _log.Write(LogLevel.Info,
                        $"relocation policy successful for '{sid}' on node '{sd.Node}', failed nodes: {string.Join(", ", sd.FailedNodes)}");
                sd.FailedNodes = null;
                sd.Running = true;
            }
            else if (res.ExitCode is ExitCodes.Error or ExitCodes.WrongNode)
            {
                RememberStartFailure(sid, sd.Node);
                sd.Running = false;
                (sd.FailedNodes ??= []).Add(sd.Node);
                if (sd.FailedNodes.Count <= cd.MaxRelocate)
                {
                    preference = SelectionPreference.TryNext;
                    _log.Write(LogLevel.Warning, $"starting service {sid} on node '{sd.Node}' failed, relocating service.");
                }
                else
                {
                    _log.Write(LogLevel.Err,
                        $"recovery policy for service {sid} failed, entering error state. Failed nodes: {string.Join(", ", sd.FailedNodes)}");
                    ChangeServiceState(sid, sd, ServiceState.Error);
                    return;
                }
            }
            else
            {
                (sd.FailedNodes ??= []).Add(sd.Node);
                _log.Write(LogLevel.Err, $"service '{sid}' got unrecoverable error (exit code {res.ExitCode})");
                ChangeServiceState(sid, sd, ServiceState.Error);
                return;
            }
        }

        string? selected = SelectNode(sid, sd, cd, preference);
        if (selected is not null && selected != sd.Node)
        {
            if (sd.MaintenanceNode is { } fallback)
            {
                if (selected == fallback)
                {
                    _log.Write(LogLevel.Info, $"moving service '{sid}' back to '{selected}', node came back from maintenance.");
                    sd.MaintenanceNode = null;
                }
                else if (sd.Node != fallback)
                {
                    _log.Write(LogLevel.Info, $"dropping maintenance fallback node '{fallback}' for '{sid}'");
                    sd.MaintenanceNode = null;
                }
            }
            MoveTo(sid, sd, selected);
            return;
        }

        if (preference == SelectionPreference.TryNext && selected is null)
            _log.Write(LogLevel.Warning,
                $"Start Error Recovery: Tried all available nodes for service '{sid}', retry start on current node. Tried nodes: {string.Join(", ", sd.FailedNodes!)}");
        if (sd.MaintenanceNode is not null && sd.MaintenanceNode == sd.Node && _ns.IsOnline(sd.Node))
        {
            _log.Write(LogLevel.Info, $"service '{sid}': clearing stale maintenance node '{sd.Node}' setting (is current node)");
            sd.MaintenanceNode = null;
        }
        // A consumed result gets a fresh request so the LRM checks the service again next round.
        if (res is not null) sd.Uid = _node.Uids.NewUid();
    }

    /// <summary>Moves a started service on the CRM's own decision: VMs migrate live, everything else
    /// relocates (stop, move, start).</summary>
    private void MoveTo(string sid, ServiceStatusEntry sd, string target)
    {
        if (ServiceId.TypeOf(sid) == "vm")
        {
            _log.Write(LogLevel.Info, $"migrate service '{sid}' to node '{target}' (running)");
            ChangeServiceState(sid, sd, ServiceState.Migrate, node: sd.Node, target: target);
        }
        else
        {
            _log.Write(LogLevel.Info, $"relocate service '{sid}' to node '{target}'");
            ChangeServiceState(sid, sd, ServiceState.Relocate, node: sd.Node, target: target);
        }
    }

    /// <summary>Starts a queued migrate/relocate unless its target is offline or already the service's
    /// node (both logged). True iff the service changed state.</summary>
    private bool TryStartQueuedMotion(string sid, ServiceStatusEntry sd, QueuedCommand cmd, bool announce)
    {
        string target = cmd.Argument;
        if (!_ns.IsOnline(target))
        {
            _log.Write(LogLevel.Err, $"ignore service '{sid}' {cmd.Verb} request - node '{target}' not online");
            return false;
        }
        if (target == sd.Node)
        {
            _log.Write(LogLevel.Info, $"ignore service '{sid}' {cmd.Verb} request - service already on node '{target}'");
            return false;
        }
        if (announce) _log.Write(LogLevel.Info, $"{cmd.Verb} service '{sid}' to node '{target}'");
        ChangeServiceState(sid, sd, cmd.Verb == "migrate" ? ServiceState.Migrate : ServiceState.Relocate,
            node: sd.Node, target: target);
        return true;
    }

    private void ExecuteQueuedCommand(string sid, ServiceStatusEntry sd, QueuedCommand cmd)
    {
        sd.Command = null;
        switch (cmd.Verb)
        {
            case "migrate" or "relocate":
                TryStartQueuedMotion(sid, sd, cmd, announce: true);
                break;
            case "stop":
                string timeout = cmd.Argument;
                _log.Write(LogLevel.Info, IsZero(timeout)
                    ? $"request immediate service hard-stop for service '{sid}'"
                    : $"request graceful stop with timeout '{timeout}' for service '{sid}'");
                ChangeServiceState(sid, sd, ServiceState.RequestStop, timeout: timeout);
                // Persist the stop so that the service stays stopped.
                _node.Store.UpdateServiceConfig(new Dictionary<string, ServiceConfigChange>(StringComparer.Ordinal)
                {
                    [sid] = new(new Dictionary<string, string> { ["state"] = RequestedStates.Stopped }, []),
                });
                break;
            default:
                _log.Write(LogLevel.Err, $"unknown command '{cmd.Verb}' for service '{sid}'");
                break;
        }
    }

    // §8.8
    private void NextFromFreeze(string sid, ServiceStatusEntry sd, ServiceConfigEntry cd)
    {
        if (LrmModeOf(sd.Node) != LrmMode.Active) return;
        // Only where the LRM can take the service over now: a node the master does not see online may have
        // written its status (on etcd, its presence lags its writes) but is about to be fenced, and a service
        // unfrozen there goes straight to 'fence' (a chaos campaign's finding; frozen services never fence).
        if (_ns.Get(sd.Node) is not (NodeState.Online or NodeState.Maintenance)) return;
        ChangeServiceState(sid, sd, cd.State == RequestedStates.Started ? ServiceState.Started : ServiceState.RequestStop);
    }

    private void NextFromError(string sid, ServiceStatusEntry sd, ServiceConfigEntry cd)
    {
        if (cd.State != RequestedStates.Disabled) return;
        sd.FailedNodes = null;
        ChangeServiceState(sid, sd, ServiceState.Stopped);
    }

    private void NextFromRecovery(string sid, ServiceStatusEntry sd, ServiceConfigEntry cd)
    {
        string fenced = sd.Node;
        if (!_sc.ContainsKey(sid))
        {
            // Deleted while disarmed (stale services are kept then): there is no configuration to move.
            // It reads as disabled, so it is simply stopped where it was (found by the fuzzer; upstream
            // fails stealing a configuration that does not exist).
            sd.FailedNodes = null;
            ChangeServiceState(sid, sd, ServiceState.Stopped);
            return;
        }
        string? recoveryNode = SelectNode(sid, sd, cd, SelectionPreference.BestScore);
        if (recoveryNode is null)
        {
            _log.Write(LogLevel.Err,
                $"recovering service '{sid}' from fenced node '{fenced}' failed, no recovery node found");
            if (cd.State == RequestedStates.Disabled)
            {
                sd.FailedNodes = null;
                ChangeServiceState(sid, sd, ServiceState.Stopped);
            }
            return;
        }

        _log.Write(LogLevel.Info, recoveryNode == fenced
            ? $"recover service '{sid}' to previous failed and fenced node '{fenced}' again"
            : $"recover service '{sid}' from fenced node '{fenced}' to node '{recoveryNode}'");
        string? removed = _node.Agents.For(ServiceId.TypeOf(sid))?.RemoveLocks(sid, RemovableLocks);
        if (removed is not null)
            _log.Write(LogLevel.Warning, $"removed leftover lock '{removed}' from recovered service '{sid}' to allow its start.");
        _node.Store.StealService(sid, fenced, recoveryNode, _managerLease);
        sd.Node = recoveryNode;
        cd.Node = recoveryNode;
        ChangeServiceState(sid, sd, cd.State == RequestedStates.Started ? ServiceState.Started : ServiceState.RequestStop,
            node: recoveryNode);
    }
}

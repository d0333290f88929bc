using HaManager.Core.Model;

namespace HaManager.Simulator.Fuzzing;

/// <summary>A broken safety or liveness property.</summary>
/// <param name="Invariant">Short name: <c>single-runner</c>, <c>start-needs-lock</c>, <c>fence-before-recovery</c>,
/// <c>status-well-formed</c>, <c>liveness</c> or <c>simulation-error</c>.</param>
/// <param name="Time">Simulated time.</param>
/// <param name="Detail">What was seen.</param>
public sealed record Violation(string Invariant, long Time, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Invariant} at {Time}: {Detail}";
}

/// <summary>
/// Checks the fuzzer's invariants while a simulation runs (after every daemon slot, at every start, at
/// every recovery and at every manager status write) and liveness at the end. Also expands the heal
/// marker into the commands that bring every node back.
/// </summary>
public sealed class InvariantChecker : ISimulationObserver
{
    /// <summary>The first violation seen; later ones are ignored.</summary>
    public Violation? Violation { get; private set; }

    private void Fail(Simulation sim, string invariant, string detail) =>
        Violation ??= new Violation(invariant, sim.Cluster.Time, detail);

    /// <inheritdoc/>
    public IReadOnlyList<string> BeforeBatch(Simulation simulation, int index, IReadOnlyList<string> batch) =>
        batch.Count == 1 && batch[0] == FuzzCase.HealMarker ? HealCommands(simulation.Cluster) : batch;

    /// <summary>Commands that undo every fault as the cluster stands: power nodes on (power-cycling one
    /// whose daemons are gone or that is mid-shutdown), restore network and cluster file system, lift
    /// maintenance and disarm, and unlock services.</summary>
    public static List<string> HealCommands(SimCluster cluster)
    {
        var commands = new List<string>();
        foreach (var node in cluster.Nodes)
        {
            if (!node.Power) commands.Add($"power {node.Name} on");
            else if (node.ShutdownFlag is not null || node.Crm is null || node.Lrm is null)
            {
                commands.Add($"power {node.Name} off");
                commands.Add($"power {node.Name} on");
            }
            else
            {
                if (!node.Network) commands.Add($"network {node.Name} on");
                if (!node.CfsRw) commands.Add($"cfs {node.Name} rw work");
                if (!node.CfsUpdate) commands.Add($"cfs {node.Name} update work");
            }
        }
        // Requests still queued count too: a disarm or maintenance request processed after the heal
        // would otherwise outlive it.
        var status = cluster.ReadManagerStatus();
        string queued = cluster.CrmCommands;
        foreach (var node in cluster.Nodes)
            if (status.IsMaintenanceRequested(node.Name) || queued.Contains($"enable-node-maintenance {node.Name}\n", StringComparison.Ordinal))
                commands.Add($"crm {node.Name} disable-node-maintenance");
        if (status.Disarm is not null || queued.Contains("disarm-ha", StringComparison.Ordinal))
            commands.Add($"crm {cluster.Nodes[0].Name} arm-ha");
        foreach (var sid in cluster.ServiceConfig.Sids.Order(StringComparer.Ordinal))
            if (cluster.ServiceConfig.Get(sid, "lock") is not null) commands.Add($"service {sid} unlock");
        if (commands.Count == 0) commands.Add("delay 0");
        return commands;
    }

    // (sid, node) → the node's power-off count when the service was last seen running there.
    private readonly Dictionary<(string Sid, string Node), int> _ranAtPowerCycle = [];

    /// <inheritdoc/>
    public void AfterSlot(Simulation simulation)
    {
        foreach (var node in simulation.Cluster.Nodes)
            foreach (var (sid, running) in node.RunningServices)
                if (running) _ranAtPowerCycle[(sid, node.Name)] = node.PowerOffCount;

        // 1. No service runs on two nodes.
        var runners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in simulation.Cluster.Nodes)
            foreach (var (sid, running) in node.RunningServices)
            {
                if (!running) continue;
                if (runners.TryGetValue(sid, out var other))
                    Fail(simulation, "single-runner", $"{sid} runs on {other} and {node.Name}");
                else runners[sid] = node.Name;
            }
    }

    /// <inheritdoc/>
    public void ServiceStarting(Simulation simulation, SimNode node, string sid)
    {
        // 2. Only a node that holds its agent lock and has an armed watchdog starts services.
        var cluster = simulation.Cluster;
        string? holder = cluster.LockHolder($"ha_agent_{node.Name}_lock", cluster.Time);
        if (holder != node.Name)
            Fail(simulation, "start-needs-lock", $"{node.Name} starts {sid} while its agent lock is held by {holder ?? "nobody"}");
        else if (!cluster.HasLiveWatchdog(node))
            Fail(simulation, "start-needs-lock", $"{node.Name} starts {sid} without an armed watchdog");
    }

    /// <inheritdoc/>
    public void ServiceStolen(Simulation simulation, string sid, string fromNode, string toNode)
    {
        // 3. A service leaves a failed node only once that node is fenced: it was reset (watchdog or power)
        // after it last ran the service, or it holds neither its agent lock nor an armed watchdog.
        if (fromNode == toNode) return;
        var cluster = simulation.Cluster;
        var from = cluster.NodeByName(fromNode);
        bool resetSinceRunning = !_ranAtPowerCycle.TryGetValue((sid, fromNode), out int cycle) || from.PowerOffCount > cycle;
        if (from.RunningServices.TryGetValue(sid, out bool running) && running)
            Fail(simulation, "fence-before-recovery", $"{sid} recovered to {toNode} while still running on {fromNode}");
        else if (!resetSinceRunning && from.Power && cluster.HasLiveWatchdog(from)
                 && cluster.LockHolder($"ha_agent_{fromNode}_lock", cluster.Time) == fromNode)
            Fail(simulation, "fence-before-recovery", $"{sid} recovered to {toNode} while {fromNode}, which ran it, is alive with its agent lock");
    }

    private HashSet<string> _lastTracked = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public void ManagerStatusWritten(Simulation simulation, SimEnvironment writer, ManagerStatus status)
    {
        // 4. Every service has a state on an existing node, and no configured service is lost: a service
        // leaves the manager status only when its configuration is gone or it is requested ignored.
        var cluster = simulation.Cluster;
        foreach (var (sid, sd) in status.ServiceStatus)
        {
            if (!cluster.HasNode(sd.Node)) Fail(simulation, "status-well-formed", $"{sid} is on unknown node '{sd.Node}'");
            if (sd.Target is { } t && !cluster.HasNode(t)) Fail(simulation, "status-well-formed", $"{sid} targets unknown node '{t}'");
            if (sd.Uid.Length == 0) Fail(simulation, "status-well-formed", $"{sid} has no request uid");
            if (sd.State is ServiceState.Migrate or ServiceState.Relocate or ServiceState.RequestStartBalance && sd.Target is null)
                Fail(simulation, "status-well-formed", $"{sid} is in {StateNames.Of(sd.State)} without target");
        }
        foreach (var sid in _lastTracked)
            if (!status.ServiceStatus.ContainsKey(sid) && cluster.ServiceConfig.Contains(sid)
                && cluster.ServiceConfig.Get(sid, "state") != "ignored")
                Fail(simulation, "status-well-formed", $"configured service {sid} was dropped from the manager status");
        _lastTracked = status.ServiceStatus.Keys.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>5. After the heal and the run's tail (longer than <see cref="LivenessBoundSeconds"/>), every
    /// service requested started and not in error is started and running on its node.</summary>
    public void CheckLiveness(Simulation simulation)
    {
        if (!simulation.EndedNormally)
        {
            Fail(simulation, "simulation-error", simulation.FatalError ?? "run did not end");
            return;
        }
        var cluster = simulation.Cluster;
        var status = cluster.ReadManagerStatus();
        var config = cluster.ReadServiceConfig();
        var nodes = cluster.Nodes.Select(n => n.Name).ToList();
        var rules = HaManager.Core.Rules.RuleCompiler.Run(HaManager.Core.Formats.RulesConfig.Parse(cluster.RulesConfig), nodes).Compiled;
        foreach (var (sid, cd) in config)
        {
            if (cd.State != RequestedStates.Started) continue;
            // Rules may leave a service nowhere to go (strictly bound to nodes its negative partners
            // occupy): that is the configuration's verdict, not a liveness failure of the HA stack.
            bool strict = rules.NodeAffinity.TryGetValue(sid, out var allowed) && allowed.Count < nodes.Count;
            if (strict || rules.NegativeOf(sid).Count > 0) continue;
            // Positive partners that keep failing to start or move (the simulator's `fa:` resources fail
            // again after every success) pull each other from node to node for ever, in upstream too:
            // the rule and the resources' verdict, not a liveness failure.
            if (rules.PositiveOf(sid).Count > 0 && rules.PositiveOf(sid).Append(sid).Any(SimResourceAgent.FailsSometimes)) continue;
            if (!status.ServiceStatus.TryGetValue(sid, out var sd))
            {
                Fail(simulation, "liveness", $"{sid} is requested started but not managed");
                continue;
            }
            if (sd.State == ServiceState.Error) continue;
            bool running = cluster.NodeByName(sd.Node).RunningServices.TryGetValue(sid, out bool r) && r;
            if (sd.State != ServiceState.Started || !running)
                Fail(simulation, "liveness",
                    $"{sid} is '{StateNames.Of(sd.State)}' on {sd.Node} ({(running ? "running" : "not running")}) {LivenessBoundSeconds} s after healing");
        }
    }

    /// <summary>How long after every fault healed a started service must run again: a new master waits for
    /// the old manager lock to expire, fences after the fence delay, waits for the dead node's agent lock
    /// to expire, and its LRM may wait for its own lock after the master held it; plus rounds to act.</summary>
    public static int LivenessBoundSeconds => LivenessBound(HaManager.Core.SafetyBudget.Pmxcfs);

    /// <summary>The liveness bound of a budget (see <see cref="LivenessBoundSeconds"/>).</summary>
    public static int LivenessBound(HaManager.Core.SafetyBudget budget) =>
        budget.LockLifetimeSeconds * 2 + budget.FenceDelaySeconds + budget.WatchdogClientTimeoutSeconds + 5 * 20;
}

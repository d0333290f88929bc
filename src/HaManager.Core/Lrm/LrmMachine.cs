using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Core.Lrm;

/// <summary>
/// The local resource manager daemon of one node (lrm-watchdog-env §2–§8): holds the node's agent
/// lock and watchdog while it has services, executes the master's requests once per uid, applies the
/// restart policy and the shutdown policies, and reports results in its status file.
/// Driven from outside through <see cref="DoOneIteration"/>.
/// </summary>
public sealed partial class LrmMachine
{
    private readonly HaNode _node;
    private readonly IHaLog _log;
    private readonly LrmStartupGate _startupGate;
    private readonly SortedDictionary<string, LrmJob> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LrmResult> _results = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _restartTries = new(StringComparer.Ordinal);

    /// <summary>
    /// Services whose last stop failed, so they may still run here although the master counts them as
    /// stopped or in error. They count as active: while one remains the node keeps its agent lock and
    /// watchdog (upstream gave both up in maintenance, and a node cut off afterwards was "fenced" through
    /// its free lock while still running the service — found by the fuzzer).
    /// </summary>
    private readonly HashSet<string> _failedToStop = new(StringComparer.Ordinal);
    private SortedMap<ServiceStatusEntry> _serviceStatus = new();
    private NodeState _nodeStatus = NodeState.Unknown;
    private long? _shutdownRequestTime;
    private int _shutdownErrors;
    private int _activeIdleRounds;
    private long _stateChangeTime;
    private string? _watchdog;
    private bool _clusterStateUpdated;
    private bool _fenceRequest;
    private readonly RoundMachine<LrmState, LrmTrigger> _machine;

    /// <summary>Creates the LRM; logs <c>status change startup => wait_for_agent_lock</c>.</summary>
    public LrmMachine(HaNode node, LrmStartupGate startupGate)
    {
        _node = node;
        _log = node.Log;
        _startupGate = startupGate;
        _machine = BuildMachine(this);
        _machine.Fire(LrmTrigger.Started);
    }

    /// <summary>The LRM's state machine as a Graphviz DOT graph, drawn from the machine that runs
    /// (docs/state-machines/).</summary>
    public string StateDiagram() => _machine.ToDotGraph();

    /// <summary>The current state.</summary>
    public LrmState State => _machine.State;

    /// <summary>The mode advertised to the master (see <see cref="LrmModes"/>).</summary>
    public LrmMode Mode { get; private set; } = LrmMode.Active;

    private bool ShutdownRequested => _shutdownRequestTime is not null;

    /// <summary>One iteration; says when to run the next one, or that the daemon exits.</summary>
    public NextRun DoOneIteration() => DaemonIteration.Run(_node, updated =>
    {
        _clusterStateUpdated = updated;
        return Work();
    });

    private NextRun Work()
    {
        if (!_startupGate.StatusWritten)
        {
            if (UpdateLrmStatus()) _startupGate.StatusWritten = true;
            else
            {
                return ShutdownRequested ? NextRun.Stop : NextRun.After(_node.Budget.IdleSleepSeconds);
            }
        }

        var entryState = State;
        UpdateServiceStatus();
        _fenceRequest = _nodeStatus == NodeState.Fence
            || _serviceStatus.Values.Any(sd => sd.Node == _node.Name && sd.State == ServiceState.Fence);
        Invariant.Check(State == entryState, "the LRM state changes only in its round");
        _machine.Step();

        return State switch
        {
            LrmState.WaitForAgentLock => WorkWaitForAgentLock(),
            LrmState.Active => WorkActive(),
            LrmState.LostAgentLock => WorkLostAgentLock(),
            LrmState.Maintenance => WorkMaintenance(),
            LrmState.Startup => throw new InvariantViolationException("LRM iterates in state startup"),
        };
    }

    // ---- State-change phase (lrm-watchdog-env §4.2), evaluated for the state at entry.

    /// <summary>The LRM's machine: the rows of §4.2 per state, first match wins; follow-ups where a row's
    /// action decides the next state (a release that may fail, the idle limit, a lock attempt).</summary>
    internal static RoundMachine<LrmState, LrmTrigger> BuildMachine(LrmMachine d) =>
        new RoundMachine<LrmState, LrmTrigger>(LrmState.Startup, LrmTrigger.Round, d.OnStateChanged)
            .On(LrmState.Startup, LrmTrigger.Started, LrmState.WaitForAgentLock)
            .Round(LrmState.WaitForAgentLock)
                .Stay("mode is disarm: stay idle", () => d.Mode == LrmMode.Disarm)
                .Go("services to run, quorate, got the agent lock",
                    () => !d._fenceRequest && d.ActiveServiceCount() > 0 && d._node.Membership.IsQuorate() && d.TryGetProtectedAgentLock(),
                    LrmState.Active)
                .Otherwise("stay")
            .Round(LrmState.LostAgentLock)
                .Go("quorate and got the agent lock back",
                    () => !d._fenceRequest && d._node.Membership.IsQuorate() && d.TryGetProtectedAgentLock(), LrmState.Active)
                .Otherwise("stay")
            .Round(LrmState.Active)
                // Upstream does not actually release the lock here: the watchdog will reset the node.
                .Go("fence request", () => d._fenceRequest, LrmState.LostAgentLock,
                    before: () => d._log.Write(LogLevel.Err, "node needs to be fenced - releasing agent_lock\n"))
                .Go("lock renewal failed", () => !d.TryGetProtectedAgentLock(), LrmState.LostAgentLock)
                .Go("maintenance mode", () => d.Mode == LrmMode.Maintenance, LrmState.Maintenance)
                // A pending move of this node must run first: the master defers the disarm until it is done,
                // and a node that released its lock before may run the service unprotected (spec open
                // question 4; found by the fuzzer as a split brain once that node was cut off).
                .Stay("disarm mode, no pending move, no jobs: release",
                    () => d.Mode == LrmMode.Disarm && !d.HasPendingMove() && d.OutstandingJobs == 0, () =>
                    {
                        d._log.Write(LogLevel.Info, "HA disarm requested, releasing agent lock and watchdog");
                        d.ReleaseForDisarm();
                    })
                .Stay("no local service and no jobs: count an idle round",
                    () => !d.HasConfiguredServiceOnLocalNode() && d.OutstandingJobs == 0, d.CountIdleRound)
                .Otherwise("busy", () => d._activeIdleRounds = 0)
            .On(LrmState.Active, LrmTrigger.DisarmReleased, LrmState.WaitForAgentLock)
            .On(LrmState.Active, LrmTrigger.WentIdle, LrmState.WaitForAgentLock)
            .Round(LrmState.Maintenance)
                .Go("fence request", () => d._fenceRequest, LrmState.LostAgentLock,
                    before: () => d._log.Write(LogLevel.Err, "node needs to be fenced during maintenance mode - releasing agent_lock\n"))
                .Stay("disarm mode, nothing active, no jobs: release",
                    () => d.Mode == LrmMode.Disarm && d.ActiveServiceCount() == 0 && !d.HasServiceFailedToStop() && d.OutstandingJobs == 0, () =>
                    {
                        d._log.Write(LogLevel.Info, "HA disarm requested during maintenance, releasing agent lock and watchdog");
                        d.ReleaseForDisarm();
                    })
                .Stay("services still moving (or not stopped): renew the agent lock",
                    () => d.ActiveServiceCount() > 0 || d.HasServiceFailedToStop() || d.OutstandingJobs > 0, () =>
                    {
                        if (!d.TryGetProtectedAgentLock()) d._machine.Fire(LrmTrigger.LockLost);
                    })
                .Stay("maintenance ended: take the agent lock",
                    () => d.Mode != LrmMode.Maintenance,
                    () => d._machine.Fire(d.TryGetProtectedAgentLock() ? LrmTrigger.MaintenanceEnded : LrmTrigger.LockLost))
                .Otherwise("stay")
            .On(LrmState.Maintenance, LrmTrigger.DisarmReleased, LrmState.WaitForAgentLock)
            .On(LrmState.Maintenance, LrmTrigger.LockLost, LrmState.LostAgentLock)
            .On(LrmState.Maintenance, LrmTrigger.MaintenanceEnded, LrmState.Active);

    private void CountIdleRound()
    {
        _activeIdleRounds++;
        if (_activeIdleRounds <= Constants.LrmMaxIdleRounds) return;
        _log.Write(LogLevel.Info, $"node had no service configured for {Constants.LrmMaxIdleRounds} rounds, going idle.\n");
        ReleaseLockAndWatchdog();
        _machine.Fire(LrmTrigger.WentIdle);
        _activeIdleRounds = 0;
    }

    // ---- Work phase (lrm-watchdog-env §4.3).

    private NextRun WorkWaitForAgentLock()
    {
        if (ShutdownRequested) return NextRun.Stop;
        UpdateLrmStatus();
        return NextRun.After(_node.Budget.IdleSleepSeconds);
    }

    private NextRun WorkActive()
    {
        long start = _node.Clock.MonotonicSeconds;
        bool exit = false;
        try
        {
            if (UpdateServiceStatus())
            {
                if (ShutdownRequested)
                {
                    if (Mode == LrmMode.Restart)
                    {
                        FinishPendingMoves();
                        if (RunWorkers() == 0 && ActiveServiceCount() == 0)
                        {
                            GiveUpWatchdog();
                            exit = true;
                            ReleaseAgentLock();
                        }
                    }
                    else if (RunWorkers() == 0)
                    {
                        // With failed stop jobs keep lock and watchdog: the reset protects the services.
                        if (_shutdownErrors == 0)
                        {
                            GiveUpWatchdog();
                            ReleaseAgentLock();
                        }
                        exit = true;
                    }
                }
                else if (!_clusterStateUpdated)
                    _log.Write(LogLevel.Notice, "temporary inconsistent cluster state (cfs restart?), skip round");
                else ManageResources();
            }
        }
        catch (HaEnvironmentException e)
        {
            _log.Write(LogLevel.Err, $"got unexpected error - {e.Message}");
        }

        UpdateLrmStatus();
        return exit ? NextRun.Stop : NextRun.At(start + _node.Budget.RoundSeconds);
    }

    private NextRun WorkLostAgentLock()
    {
        if (ShutdownRequested)
        {
            int active = ActiveServiceCount();
            if (active > 0)
            {
                _log.Write(LogLevel.Err, $"got shutdown request in state 'lost_agent_lock' - detected {active} running services");
                if (Mode == LrmMode.Restart && _node.Clock.MonotonicSeconds - _stateChangeTime > Constants.LrmRestartLostLockGiveUpSeconds)
                {
                    _log.Write(LogLevel.Err, "lost agent lock and restart request for over 90 seconds - giving up!");
                    return NextRun.Stop;
                }
            }
            else
            {
                GiveUpWatchdog();
                return NextRun.Stop;
            }
        }
        return NextRun.After(_node.Budget.IdleSleepSeconds);
    }

    private NextRun WorkMaintenance()
    {
        long start = _node.Clock.MonotonicSeconds;
        // Upstream ends the daemon loop when this read fails (quirk Q4): a passing cluster file system
        // glitch would kill the LRM (and, with services active, reset the node through its watchdog).
        // Found by the fuzzer; we skip the round instead, as the active state does.
        if (!UpdateServiceStatus())
        {
            UpdateLrmStatus();
            return NextRun.At(start + _node.Budget.IdleSleepSeconds);
        }
        bool exit = false;
        if (ActiveServiceCount() == 0 && RunWorkers() == 0)
        {
            if (ShutdownRequested) exit = true;
            // A service that could not be stopped may still run: keep lock and watchdog (on exit the
            // watchdog then resets the node, as upstream does after failed shutdown stop jobs).
            if (!HasServiceFailedToStop())
            {
                GiveUpWatchdog();
                ReleaseAgentLock();
            }
        }
        if (!exit) ManageResources();
        UpdateLrmStatus();
        return exit ? NextRun.Stop : NextRun.At(start + _node.Budget.IdleSleepSeconds);
    }

    // ---- Helpers.

    /// <summary>The one place a state change is logged and timed.</summary>
    private void OnStateChanged(LrmState from, LrmState to)
    {
        _log.Write(LogLevel.Info, $"status change {LrmStateNames.Of(from)} => {LrmStateNames.Of(to)}");
        _stateChangeTime = _node.Clock.MonotonicSeconds;
    }

    /// <summary>Reads the manager status; on success adopts services, own node state and mode (§3, §4.1).</summary>
    private bool UpdateServiceStatus()
    {
        ManagerStatus status;
        try { status = _node.Store.ReadManagerStatus(); }
        catch (HaEnvironmentException e)
        {
            _log.Write(LogLevel.Err, $"updating service status from manager failed: {e.Message}");
            return false;
        }
        _serviceStatus = status.ServiceStatus;
        _nodeStatus = status.NodeStatus.TryGetValue(_node.Name, out var own) ? own : NodeState.Unknown;
        if (!ShutdownRequested)
        {
            if (status.IsMaintenanceRequested(_node.Name)) Mode = LrmMode.Maintenance;
            else if (status.Disarm is not null) Mode = LrmMode.Disarm;
            else if (Mode is LrmMode.Maintenance or LrmMode.Disarm) Mode = LrmMode.Active;
        }
        return true;
    }

    /// <summary>Writes the LRM status (with <paramref name="reportedState"/> instead of the current state when
    /// given); skipped silently when not quorate. True iff written.</summary>
    private bool UpdateLrmStatus(LrmState? reportedState = null)
    {
        if (!_node.Membership.IsQuorate()) return false;
        try
        {
            _node.Store.WriteLrmStatus(_node.Name, new LrmStatus
            {
                State = LrmStateNames.Of(reportedState ?? State),
                Mode = LrmModes.Name(Mode),
                Results = new Dictionary<string, LrmResult>(_results, StringComparer.Ordinal),
                Timestamp = _node.Clock.WallSeconds,
            });
            return true;
        }
        catch (HaEnvironmentException e)
        {
            _log.Write(LogLevel.Err, $"unable to write lrm status file - {e.Message}");
            return false;
        }
    }

    /// <summary>Services that are or will soon be running here (lrm-watchdog-env §4.2).</summary>
    private int ActiveServiceCount() => _serviceStatus.Values.Count(sd => sd.IsActiveOn(_node.Name));

    /// <summary>Services of this node whose last stop failed (see <see cref="_failedToStop"/>).</summary>
    private bool HasServiceFailedToStop() =>
        _failedToStop.Any(sid => _serviceStatus.TryGetValue(sid, out var sd) && sd.Node == _node.Name);

    private bool HasPendingMove() => _serviceStatus.Values.Any(sd =>
        sd.Node == _node.Name && sd.State is ServiceState.Migrate or ServiceState.Relocate or ServiceState.RequestStartBalance);

    private bool HasConfiguredServiceOnLocalNode() => _serviceStatus.Values.Any(sd => sd.Node == _node.Name);

    private bool TryGetProtectedAgentLock()
    {
        if (_node.Locks.TryAcquireRepeatedly(LockNames.Agent(_node.Name)) is null) return false;
        if (_watchdog is not null) _node.Watchdog.Update(_watchdog);
        else _watchdog = _node.Watchdog.Open();
        return true;
    }

    private void GiveUpWatchdog()
    {
        if (_watchdog is null) return;
        _node.Watchdog.Close(_watchdog);
        _watchdog = null;
    }

    /// <summary>
    /// Disarming: the status announces the release first (state wait_for_agent_lock in mode disarm), since
    /// from then on the master must not take this node's free lock as proof that it is dead; only then the
    /// lock is released, and only a released lock lets the watchdog go. If the announcement or the release
    /// fails, lock and watchdog stay and the next round tries again — or the watchdog resets a node that
    /// lost quorum meanwhile.
    /// </summary>
    private void ReleaseForDisarm()
    {
        if (!UpdateLrmStatus(LrmState.WaitForAgentLock)) return;
        // In maintenance both may already be gone (given up once nothing was left to move).
        if (_watchdog is not null && !ReleaseAgentLock()) return;
        GiveUpWatchdog();
        _machine.Fire(LrmTrigger.DisarmReleased);
    }

    private void ReleaseLockAndWatchdog()
    {
        ReleaseAgentLock();
        GiveUpWatchdog();
    }

    private bool ReleaseAgentLock() => _node.Locks.Release(LockNames.Agent(_node.Name));
}

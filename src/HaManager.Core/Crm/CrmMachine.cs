using HaManager.Core.Environment;
using HaManager.Core.Master;
using HaManager.Core.Model;

namespace HaManager.Core.Crm;

/// <summary>
/// The cluster resource manager daemon of one node (crm-manager §2): elects itself master through
/// the manager lock, keeps the master's watchdog, and runs one Manager round per master iteration.
/// Driven from outside through <see cref="DoOneIteration"/>.
/// </summary>
public sealed class CrmMachine
{
    private readonly HaNode _node;
    private readonly IHaLog _log;
    private Manager? _manager;
    private LockLease? _managerLease;
    private bool _shutdownRequested;
    private int _activeIdleRounds;
    private string? _watchdog;
    private bool _disarmed;
    private bool _clusterStateUpdated;
    private readonly RoundMachine<CrmState, CrmTrigger> _machine;

    /// <summary>Creates the daemon; logs <c>status change startup => wait_for_quorum</c>.</summary>
    public CrmMachine(HaNode node)
    {
        _node = node;
        _log = node.Log;
        _machine = BuildMachine(this);
        _machine.Fire(CrmTrigger.Started);
    }

    /// <summary>The CRM's state machine as a Graphviz DOT graph, drawn from the machine that runs
    /// (docs/state-machines/).</summary>
    public string StateDiagram() => _machine.ToDotGraph();

    /// <summary>The current state.</summary>
    public CrmState State => _machine.State;

    /// <summary>Asks the daemon to exit; a master first releases the manager lock.</summary>
    public void ShutdownRequest()
    {
        if (!_shutdownRequested) _log.Write(LogLevel.Info, "server received shutdown request");
        _shutdownRequested = true;
    }

    /// <summary>One iteration; says when to run the next one, or that the daemon exits.</summary>
    public NextRun DoOneIteration() => DaemonIteration.Run(_node, updated =>
    {
        _clusterStateUpdated = updated;
        return Work();
    });

    private NextRun Work()
    {
        _machine.Step();
        return State switch
        {
            CrmState.WaitForQuorum => WorkWaitForQuorum(),
            // No wait of its own: each slave iteration's lock attempts take their time.
            CrmState.Slave => _shutdownRequested ? NextRun.Stop : NextRun.After(0),
            CrmState.LostManagerLock => WorkLostManagerLock(),
            CrmState.Master => WorkMaster(),
            CrmState.Startup => throw new InvariantViolationException("CRM iterates in state startup"),
        };
    }

    /// <summary>The CRM's machine: the state-change rows of crm-manager §2.6 per state, first match wins;
    /// follow-ups where an action decides the next state (the lock attempt of a CRM that may be active,
    /// the idle limit, giving up a lost lock).</summary>
    internal static RoundMachine<CrmState, CrmTrigger> BuildMachine(CrmMachine d) =>
        new RoundMachine<CrmState, CrmTrigger>(CrmState.Startup, CrmTrigger.Round, d.OnStateChanged)
            .On(CrmState.Startup, CrmTrigger.Started, CrmState.WaitForQuorum)
            .Round(CrmState.WaitForQuorum)
                .Stay("may be active: try the manager lock", () => d.CanGetActive(allowNoService: false),
                    () => d._machine.Fire(d.TryGetProtectedManagerLock() ? CrmTrigger.LockTaken : CrmTrigger.LockHeldElsewhere))
                .Otherwise("stay")
            .On(CrmState.WaitForQuorum, CrmTrigger.LockTaken, CrmState.Master)
            .On(CrmState.WaitForQuorum, CrmTrigger.LockHeldElsewhere, CrmState.Slave)
            .Round(CrmState.Slave)
                .Go("may no longer be active", () => !d.CanGetActive(allowNoService: false), CrmState.WaitForQuorum)
                .Go("got the manager lock", d.TryGetProtectedManagerLock, CrmState.Master)
                .Otherwise("stay")
            .Round(CrmState.LostManagerLock)
                .Go("healthy and got the manager lock",
                    () => d.CanGetActive(allowNoService: true) && d.TryGetProtectedManagerLock(), CrmState.Master)
                .Otherwise("stay")
            .On(CrmState.LostManagerLock, CrmTrigger.GaveUp, CrmState.WaitForQuorum)
            .Round(CrmState.Master)
                .Go("lock renewal failed", () => !d.TryGetProtectedManagerLock(), CrmState.LostManagerLock)
                .Stay("nothing to manage: count an idle round", d.AllowedToGetIdle, d.CountIdleRound)
                .Otherwise("busy", () => d._activeIdleRounds = 0)
            .On(CrmState.Master, CrmTrigger.WentIdle, CrmState.WaitForQuorum);

    private void CountIdleRound()
    {
        _activeIdleRounds++;
        if (_activeIdleRounds <= Constants.CrmMaxIdleRounds) return;
        _activeIdleRounds = 0;
        _log.Write(LogLevel.Info, $"cluster had no service configured for {Constants.CrmMaxIdleRounds} rounds, going idle.\n");
        ReleaseManagerLock();
        GiveUpWatchdog();
        _machine.Fire(CrmTrigger.WentIdle);
    }

    private NextRun WorkWaitForQuorum() =>
        _shutdownRequested ? NextRun.Stop : NextRun.After(_node.Budget.IdleSleepSeconds);

    private NextRun WorkLostManagerLock()
    {
        GiveUpWatchdog();
        if (_shutdownRequested) return NextRun.Stop;
        _machine.Fire(CrmTrigger.GaveUp);
        return NextRun.After(0);
    }

    private NextRun WorkMaster()
    {
        long start = _node.Clock.MonotonicSeconds;
        bool exit = false;
        try
        {
            if (_shutdownRequested)
            {
                GiveUpWatchdog();
                _log.Write(LogLevel.Info, "voluntary release CRM lock");
                if (!ReleaseManagerLock())
                    _log.Write(LogLevel.Notice, "CRM lock release failed, let the lock timeout");
                exit = true;
            }
            else if (!_clusterStateUpdated)
            {
                _log.Write(LogLevel.Notice, "temporary inconsistent cluster state (cfs restart?), skip round");
            }
            else
            {
                Invariant.Check(_manager is not null, "a master always owns a Manager");
                Invariant.Check(_managerLease is not null, "a master holds the manager lock");
                _manager.ManageRound(_managerLease);
                if (_manager.IsFullyDisarmed && !_disarmed)
                {
                    _log.Write(LogLevel.Info, "HA stack fully disarmed, releasing CRM watchdog");
                    GiveUpWatchdog();
                    _disarmed = true;
                }
                else if (!_manager.IsFullyDisarmed && _disarmed)
                {
                    _log.Write(LogLevel.Info, "re-arming HA stack");
                    _disarmed = false;
                }
            }
        }
        catch (Exception e) when (e is HaEnvironmentException or FormatException)
        {
            _log.Write(LogLevel.Err, $"got unexpected error - {e.Message}");
        }

        return exit ? NextRun.Stop : NextRun.At(start + _node.Budget.RoundSeconds);
    }

    /// <summary>The one place a state change is logged; entering master creates a fresh Manager (its
    /// construction may log the scheduler mode), leaving it drops the Manager.</summary>
    private void OnStateChanged(CrmState from, CrmState to)
    {
        _log.Write(LogLevel.Info, $"status change {CrmStateNames.Of(from)} => {CrmStateNames.Of(to)}");
        if (from == CrmState.Master) _manager = null;
        if (to == CrmState.Master) _manager = new Manager(_node);
    }

    private bool TryGetProtectedManagerLock()
    {
        _managerLease = _node.Locks.TryAcquireRepeatedly(LockNames.Manager);
        if (_managerLease is null) return false;
        if (_watchdog is not null) _node.Watchdog.Update(_watchdog);
        else if (!_disarmed)
        {
            if (ReadDisarmStateQuietly() == DisarmInfo.Disarmed)
            {
                _log.Write(LogLevel.Info, "taking over as disarmed master, skipping watchdog");
                _disarmed = true;
            }
            else _watchdog = _node.Watchdog.Open();
        }
        return true;
    }

    private bool ReleaseManagerLock()
    {
        _managerLease = null;
        return _node.Locks.Release(LockNames.Manager);
    }

    private string? ReadDisarmStateQuietly()
    {
        try { return _node.Store.ReadManagerStatus().Disarm?.State; }
        catch (HaEnvironmentException) { return null; }
    }

    private void GiveUpWatchdog()
    {
        if (_watchdog is null) return;
        _node.Watchdog.Close(_watchdog);
        _watchdog = null;
    }

    private ManagerStatus? ReadHealthyStatus()
    {
        if (!_node.Membership.IsQuorate() || !_clusterStateUpdated) return null;
        ManagerStatus status;
        try { status = _node.Store.ReadManagerStatus(); }
        catch (HaEnvironmentException e)
        {
            _log.Write(LogLevel.Err, $"could not read manager status: {e.Message}");
            return null;
        }
        // A node that is about to be fenced must never become master.
        foreach (var entry in status.ServiceStatus.Values)
            if (entry.State == ServiceState.Fence && entry.Node == _node.Name) return null;
        return status;
    }

    private SortedMap<ServiceConfigEntry>? ReadConfigOrLog()
    {
        try { return _node.Store.ReadServiceConfig(); }
        catch (HaEnvironmentException e)
        {
            _log.Write(LogLevel.Err, $"could not read service config: {e.Message}");
            return null;
        }
    }

    private bool CanGetActive(bool allowNoService)
    {
        var status = ReadHealthyStatus();
        if (status is null) return false;
        if (allowNoService) return true;
        var config = ReadConfigOrLog();
        if (config is null) return false;
        if (config.Count > 0) return true;

        // No service configured: stay idle unless something persisted needs a master's cleanup.
        string? master = status.MasterNode;
        if (master is not null && master != _node.Name
            && status.NodeStatus.TryGetValue(master, out var masterState) && masterState == NodeState.Online)
            return false;
        foreach (var (node, state) in status.NodeStatus)
            if (state == NodeState.Maintenance && !status.IsMaintenanceRequested(node)) return true;
        return _node.Store.AnyPendingCrmCommand() || status.ServiceStatus.Count > 0 || status.Disarm is not null;
    }

    private bool AllowedToGetIdle()
    {
        var status = ReadHealthyStatus();
        if (status is null || status.Disarm is not null) return false;
        var config = ReadConfigOrLog();
        if (config is null) return false;
        return config.Count == 0 && status.ServiceStatus.Count == 0;
    }
}

using HaManager.Core.Environment;
using HaManager.Core.Model;
using T = HaManager.Core.TransitionTable<HaManager.Core.Crm.CrmState>;

namespace HaManager.Core.Crm;

/// <summary>
/// The cluster resource manager daemon of one node (crm-manager §2): elects itself master through
/// the manager lock, keeps the master's watchdog, and runs one Manager round per master iteration.
/// Driven from outside through <see cref="DoOneIteration"/>.
/// </summary>
public sealed class CrmDaemon
{
    private readonly IHaEnvironment _env;
    private Manager.Manager? _manager;
    private bool _shutdownRequested;
    private int _activeIdleRounds;
    private string? _watchdog;
    private bool _disarmed;
    private bool _clusterStateUpdated;
    private readonly TransitionTable<CrmState> _stateChanges;

    /// <summary>Creates the daemon; logs <c>status change startup => wait_for_quorum</c>.</summary>
    public CrmDaemon(IHaEnvironment env)
    {
        _env = env;
        _stateChanges = BuildStateChanges();
        SetState(CrmState.WaitForQuorum);
    }

    /// <summary>The current state.</summary>
    public CrmState State { get; private set; } = CrmState.Startup;

    /// <summary>Asks the daemon to exit; a master first releases the manager lock.</summary>
    public void ShutdownRequest()
    {
        if (!_shutdownRequested) _env.Log(LogLevel.Info, "server received shutdown request");
        _shutdownRequested = true;
    }

    /// <summary>One iteration; false means the daemon exits.</summary>
    public bool DoOneIteration() => DaemonIteration.Run(_env, updated =>
    {
        _clusterStateUpdated = updated;
        return Work();
    });

    private bool Work()
    {
        _stateChanges.Step(State);
        return State switch
        {
            CrmState.WaitForQuorum => WorkWaitForQuorum(),
            CrmState.Slave => !_shutdownRequested,
            CrmState.LostManagerLock => WorkLostManagerLock(),
            CrmState.Master => WorkMaster(),
            CrmState.Startup => throw new InvariantViolationException("CRM iterates in state startup"),
        };
    }

    /// <summary>The state-change table of crm-manager §2.6; first matching row wins.</summary>
    private TransitionTable<CrmState> BuildStateChanges() => new TransitionTable<CrmState>()
        .In(CrmState.WaitForQuorum,
            T.When("may be active: master with the manager lock, else slave", () => CanGetActive(allowNoService: false),
                () => SetState(TryGetProtectedManagerLock() ? CrmState.Master : CrmState.Slave)),
            T.Otherwise("stay", () => { }))
        .In(CrmState.Slave,
            T.When("may no longer be active", () => !CanGetActive(allowNoService: false), () => SetState(CrmState.WaitForQuorum)),
            T.When("got the manager lock", TryGetProtectedManagerLock, () => SetState(CrmState.Master)),
            T.Otherwise("stay", () => { }))
        .In(CrmState.LostManagerLock,
            T.When("healthy and got the manager lock",
                () => CanGetActive(allowNoService: true) && TryGetProtectedManagerLock(), () => SetState(CrmState.Master)),
            T.Otherwise("stay", () => { }))
        .In(CrmState.Master,
            T.When("lock renewal failed", () => !TryGetProtectedManagerLock(), () => SetState(CrmState.LostManagerLock)),
            T.When("nothing to manage", AllowedToGetIdle, CountIdleRound),
            T.Otherwise("busy", () => _activeIdleRounds = 0));

    private void CountIdleRound()
    {
        _activeIdleRounds++;
        if (_activeIdleRounds <= Constants.CrmMaxIdleRounds) return;
        _activeIdleRounds = 0;
        _env.Log(LogLevel.Info, $"cluster had no service configured for {Constants.CrmMaxIdleRounds} rounds, going idle.\n");
        _env.ReleaseManagerLock();
        GiveUpWatchdog();
        SetState(CrmState.WaitForQuorum);
    }

    private bool WorkWaitForQuorum()
    {
        if (_shutdownRequested) return false;
        _env.Sleep(Constants.IdleSleepSeconds);
        return true;
    }

    private bool WorkLostManagerLock()
    {
        GiveUpWatchdog();
        if (_shutdownRequested) return false;
        SetState(CrmState.WaitForQuorum);
        return true;
    }

    private bool WorkMaster()
    {
        long start = _env.Now;
        bool exit = false;
        try
        {
            if (_shutdownRequested)
            {
                GiveUpWatchdog();
                _env.Log(LogLevel.Info, "voluntary release CRM lock");
                if (!_env.ReleaseManagerLock())
                    _env.Log(LogLevel.Notice, "CRM lock release failed, let the lock timeout");
                exit = true;
            }
            else if (!_clusterStateUpdated)
            {
                _env.Log(LogLevel.Notice, "temporary inconsistent cluster state (cfs restart?), skip round");
            }
            else
            {
                Invariant.Check(_manager is not null, "a master always owns a Manager");
                _manager.ManageRound();
                if (_manager.IsFullyDisarmed && !_disarmed)
                {
                    _env.Log(LogLevel.Info, "HA stack fully disarmed, releasing CRM watchdog");
                    GiveUpWatchdog();
                    _disarmed = true;
                }
                else if (!_manager.IsFullyDisarmed && _disarmed)
                {
                    _env.Log(LogLevel.Info, "re-arming HA stack");
                    _disarmed = false;
                }
            }
        }
        catch (Exception e) when (e is HaEnvironmentException or FormatException)
        {
            _env.Log(LogLevel.Err, $"got unexpected error - {e.Message}");
        }

        if (exit) return false;
        _env.SleepUntil(start + Constants.CrmRoundSeconds);
        return true;
    }

    private void SetState(CrmState next)
    {
        if (next == State) return;
        _env.Log(LogLevel.Info, $"status change {CrmStateNames.Of(State)} => {CrmStateNames.Of(next)}");
        bool wasMaster = State == CrmState.Master;
        State = next;
        if (wasMaster) _manager = null;
        // Entering master creates a fresh Manager; its construction may log (scheduler mode).
        if (next == CrmState.Master) _manager = new Manager.Manager(_env);
    }

    private bool TryGetProtectedManagerLock()
    {
        if (!LockAttempts.TryRepeatedly(_env, _env.TryGetManagerLock)) return false;
        if (_watchdog is not null) _env.WatchdogUpdate(_watchdog);
        else if (!_disarmed)
        {
            if (ReadDisarmStateQuietly() == DisarmInfo.Disarmed)
            {
                _env.Log(LogLevel.Info, "taking over as disarmed master, skipping watchdog");
                _disarmed = true;
            }
            else _watchdog = _env.WatchdogOpen();
        }
        return true;
    }

    private string? ReadDisarmStateQuietly()
    {
        try { return _env.ReadManagerStatus().Disarm?.State; }
        catch (HaEnvironmentException) { return null; }
    }

    private void GiveUpWatchdog()
    {
        if (_watchdog is null) return;
        _env.WatchdogClose(_watchdog);
        _watchdog = null;
    }

    private ManagerStatus? ReadHealthyStatus()
    {
        if (!_env.IsQuorate() || !_clusterStateUpdated) return null;
        ManagerStatus status;
        try { status = _env.ReadManagerStatus(); }
        catch (HaEnvironmentException e)
        {
            _env.Log(LogLevel.Err, $"could not read manager status: {e.Message}");
            return null;
        }
        // A node that is about to be fenced must never become master.
        foreach (var entry in status.ServiceStatus.Values)
            if (entry.State == ServiceState.Fence && entry.Node == _env.NodeName) return null;
        return status;
    }

    private SortedMap<ServiceConfigEntry>? ReadConfigOrLog()
    {
        try { return _env.ReadServiceConfig(); }
        catch (HaEnvironmentException e)
        {
            _env.Log(LogLevel.Err, $"could not read service config: {e.Message}");
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
        if (master is not null && master != _env.NodeName
            && status.NodeStatus.TryGetValue(master, out var masterState) && masterState == NodeState.Online)
            return false;
        foreach (var (node, state) in status.NodeStatus)
            if (state == NodeState.Maintenance && !status.IsMaintenanceRequested(node)) return true;
        return _env.AnyPendingCrmCommand() || status.ServiceStatus.Count > 0 || status.Disarm is not null;
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

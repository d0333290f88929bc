namespace HaManager.Core.Lrm;

/// <summary>
/// The LRM daemon's states (lrm-watchdog-env §2, §4.2). A new LRM waits in
/// <see cref="WaitForAgentLock"/> until its node has something to run; with the node's agent lock
/// (and an armed watchdog) it is <see cref="Active"/> and executes the master's requests. In
/// <see cref="Maintenance"/> it only finishes moving its services away. <see cref="LostAgentLock"/>
/// means it could not renew the lock (or must be fenced): its watchdog will reset the node unless
/// it gets the lock back in time.
/// </summary>
public enum LrmState
{
    /// <summary>Initial value only.</summary>
    Startup,
    /// <summary>Idle, without the agent lock.</summary>
    WaitForAgentLock,
    /// <summary>Holds the agent lock and runs services.</summary>
    Active,
    /// <summary>Moving services away because the node is in maintenance.</summary>
    Maintenance,
    /// <summary>Could not renew the agent lock.</summary>
    LostAgentLock,
}

/// <summary>What moves the LRM's machine (<see cref="RoundMachine{TState,TTrigger}"/>).</summary>
public enum LrmTrigger
{
    /// <summary>The state-change phase of an iteration (the rows of lrm-watchdog-env §4.2).</summary>
    Round,
    /// <summary>The daemon was created.</summary>
    Started,
    /// <summary>Disarming: the release was announced and the agent lock and watchdog let go.</summary>
    DisarmReleased,
    /// <summary>No local service for more than the idle limit: lock and watchdog let go.</summary>
    WentIdle,
    /// <summary>In maintenance, the agent lock could not be renewed or taken.</summary>
    LockLost,
    /// <summary>Maintenance ended and the agent lock was taken.</summary>
    MaintenanceEnded,
}

/// <summary>Log and status-file spellings of <see cref="LrmState"/>.</summary>
public static class LrmStateNames
{
    /// <summary>The word.</summary>
    public static string Of(LrmState state) => state switch
    {
        LrmState.Startup => "startup",
        LrmState.WaitForAgentLock => "wait_for_agent_lock",
        LrmState.Active => "active",
        LrmState.Maintenance => "maintenance",
        LrmState.LostAgentLock => "lost_agent_lock",
    };
}

/// <summary>
/// Whether any LRM of this process has written its status once since start-up. Upstream keeps this
/// flag process-wide, so in the simulator every LRM of one run shares one instance (simulator §10).
/// </summary>
public sealed class LrmStartupGate
{
    /// <summary>True once a status write succeeded.</summary>
    public bool StatusWritten { get; set; }
}

namespace HaManager.Core.Crm;

/// <summary>
/// The CRM daemon's states (crm-manager §2.1). A CRM starts in <see cref="Startup"/> and moves to
/// <see cref="WaitForQuorum"/> while it is constructed. A quorate CRM that may be active tries the
/// manager lock: with it, it is <see cref="Master"/> and runs Manager rounds; without it, it is
/// <see cref="Slave"/>. A master that cannot renew the lock passes through
/// <see cref="LostManagerLock"/> within the same iteration and gives up its watchdog.
/// </summary>
public enum CrmState
{
    /// <summary>Initial value only.</summary>
    Startup,
    /// <summary>Not quorate, idle, or not allowed to be active.</summary>
    WaitForQuorum,
    /// <summary>Quorate and allowed to be active, but another node holds the manager lock.</summary>
    Slave,
    /// <summary>Holds the manager lock and runs rounds.</summary>
    Master,
    /// <summary>Transient: the lock could not be renewed.</summary>
    LostManagerLock,
}

/// <summary>What moves the CRM's machine (<see cref="RoundMachine{TState,TTrigger}"/>).</summary>
public enum CrmTrigger
{
    /// <summary>The state-change phase of an iteration (the rows of crm-manager §2.6).</summary>
    Round,
    /// <summary>The daemon was created.</summary>
    Started,
    /// <summary>A CRM that may be active took the manager lock.</summary>
    LockTaken,
    /// <summary>A CRM that may be active found the manager lock held by another node.</summary>
    LockHeldElsewhere,
    /// <summary>The master had nothing to manage for more than the idle limit and released the lock.</summary>
    WentIdle,
    /// <summary>A CRM that lost the manager lock gave up its watchdog.</summary>
    GaveUp,
}

/// <summary>Log spellings of <see cref="CrmState"/>.</summary>
public static class CrmStateNames
{
    /// <summary>The word in <c>status change a => b</c>.</summary>
    public static string Of(CrmState state) => state switch
    {
        CrmState.Startup => "startup",
        CrmState.WaitForQuorum => "wait_for_quorum",
        CrmState.Slave => "slave",
        CrmState.Master => "master",
        CrmState.LostManagerLock => "lost_manager_lock",
    };
}

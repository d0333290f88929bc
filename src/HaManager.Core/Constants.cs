namespace HaManager.Core;

/// <summary>Timing constants shared by the CRM, Manager and LRM, with why each has its value.</summary>
public static class Constants
{
    /// <summary>Cluster locks expire when not renewed for longer than this. The watchdog fires well
    /// before (<see cref="WatchdogTimeoutSeconds"/>), so a lock that expired proves its holder reset.</summary>
    public const int LockTimeoutSeconds = 120;

    /// <summary>A daemon that does not feed its watchdog for longer than this resets the node.</summary>
    public const int WatchdogTimeoutSeconds = 60;

    /// <summary>A node not seen online for this long counts as dead and is fenced.</summary>
    public const int FenceDelaySeconds = 60;

    /// <summary>A gone node is forgotten after this long.</summary>
    public const int GoneNodeForgetSeconds = 3600;

    /// <summary>Idle master rounds (no service configured) before the CRM releases the manager lock.
    /// Larger than the LRM's limit so the LRMs go idle first and never lose their master while active.</summary>
    public const int CrmMaxIdleRounds = 90;

    /// <summary>Idle LRM rounds (no local service) before it releases its agent lock.</summary>
    public const int LrmMaxIdleRounds = 60;

    /// <summary>Attempts made to get a lock within one iteration, one second apart.</summary>
    public const int LockAttempts = 6;

    /// <summary>Lock attempts stop once more than this many seconds passed since the first.</summary>
    public const int LockAttemptWindowSeconds = 5;

    /// <summary>Target length of a master round.</summary>
    public const int CrmRoundSeconds = 10;

    /// <summary>Target length of an active LRM round.</summary>
    public const int LrmActiveRoundSeconds = 10;

    /// <summary>Target length of a maintenance LRM round.</summary>
    public const int LrmMaintenanceRoundSeconds = 5;

    /// <summary>Sleep of the idle states.</summary>
    public const int IdleSleepSeconds = 5;

    /// <summary>How long one worker pass may wait for jobs.</summary>
    public const int WorkerPassSeconds = 8;

    /// <summary>An LRM restarting with active services and no agent lock gives up after this long.</summary>
    public const int LrmRestartLostLockGiveUpSeconds = 90;

    /// <summary>Rounds between two attempts of the legacy group migration.</summary>
    public const int GroupMigrationRetryRounds = 6;

    /// <summary>Rounds a new master waits before the first group migration attempt.</summary>
    public const int GroupMigrationInitialDelayRounds = 3;
}

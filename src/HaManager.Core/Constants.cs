namespace HaManager.Core;

/// <summary>Round counts and fixed timings shared by the CRM, Manager and LRM, with why each has its value.
/// Everything that safety depends on (lock lifetime, watchdog, fence delay, loop periods) comes from
/// <see cref="SafetyBudget"/> instead.</summary>
public static class Constants
{
    /// <summary>The match timeout of every regex of the core: none. A timeout would read the clock (and a
    /// generated regex would look its default up in the process's AppContext); the core's patterns are
    /// anchored and linear, and it reads no clock.</summary>
    public const int NoRegexTimeout = -1;

    /// <summary>A gone node is forgotten after this long.</summary>
    public const int GoneNodeForgetSeconds = 3600;

    /// <summary>Idle master rounds (no service configured) before the CRM releases the manager lock.
    /// Larger than the LRM's limit so the LRMs go idle first and never lose their master while active.</summary>
    public const int CrmMaxIdleRounds = 90;

    /// <summary>Idle LRM rounds (no local service) before it releases its agent lock.</summary>
    public const int LrmMaxIdleRounds = 60;

    /// <summary>An LRM restarting with active services and no agent lock gives up after this long.</summary>
    public const int LrmRestartLostLockGiveUpSeconds = 90;

    /// <summary>Rounds between two attempts of the legacy group migration.</summary>
    public const int GroupMigrationRetryRounds = 6;

    /// <summary>Rounds a new master waits before the first group migration attempt.</summary>
    public const int GroupMigrationInitialDelayRounds = 3;
}

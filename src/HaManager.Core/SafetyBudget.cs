namespace HaManager.Core;

/// <summary>
/// The one place every HA timeout comes from. Safety rests on one inequality: a node must certainly
/// be dead — its watchdog device fired — before anyone may take its lock, because taking the lock is
/// what lets the master recover the node's services elsewhere.
/// <para>A daemon feeds its watchdog-mux client only right after it renewed its lock. If it renews
/// no more, its client expires <see cref="WatchdogClientTimeoutSeconds"/> (C) after the last feed;
/// watchdog-mux notices within its one-second tick (T) and stops feeding the device, which resets the
/// node <see cref="WatchdogDeviceTimeoutSeconds"/> (D) later. Other nodes judge the lock's age by
/// their own clocks or by the store's, which may differ from the holder's by up to
/// <see cref="ClockSkewMarginSeconds"/> (S). Hence</para>
/// <code>lock lifetime L ≥ C + T + D + S</code>
/// <para>The loops must keep a healthy node alive: a round (R) plus the lock retry window (W) plus
/// one second must stay below C, so a round that is slow but healthy never lets its client expire.
/// The fence delay — how long a node must be offline before the master starts fencing it — is C, the
/// time its own watchdog takes to give up. On pmxcfs the lock lifetime is fixed at 120 s by pmxcfs
/// itself; the budget then only checks that 120 s is enough.</para>
/// </summary>
public sealed record SafetyBudget
{
    /// <summary>watchdog-mux's client timeout (C). Default 60, as upstream.</summary>
    public required int WatchdogClientTimeoutSeconds { get; init; }

    /// <summary>The watchdog device's timeout (D). Default 10, as upstream.</summary>
    public required int WatchdogDeviceTimeoutSeconds { get; init; }

    /// <summary>How far two nodes' view of a lock's age may differ (S). Default 5.</summary>
    public required int ClockSkewMarginSeconds { get; init; }

    /// <summary>A lock lifetime the store enforces itself (pmxcfs: 120 s); null to use the derived one.</summary>
    public int? FixedLockLifetimeSeconds { get; init; }

    /// <summary>How often watchdog-mux checks its clients (T): one real second, which is more HA seconds
    /// when time runs faster (a local cluster at time scale F: F). Default 1.</summary>
    public int MuxTickSeconds { get; init; } = 1;

    /// <summary>The smallest safe lock lifetime: C + T + D + S.</summary>
    public int MinimumLockLifetimeSeconds =>
        WatchdogClientTimeoutSeconds + MuxTickSeconds + WatchdogDeviceTimeoutSeconds + ClockSkewMarginSeconds;

    /// <summary>How long a lock lives without renewal (L).</summary>
    public int LockLifetimeSeconds => FixedLockLifetimeSeconds ?? MinimumLockLifetimeSeconds;

    /// <summary>Length of a master round and of an active LRM round (R): C/6, between 1 and 10.</summary>
    public int RoundSeconds => Math.Clamp(WatchdogClientTimeoutSeconds / 6, 1, 10);

    /// <summary>Wait of the idle states and length of a maintenance LRM round: R/2, at least 1.</summary>
    public int IdleSleepSeconds => Math.Max(1, RoundSeconds / 2);

    /// <summary>How long the protected lock acquisition keeps retrying (W): R/2, at least 1.</summary>
    public int LockRetryWindowSeconds => Math.Max(1, RoundSeconds / 2);

    /// <summary>A node offline this long is fenced: C.</summary>
    public int FenceDelaySeconds => WatchdogClientTimeoutSeconds;

    /// <summary>A node offline this long is fenced when a fence device can power it off: two rounds, enough
    /// to ride out a single missed round, far less than waiting for its watchdog.</summary>
    public int HardwareFenceDelaySeconds => Math.Min(FenceDelaySeconds, 2 * RoundSeconds);

    /// <summary>Upstream's values, which pmxcfs enforces: C = 60, D = 10, L = 120 (R = 10, fence delay 60).</summary>
    public static SafetyBudget Pmxcfs { get; } = new()
    {
        WatchdogClientTimeoutSeconds = 60, WatchdogDeviceTimeoutSeconds = 10, ClockSkewMarginSeconds = 5,
        FixedLockLifetimeSeconds = 120,
    };

    /// <summary>A budget for a store that takes the derived lock lifetime (directory, etcd).</summary>
    public static SafetyBudget Derived(int clientTimeoutSeconds, int deviceTimeoutSeconds, int skewMarginSeconds = 5,
        int muxTickSeconds = 1) => new()
    {
        WatchdogClientTimeoutSeconds = clientTimeoutSeconds, WatchdogDeviceTimeoutSeconds = deviceTimeoutSeconds,
        ClockSkewMarginSeconds = skewMarginSeconds, MuxTickSeconds = muxTickSeconds,
    };

    /// <summary>Why this budget is unsafe or cannot keep a healthy node alive; empty when it is sound.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (WatchdogClientTimeoutSeconds < 3) problems.Add($"watchdog client timeout {WatchdogClientTimeoutSeconds} s is below 3 s");
        if (WatchdogDeviceTimeoutSeconds < 1) problems.Add($"watchdog device timeout {WatchdogDeviceTimeoutSeconds} s is below 1 s");
        if (MuxTickSeconds < 1) problems.Add($"watchdog-mux tick {MuxTickSeconds} s is below 1 s");
        if (ClockSkewMarginSeconds < 0) problems.Add($"clock skew margin {ClockSkewMarginSeconds} s is negative");
        if (LockLifetimeSeconds < MinimumLockLifetimeSeconds)
            problems.Add($"lock lifetime {LockLifetimeSeconds} s is shorter than C + T + D + S = {MinimumLockLifetimeSeconds} s: "
                + "a lock could be taken from a node whose watchdog has not fired yet");
        if (RoundSeconds + LockRetryWindowSeconds + 1 >= WatchdogClientTimeoutSeconds)
            problems.Add($"round {RoundSeconds} s + lock retry window {LockRetryWindowSeconds} s + 1 s reaches the watchdog client "
                + $"timeout {WatchdogClientTimeoutSeconds} s: a healthy node would reset itself");
        return problems;
    }
}

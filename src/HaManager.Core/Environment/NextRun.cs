namespace HaManager.Core.Environment;

/// <summary>
/// What a daemon iteration asks of its host: exit, or run again. The core never sleeps; the host
/// waits (cancellably, on a real node) and calls the next iteration.
/// </summary>
public readonly record struct NextRun
{
    private NextRun(bool exit, long? afterSeconds, long? atMonotonic) =>
        (Exit, AfterSeconds, AtMonotonicSeconds) = (exit, afterSeconds, atMonotonic);

    /// <summary>The daemon ends.</summary>
    public bool Exit { get; }

    /// <summary>Run again this many seconds after the iteration (an idle wait), if set.</summary>
    public long? AfterSeconds { get; }

    /// <summary>Run again once <see cref="IClock.MonotonicSeconds"/> reaches this (a round of fixed
    /// length measured from its start), if set; at once when it has already passed.</summary>
    public long? AtMonotonicSeconds { get; }

    /// <summary>The daemon ends.</summary>
    public static NextRun Stop { get; } = new(true, null, null);

    /// <summary>Run again <paramref name="seconds"/> after this iteration.</summary>
    public static NextRun After(long seconds) => new(false, seconds, null);

    /// <summary>Run again at monotonic time <paramref name="time"/>.</summary>
    public static NextRun At(long time) => new(false, null, time);

    /// <summary>The seconds to wait after an iteration that ended at monotonic <paramref name="now"/>.</summary>
    public long WaitSeconds(long now) => AfterSeconds ?? Math.Max(0, (AtMonotonicSeconds ?? now) - now);
}

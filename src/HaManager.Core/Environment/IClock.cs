namespace HaManager.Core.Environment;

/// <summary>
/// Time as the core sees it, in whole seconds. Two readings, because they answer different
/// questions: <see cref="WallSeconds"/> is what gets persisted and compared across nodes (status
/// timestamps); <see cref="MonotonicSeconds"/> measures durations inside one process (how long a
/// node has been offline, how long since a state change, when the next round is due) and never jumps
/// when the wall clock is set.
/// <para>Contract: neither reading moves backwards. In the simulator both are the environment's
/// clock, which does not move during one daemon iteration (simulator §5.2).</para>
/// </summary>
public interface IClock
{
    /// <summary>Wall-clock time (Unix epoch seconds on a real node).</summary>
    long WallSeconds { get; }

    /// <summary>Monotonic time; only differences between two readings mean anything.</summary>
    long MonotonicSeconds { get; }
}

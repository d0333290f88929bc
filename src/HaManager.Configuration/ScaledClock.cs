using System.Diagnostics;
using HaManager.Core.Environment;

namespace HaManager.Configuration;

/// <summary>
/// The real clock, sped up by the time scale: one HA second is 1/scale real seconds. Wall time runs
/// faster from a fixed origin shared by every process (so all processes on one machine agree on a
/// lock's age) and stays within what file timestamps can hold; at scale 1 it is the real wall clock.
/// </summary>
public sealed class ScaledClock(double scale) : IClock
{
    private static readonly long Origin = Stopwatch.GetTimestamp();

    /// <summary>The fixed point of scaled wall time (2025-11-24, Unix seconds).</summary>
    private const long WallOriginMs = 1_764_000_000_000;

    /// <inheritdoc/>
    public long WallSeconds => (long)((WallOriginMs + (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - WallOriginMs) * scale) / 1000);

    /// <inheritdoc/>
    public long MonotonicSeconds => (long)(Stopwatch.GetElapsedTime(Origin).TotalSeconds * scale);

    /// <summary>Real time for a number of HA seconds.</summary>
    public TimeSpan RealTime(double haSeconds) => TimeSpan.FromSeconds(haSeconds / scale);
}


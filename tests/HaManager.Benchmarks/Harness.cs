using System.Diagnostics;
using System.Globalization;

namespace HaManager.Benchmarks;

/// <summary>One measured figure.</summary>
public sealed record Figure(string Benchmark, string Size, double MedianMs, long AllocatedBytes, string Note = "");

/// <summary>
/// A small measuring harness for whole operations: per-iteration setup outside the timing, warm-up,
/// median wall time and bytes allocated by the measured thread.
/// </summary>
public static class Harness
{
    public static Figure Measure<T>(string benchmark, string size, Func<T> setup, Action<T> operation, int iterations, int warmup = 1)
    {
        for (int i = 0; i < warmup; i++) operation(setup());
        var times = new List<double>(iterations);
        long allocated = 0;
        for (int i = 0; i < iterations; i++)
        {
            var state = setup();
            GC.Collect();
            long before = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            operation(state);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        times.Sort();
        return new Figure(benchmark, size, times[times.Count / 2], allocated / iterations);
    }

    public static string FormatMs(double ms) => ms switch
    {
        < 1 => ms.ToString("0.000", CultureInfo.InvariantCulture),
        < 100 => ms.ToString("0.00", CultureInfo.InvariantCulture),
        _ => ms.ToString("0", CultureInfo.InvariantCulture),
    };

    public static string FormatBytes(long bytes) => bytes switch
    {
        < 10_000 => $"{bytes} B",
        < 10_000_000 => $"{bytes / 1024} KiB",
        _ => $"{bytes / 1048576} MiB",
    };
}

namespace HaManager.Simulator.Fuzzing;

/// <summary>
/// SplitMix64: a tiny, fully specified generator, so a seed produces the same stream on every machine
/// and every .NET version (System.Random's algorithm is an implementation detail).
/// </summary>
public sealed class FuzzRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextBits()
    {
        // The algorithm relies on wrap-around arithmetic (overflow checks are on in Debug builds).
        unchecked
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>A number in [0, <paramref name="max"/>).</summary>
    public int Next(int max) => max <= 0 ? 0 : (int)(NextBits() % (ulong)max);

    /// <summary>A number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Between(int min, int max) => min + Next(max - min + 1);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => (NextBits() >> 11) * (1.0 / (1UL << 53)) < p;

    /// <summary>One element of a non-empty list.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
}

namespace HaManager.Core.Scheduling;

/// <summary>What one resource consumes (rules-scheduling §4.4–§4.5): configured maxima and measured use.</summary>
/// <param name="Cpu">Cores in use (static: the configured maximum).</param>
/// <param name="MaxCpu">Configured cores; 0 means "the whole node".</param>
/// <param name="Mem">Bytes in use (static: the configured maximum).</param>
/// <param name="MaxMem">Configured bytes.</param>
public readonly record struct ResourceStats(double Cpu, double MaxCpu, long Mem, long MaxMem)
{
    /// <summary>Component-wise sum (a bundle moves as one).</summary>
    public static ResourceStats operator +(ResourceStats a, ResourceStats b) =>
        new(a.Cpu + b.Cpu, a.MaxCpu + b.MaxCpu, a.Mem + b.Mem, a.MaxMem + b.MaxMem);
}

/// <summary>One node's load as the CRS mathematics sees it (rules-scheduling §6.1).</summary>
public struct NodeStats(double cpu, double maxCpu, long mem, long maxMem)
{
    /// <summary>Cores in use.</summary>
    public double Cpu = cpu;
    /// <summary>Cores available.</summary>
    public readonly double MaxCpu = maxCpu;
    /// <summary>Bytes in use.</summary>
    public long Mem = mem;
    /// <summary>Bytes available.</summary>
    public readonly long MaxMem = maxMem;

    /// <summary>cpu / maxcpu.</summary>
    public readonly double CpuLoad => Cpu / MaxCpu;

    /// <summary>mem / maxmem.</summary>
    public readonly double MemLoad => (double)Mem / MaxMem;

    /// <summary>Mean of CPU and memory load.</summary>
    public readonly double Load => (CpuLoad + MemLoad) / 2;

    /// <summary>Accounts a resource with its configured maxima (maxcpu 0 takes the whole node).</summary>
    public void AddStarted(ResourceStats r)
    {
        Cpu += r.MaxCpu == 0 ? MaxCpu : r.MaxCpu;
        Mem += r.MaxMem;
    }

    /// <summary>Accounts a resource with its measured use.</summary>
    public void AddRunning(ResourceStats r)
    {
        Cpu += r.Cpu;
        Mem += r.Mem;
    }

    /// <summary>Removes a resource's measured use, never below zero.</summary>
    public void RemoveRunning(ResourceStats r)
    {
        Cpu = Math.Max(0, Cpu - r.Cpu);
        Mem = Math.Max(0, Mem - r.Mem);
    }
}

/// <summary>The CRS mathematics of rules-scheduling §6.2 and §6.4, summing in node order.</summary>
public static class CrsMath
{
    private static readonly double[] Weights = [1.0 / 18, 2.0 / 18, 5.0 / 18, 10.0 / 18];

    /// <summary>The four minimised criteria of a cluster state: average and highest CPU and memory load.</summary>
    public static double[] Alternative(IReadOnlyList<NodeStats> nodes)
    {
        double cpuSquares = 0, memSquares = 0, cpuMax = 0, memMax = 0;
        foreach (var node in nodes)
        {
            double cpu = node.CpuLoad, mem = node.MemLoad;
            cpuSquares += cpu * cpu;
            memSquares += mem * mem;
            cpuMax = Math.Max(cpuMax, cpu);
            memMax = Math.Max(memMax, mem);
        }
        int n = nodes.Count;
        return [1 + Math.Sqrt(cpuSquares / n), 1 + cpuMax, 1 + Math.Sqrt(memSquares / n), 1 + memMax];
    }

    /// <summary>TOPSIS closeness of each alternative (higher is better, in [0, 1]).</summary>
    public static double[] Topsis(IReadOnlyList<double[]> rows)
    {
        int criteria = Weights.Length;
        var normalised = rows.Select(r => (double[])r.Clone()).ToArray();
        for (int j = 0; j < criteria; j++)
        {
            double sum = 0;
            foreach (var row in normalised) sum += row[j] * row[j];
            double d = Math.Sqrt(sum);
            if (d != 0)
                foreach (var row in normalised) row[j] /= d;
        }
        var best = new double[criteria];
        var worst = new double[criteria];
        for (int j = 0; j < criteria; j++)
        {
            best[j] = normalised.Min(r => r[j]);
            worst[j] = normalised.Max(r => r[j]);
        }
        var scores = new double[normalised.Length];
        for (int i = 0; i < normalised.Length; i++)
        {
            double plus = 0, minus = 0;
            for (int j = 0; j < criteria; j++)
            {
                double dp = Weights[j] * (normalised[i][j] - best[j]);
                double dm = Weights[j] * (normalised[i][j] - worst[j]);
                plus += dp * dp;
                minus += dm * dm;
            }
            plus = Math.Sqrt(plus);
            minus = Math.Sqrt(minus);
            scores[i] = plus + minus == 0 ? 0 : minus / (minus + plus);
        }
        return scores;
    }

    /// <summary>Coefficient of variation of the node loads (0 when nothing is loaded).</summary>
    public static double Imbalance(IReadOnlyList<NodeStats> nodes)
    {
        double sum = 0;
        foreach (var node in nodes) sum += node.Load;
        if (sum == 0) return 0;
        int n = nodes.Count;
        double mean = sum / n;
        double variance = 0;
        foreach (var node in nodes)
        {
            double d = node.Load - mean;
            variance += d * d;
        }
        variance /= n;
        return Math.Sqrt(variance) / mean;
    }

    /// <summary>Truncates to 15 decimal places (how a candidate's imbalance is reported).</summary>
    public static double Truncate15(double x) => Math.Truncate(x * 1e15) / 1e15;

    /// <summary>C's <c>%.2f</c>: the exact binary value rounded to two decimals, exact ties to even.</summary>
    public static string FormatFixed2(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value)) return value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        bool negative = value < 0;
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(value));
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent++;
        else mantissa |= 1L << 52;
        exponent -= 1075;
        // value * 100 = mantissa * 100 * 2^exponent, as the exact fraction num / den.
        var num = new System.Numerics.BigInteger(mantissa) * 100;
        var den = System.Numerics.BigInteger.One;
        if (exponent >= 0) num <<= exponent;
        else den <<= -exponent;
        var quotient = System.Numerics.BigInteger.DivRem(num, den, out var remainder);
        var twice = remainder * 2;
        if (twice > den || (twice == den && !quotient.IsEven)) quotient += 1;
        string digits = quotient.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(3, '0');
        string text = digits[..^2] + "." + digits[^2..];
        return negative && quotient != 0 ? "-" + text : text;
    }
}

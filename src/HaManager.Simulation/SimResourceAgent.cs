using HaManager.Core.Environment;

namespace HaManager.Simulator;

/// <summary>
/// Simulated VMs, containers and the failing <c>fa</c> type (simulator §8). Running state is the
/// calling node's running map; locks are the <c>lock</c> property of the service configuration.
/// <c>fa:&lt;a&gt;&lt;b&gt;&lt;c&gt;[d[e[f]]]</c>: b failed starts, c failed migrations before success,
/// d≠0 stop never works, f≠0 failures only on node&lt;f&gt;; counters are run-wide per sid.
/// </summary>
public sealed class SimResourceAgent(SimCluster cluster, SimEnvironment env, string type) : IResourceAgent
{
    /// <summary>What a simulated start, stop or migration "sleeps": it only feeds the iteration's wait
    /// accumulator (simulator §8.1), so ~150 actions in one LRM iteration end the run as "loop took too long".</summary>
    private const long ActionSeconds = 2;

    private Dictionary<string, bool> Running => env.Node.RunningServices;

    private string? LockOf(string sid) => cluster.ServiceConfig.Get(sid, "lock");

    /// <inheritdoc/>
    public bool CheckRunning(string sid) => Running.TryGetValue(sid, out bool on) && on;

    /// <inheritdoc/>
    public void Start(string sid)
    {
        env.AddDelay(ActionSeconds);
        if (type == "fa" && FailsNow(sid, FailingDigit(sid, 1), cluster.FailingStartCounters)) return;
        if (LockOf(sid) is { } l)
        {
            env.Write(LogLevel.Err, $"service '{sid}' locked ({l}), unable to start!");
            return;
        }
        if (cluster.Simulation is { Observer: { } observer } sim) observer.ServiceStarting(sim, env.Node, sid);
        Running[sid] = true;
    }

    /// <inheritdoc/>
    public void Shutdown(string sid, string? timeout)
    {
        env.AddDelay(ActionSeconds);
        if (type == "fa" && FailingDigit(sid, 3) != 0 && Digits(sid).Length >= 3) return;
        if (LockOf(sid) is { } l)
        {
            env.Write(LogLevel.Err, $"service '{sid}' locked ({l}), unable to shutdown!");
            return;
        }
        Running[sid] = false;
    }

    /// <inheritdoc/>
    public bool Migrate(string sid, string target, bool online)
    {
        env.AddDelay(ActionSeconds);
        if (type == "fa" && FailsNow(sid, FailingDigit(sid, 2), cluster.FailingMigrateCounters)) return false;
        if (type == "ct" && online && CheckRunning(sid))
        {
            env.Write(LogLevel.Warning, "unable to live migrate running container, fallback to relocate");
            online = false;
        }
        string kind = online ? "migrate" : "relocate";
        env.Write(LogLevel.Info, $"service {sid} - start {kind} to node '{target}'");
        if (LockOf(sid) is { } l)
        {
            env.Write(LogLevel.Err, $"service '{sid}' locked ({l}), unable to {kind}!");
            return false;
        }
        if (!online && CheckRunning(sid))
        {
            env.Write(LogLevel.Info, $"stopping service {sid} (relocate)");
            Shutdown(sid, null);
            env.Write(LogLevel.Info, $"service status {sid} stopped");
        }
        if (cluster.ServiceConfig.Get(sid, "node") != env.NodeName)
            throw new SimulationFatalException($"service '{sid}' not on node '{env.NodeName}'\n");
        cluster.ServiceConfig.Set(sid, "node", target);
        env.Write(LogLevel.Info, $"service {sid} - end {kind} to node '{target}'");
        Running.Remove(sid);
        return true;
    }

    /// <inheritdoc/>
    public string? RemoveLocks(string sid, IReadOnlyList<string> lockNames)
    {
        if (LockOf(sid) is not { } l || !lockNames.Contains(l)) return null;
        cluster.ServiceConfig.Remove(sid, "lock");
        return l;
    }

    /// <summary>Whether <paramref name="sid"/> is an <c>fa</c> resource that fails some starts or moves
    /// (simulator §8.3: at least three digits, b or c non-zero).</summary>
    public static bool FailsSometimes(string sid) =>
        sid.StartsWith("fa:", StringComparison.Ordinal) && Digits(sid).Length >= 3
        && (FailingDigit(sid, 1) != 0 || FailingDigit(sid, 2) != 0);

    private static string Digits(string sid) => sid[(sid.IndexOf(':') + 1)..];

    /// <summary>The digit at <paramref name="index"/> of the id (0 when absent).</summary>
    private static int FailingDigit(string sid, int index)
    {
        string digits = Digits(sid);
        return index < digits.Length ? digits[index] - '0' : 0;
    }

    /// <summary>Counts an attempt and tells whether it fails (simulator §8.3).</summary>
    private bool FailsNow(string sid, int failures, Dictionary<string, int> counters)
    {
        string digits = Digits(sid);
        if (digits.Length < 3) return false;
        int onlyOn = FailingDigit(sid, 5);
        if (onlyOn != 0 && env.NodeName != $"node{onlyOn}")
        {
            counters[sid] = 0;
            return false;
        }
        int count = counters.GetValueOrDefault(sid) + 1;
        counters[sid] = count;
        if (failures >= count) return true;
        counters[sid] = 0;
        return false;
    }
}

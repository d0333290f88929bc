using HaManager.Core.Environment;
using HaManager.Core.Master;
using HaManager.Core.Model;

namespace HaManager.Core.Scheduling;

/// <summary>Builds a round's usage account (crm-manager §9.1, rules-scheduling §4.1).</summary>
public static class UsageBuilder
{
    /// <summary>
    /// A fresh usage for <paramref name="online"/> in the configured mode (falling back to basic, with the
    /// warning, when the scheduler cannot be initialised), with every tracked service and then every
    /// untracked resource of <paramref name="stats"/> added in sid order.
    /// </summary>
    public static IOnlineUsage Build(string mode, IReadOnlyList<string> online,
        IReadOnlyDictionary<string, ServiceStatusEntry> serviceStatus, IReadOnlyDictionary<string, ServiceStats> stats,
        Func<bool, IReadOnlyDictionary<string, NodeUsage>> nodeStats, Action<LogLevel, string> log)
    {
        IOnlineUsage? usage = null;
        var scheduler = SchedulerModes.Parse(mode);
        if (scheduler is SchedulerMode.Static or SchedulerMode.Dynamic)
        {
            bool dynamic = scheduler == SchedulerMode.Dynamic;
            string? error;
            try { usage = CrsUsage.TryCreate(dynamic, online, nodeStats(dynamic), stats, log, out error); }
            catch (HaEnvironmentException e)
            {
                // The statistics could not be obtained at all (e.g. a running guest without measured load):
                // this round falls back to basic instead of failing as a whole (found by the fuzzer).
                error = $"did not get {mode} node usage information - {e.Message.TrimEnd('\n')}";
            }
            if (usage is null) log(LogLevel.Warning, $"fallback to 'basic' scheduler mode, init for '{mode}' failed - {error}");
        }
        else if (scheduler is null) log(LogLevel.Warning, $"got unknown scheduler mode '{mode}', using 'basic'");
        if (usage is null)
        {
            var basic = new BasicUsage();
            foreach (var node in online) basic.AddNode(node);
            usage = basic;
        }
        var tracked = serviceStatus is SortedMap<ServiceStatusEntry> sorted
            ? (IEnumerable<KeyValuePair<string, ServiceStatusEntry>>)sorted
            : serviceStatus.OrderBy(kv => kv.Key, StringComparer.Ordinal);
        foreach (var (sid, sd) in tracked) Add(usage, sid, sd);
        foreach (var (sid, s) in stats.Where(kv => !serviceStatus.ContainsKey(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            usage.AddServiceUsage(sid, s.State, s.Node, null, s.Running);
        return usage;
    }

    /// <summary>Accounts one service: a started service is running once the LRM confirmed it; any other
    /// state counts as running iff it loads its current node (rules-scheduling §4.2).</summary>
    public static void Add(IOnlineUsage usage, string sid, ServiceStatusEntry sd)
    {
        string state = StateNames.Of(sd.State);
        bool running = sd.State == ServiceState.Started ? sd.Running
            : UsagePlacement.Of(state).OnNode && usage.Nodes.Contains(sd.Node);
        usage.AddServiceUsage(sid, state, sd.Node, sd.Target, running);
    }
}

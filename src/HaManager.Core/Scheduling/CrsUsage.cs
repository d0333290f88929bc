using HaManager.Core.Environment;
using HaManager.Core.Master;

namespace HaManager.Core.Scheduling;

/// <summary>A bundle of services that may be moved together to rebalance (rules-scheduling §7.3).</summary>
/// <param name="Leader">The ordinally smallest sid of the bundle.</param>
/// <param name="Resources">All members, sorted.</param>
/// <param name="Targets">Nodes it may move to, sorted.</param>
public sealed record BalancingCandidate(string Leader, IReadOnlyList<string> Resources, IReadOnlyList<string> Targets);

/// <summary>The chosen rebalancing move and the imbalance expected after it.</summary>
/// <param name="Leader">The bundle's leader.</param>
/// <param name="Source">Where the bundle is.</param>
/// <param name="Target">Where it goes.</param>
/// <param name="ExpectedImbalance">Imbalance after the move, truncated to 15 decimals.</param>
public sealed record BalancingMigration(string Leader, string Source, string Target, double ExpectedImbalance);

/// <summary>
/// Usage for the <c>static</c> and <c>dynamic</c> schedulers (rules-scheduling §4.4–§4.5, §6): resources
/// registered on the online nodes with their stats, TOPSIS start scores, imbalance and balancing moves.
/// Per-node sums are taken in sid order so results never depend on registration history.
/// </summary>
public sealed class CrsUsage : IOnlineUsage
{
    private sealed record Registration(ResourceStats Stats, string? Current, string? Target, bool Running)
    {
        public bool Moving => Current is not null && Target is not null;
    }

    private readonly bool _dynamic;
    private readonly string _modeName;
    private readonly IReadOnlyDictionary<string, ServiceStats> _serviceStats;
    private readonly Action<LogLevel, string> _log;
    private readonly List<string> _nodes;
    private readonly Dictionary<string, NodeStats> _base = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<string, Registration>> _byNode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Registration> _registrations = new(StringComparer.Ordinal);

    private CrsUsage(bool dynamic, IReadOnlyList<string> nodes, IReadOnlyDictionary<string, ServiceStats> serviceStats,
        Action<LogLevel, string> log)
    {
        _dynamic = dynamic;
        _modeName = SchedulerModes.Name(dynamic ? SchedulerMode.Dynamic : SchedulerMode.Static);
        _nodes = [.. nodes];
        _serviceStats = serviceStats;
        _log = log;
    }

    /// <summary>Initialises the scheduler for the online nodes; null and the reason when a node's capacity
    /// is unknown (the Manager then falls back to basic).</summary>
    public static CrsUsage? TryCreate(bool dynamic, IReadOnlyList<string> onlineNodes, IReadOnlyDictionary<string, NodeUsage> nodeStats,
        IReadOnlyDictionary<string, ServiceStats> serviceStats, Action<LogLevel, string> log, out string? error)
    {
        string mode = SchedulerModes.Name(dynamic ? SchedulerMode.Dynamic : SchedulerMode.Static);
        var usage = new CrsUsage(dynamic, onlineNodes, serviceStats, log);
        foreach (var node in onlineNodes)
        {
            if (!nodeStats.TryGetValue(node, out var stats))
            {
                error = $"did not get {mode} node usage information for '{node}'";
                return null;
            }
            if (stats.MaxCpu is not { } maxCpu)
            {
                error = $"{mode} node usage information for '{node}' missing cpu count";
                return null;
            }
            if (stats.MaxMem is not { } maxMem)
            {
                error = $"{mode} node usage information for '{node}' missing memory";
                return null;
            }
            usage._base[node] = dynamic
                ? new NodeStats(stats.Cpu, maxCpu, stats.Mem, maxMem)
                : new NodeStats(0, Math.Truncate(maxCpu), 0, maxMem);
            usage._byNode[node] = new SortedDictionary<string, Registration>(StringComparer.Ordinal);
        }
        error = null;
        return usage;
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Nodes => _nodes;

    /// <inheritdoc/>
    public void AddNode(string node) =>
        throw new InvalidOperationException("CRS usage nodes are fixed at initialisation");

    /// <summary>The stats of a resource for this mode, or the reason they are unusable.</summary>
    private bool TryGetStats(string sid, out ResourceStats stats, out string reason)
    {
        stats = default;
        var usage = _serviceStats.TryGetValue(sid, out var s) ? (_dynamic ? s.Dynamic : s.Static) : null;
        if (usage is null)
        {
            reason = $"did not get {_modeName} service usage information for '{sid}'";
            return false;
        }
        string? missing = usage.MaxCpu is null ? "maxcpu" : usage.MaxMem is null ? "maxmem"
            : _dynamic && usage.Cpu is null ? "cpu" : _dynamic && usage.Mem is null ? "mem" : null;
        if (missing is not null)
        {
            reason = $"error: missing field `{missing}`";
            return false;
        }
        stats = _dynamic
            ? new ResourceStats(usage.Cpu!.Value, usage.MaxCpu!.Value, usage.Mem!.Value, usage.MaxMem!.Value)
            : new ResourceStats(usage.MaxCpu!.Value, usage.MaxCpu!.Value, usage.MaxMem!.Value, usage.MaxMem!.Value);
        reason = "";
        return true;
    }

    /// <inheritdoc/>
    public void AddServiceUsage(string sid, string state, string node, string? target, bool running)
    {
        var (onNode, onTarget) = UsagePlacement.Of(state);
        string? current = onNode && _byNode.ContainsKey(node) ? node : null;
        string? counted = onTarget && target is not null && _byNode.ContainsKey(target) ? target : null;
        if (current is null && counted is null) return;
        if (!TryGetStats(sid, out var stats, out var reason))
        {
            _log(LogLevel.Warning, $"unable to add service '{sid}' - {reason}");
            return;
        }
        // Only the target counted: stationary there. Both: moving. Else stationary on the current node.
        var registration = current is null ? new Registration(stats, counted, null, running) : new Registration(stats, current, counted, running);
        _registrations[sid] = registration;
        _byNode[registration.Current!][sid] = registration;
        if (registration.Target is { } t) _byNode[t][sid] = registration;
    }

    /// <inheritdoc/>
    public void RemoveServiceUsage(string sid)
    {
        if (!_registrations.Remove(sid, out var registration)) return;
        _byNode[registration.Current!].Remove(sid);
        if (registration.Target is { } t) _byNode[t].Remove(sid);
    }

    /// <summary>The node view used for start scoring: static counts every registered resource as started,
    /// dynamic adds only the ones not yet running to the measured use.</summary>
    private NodeStats StartView(string node)
    {
        var view = _base[node];
        foreach (var registration in _byNode[node].Values)
            if (!_dynamic || !registration.Running) view.AddStarted(registration.Stats);
        return view;
    }

    /// <summary>The node view for imbalance and balancing: static as for starting, dynamic the measured use.</summary>
    private NodeStats ImbalanceView(string node) => _dynamic ? _base[node] : StartView(node);

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> ScoreNodesToStartService(string sid)
    {
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!TryGetStats(sid, out var stats, out var reason))
        {
            _log(LogLevel.Err, $"unable to score nodes according to {_modeName} usage for service '{sid}' - {reason}");
            foreach (var node in _nodes) scores[node] = 0;
            return scores;
        }
        var views = _nodes.Select(StartView).ToArray();
        var alternatives = new List<double[]>(_nodes.Count);
        for (int i = 0; i < views.Length; i++)
        {
            var hypothetical = (NodeStats[])views.Clone();
            hypothetical[i].AddStarted(stats);
            alternatives.Add(CrsMath.Alternative(hypothetical));
        }
        var closeness = CrsMath.Topsis(alternatives);
        for (int i = 0; i < _nodes.Count; i++) scores[_nodes[i]] = -closeness[i];
        return scores;
    }

    /// <inheritdoc/>
    public double NodeImbalance() => _nodes.Count == 0 ? 0 : CrsMath.Imbalance(_nodes.Select(ImbalanceView).ToArray());

    /// <inheritdoc/>
    public BalancingMigration? BestBalancingMigration(IReadOnlyList<BalancingCandidate> candidates, string method)
    {
        if (method is not ("bruteforce" or "topsis")) return null;
        var views = _nodes.Select(ImbalanceView).ToArray();
        var index = _nodes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        var moves = new List<BalancingMigration>();
        var alternatives = method == "topsis" ? new List<double[]>() : null;
        // One scratch copy of the cluster: apply a move to its two nodes, evaluate, restore them.
        var scratch = (NodeStats[])views.Clone();
        foreach (var candidate in candidates)
        {
            if (!TryBundleStats(candidate, out var source, out var stats, out var error))
            {
                _log(LogLevel.Warning, $"unable to score best balancing migration - {error}");
                return null;
            }
            int from = index[source];
            foreach (var target in candidate.Targets)
            {
                int to = index[target];
                scratch[from].RemoveRunning(stats);
                scratch[to].AddRunning(stats);
                moves.Add(new BalancingMigration(candidate.Leader, source, target, CrsMath.Truncate15(CrsMath.Imbalance(scratch))));
                alternatives?.Add(CrsMath.Alternative(scratch));
                scratch[from] = views[from];
                scratch[to] = views[to];
            }
        }
        if (moves.Count == 0) return null;
        if (alternatives is null)
        {
            // Brute force: smallest expected imbalance; candidates come in (leader, target) order, and the
            // source is the leader's node, so the first minimum is the (leader, source, target) tie-break.
            var best = moves[0];
            foreach (var move in moves)
                if (move.ExpectedImbalance < best.ExpectedImbalance) best = move;
            return best;
        }
        var closeness = CrsMath.Topsis(alternatives);
        int top = 0;
        for (int i = 1; i < closeness.Length; i++)
            if (closeness[i] > closeness[top]) top = i;
        return moves[top];
    }

    private bool TryBundleStats(BalancingCandidate candidate, out string source, out ResourceStats stats, out string error)
    {
        stats = default;
        source = "";
        if (!_registrations.TryGetValue(candidate.Leader, out var leader))
        {
            error = $"leader '{candidate.Leader}' is not present in the cluster usage";
            return false;
        }
        if (leader.Moving)
        {
            error = $"leader '{candidate.Leader}' is non-stationary";
            return false;
        }
        source = leader.Current!;
        foreach (var sid in candidate.Resources)
        {
            if (!_registrations.TryGetValue(sid, out var r))
            {
                error = $"resource '{sid}' is not present in the cluster usage";
                return false;
            }
            if (r.Moving)
            {
                error = $"resource '{sid}' is non-stationary";
                return false;
            }
            if (r.Current != source)
            {
                error = $"resource '{sid}' is on other node than leader";
                return false;
            }
            stats += r.Stats;
        }
        error = "";
        return true;
    }
}

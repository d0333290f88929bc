using HaManager.Core.Model;

namespace HaManager.Core.Master;

/// <summary>
/// Which services load which online node, rebuilt every round and updated on every service state
/// change (crm-manager §9.1). Implemented per scheduler mode; the basic one counts services.
/// </summary>
public interface IOnlineUsage
{
    /// <summary>The online nodes of this round, ordinal.</summary>
    IReadOnlyList<string> Nodes { get; }

    /// <summary>Adds an online node.</summary>
    void AddNode(string node);

    /// <summary>Accounts a service in state <paramref name="state"/> (a service-state or requested-state
    /// word) on its node and/or target as the table of crm-manager §9.1 says; <paramref name="running"/>
    /// tells the dynamic scheduler whether its load is already measured.</summary>
    void AddServiceUsage(string sid, string state, string node, string? target, bool running);

    /// <summary>Removes everything a service contributed.</summary>
    void RemoveServiceUsage(string sid);

    /// <summary>Scores every online node for starting <paramref name="sid"/>; lower is better.</summary>
    IReadOnlyDictionary<string, double> ScoreNodesToStartService(string sid);

    /// <summary>How unevenly the online nodes are loaded (0 = even; basic: always 0).</summary>
    double NodeImbalance();

    /// <summary>The best move among the candidates by <paramref name="method"/> (<c>bruteforce</c> or
    /// <c>topsis</c>), or null (basic: always null).</summary>
    Scheduling.BalancingMigration? BestBalancingMigration(IReadOnlyList<Scheduling.BalancingCandidate> candidates, string method);
}

/// <summary>Where a service in a given state puts load (crm-manager §9.1).</summary>
public static class UsagePlacement
{
    /// <summary>(counts on node, counts on target) for a state word.</summary>
    public static (bool OnNode, bool OnTarget) Of(string state) => state switch
    {
        "started" or "request_stop" or "fence" or "freeze" or "error" or "recovery" => (true, false),
        "migrate" or "relocate" => (true, true),
        "request_start_balance" => (false, true),
        _ => (false, false),
    };
}

/// <summary>The basic scheduler's usage: the number of distinct services counted on each node.</summary>
public sealed class BasicUsage : IOnlineUsage
{
    private readonly List<string> _nodes = [];
    private readonly Dictionary<string, HashSet<string>> _servicesByNode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string? First, string? Second)> _nodesByService = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public IReadOnlyList<string> Nodes => _nodes;

    /// <inheritdoc/>
    public void AddNode(string node)
    {
        if (_servicesByNode.ContainsKey(node)) return;
        _servicesByNode[node] = new HashSet<string>(StringComparer.Ordinal);
        int at = _nodes.BinarySearch(node, StringComparer.Ordinal);
        _nodes.Insert(at < 0 ? ~at : at, node);
    }

    /// <inheritdoc/>
    public void AddServiceUsage(string sid, string state, string node, string? target, bool running)
    {
        var (onNode, onTarget) = UsagePlacement.Of(state);
        if (onNode) Count(sid, node);
        if (onTarget && target is not null) Count(sid, target);
    }

    private void Count(string sid, string node)
    {
        if (!_servicesByNode.TryGetValue(node, out var services)) return; // offline nodes carry no load
        if (!services.Add(sid)) return;
        // A service loads at most two nodes (its node and its target).
        var nodes = _nodesByService.GetValueOrDefault(sid);
        _nodesByService[sid] = nodes.First is null ? (node, null) : (nodes.First, node);
    }

    /// <inheritdoc/>
    public void RemoveServiceUsage(string sid)
    {
        if (!_nodesByService.Remove(sid, out var nodes)) return;
        if (nodes.First is not null) _servicesByNode[nodes.First].Remove(sid);
        if (nodes.Second is not null) _servicesByNode[nodes.Second].Remove(sid);
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> ScoreNodesToStartService(string sid)
    {
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var node in _nodes) scores[node] = _servicesByNode[node].Count;
        return scores;
    }

    /// <inheritdoc/>
    public double NodeImbalance() => 0;

    /// <inheritdoc/>
    public Scheduling.BalancingMigration? BestBalancingMigration(IReadOnlyList<Scheduling.BalancingCandidate> candidates,
        string method) => null;
}

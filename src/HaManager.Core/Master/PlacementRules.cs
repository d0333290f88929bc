using HaManager.Core.Model;
using HaManager.Core.Rules;

namespace HaManager.Core.Master;

/// <summary>Compiled rules as node selection sees them (rules-scheduling §5.2–§5.3).</summary>
public sealed class PlacementRules(CompiledRules compiled) : IPlacementRules
{
    /// <summary>The compiled rules.</summary>
    public CompiledRules Compiled { get; } = compiled;

    /// <inheritdoc/>
    public NodeAffinity GetNodeAffinity(string sid, IReadOnlyList<string> onlineNodes)
    {
        if (!Compiled.NodeAffinity.TryGetValue(sid, out var priorities)) return new NodeAffinity(onlineNodes, onlineNodes);
        var allowed = onlineNodes.Where(priorities.ContainsKey).ToList();
        if (allowed.Count == 0) return new NodeAffinity(allowed, allowed);
        int best = allowed.Max(n => priorities[n]);
        return new NodeAffinity(allowed, allowed.Where(n => priorities[n] == best).ToList());
    }

    /// <inheritdoc/>
    public ResourceAffinity GetResourceAffinity(string sid, IReadOnlyDictionary<string, ServiceStatusEntry> serviceStatus,
        IReadOnlyCollection<string> onlineNodes)
    {
        var together = new Dictionary<string, int>(StringComparer.Ordinal);
        var separate = new HashSet<string>(StringComparer.Ordinal);
        foreach (var partner in Compiled.PositiveOf(sid))
        {
            if (!serviceStatus.TryGetValue(partner, out var sd)) continue;
            var (current, target) = CountedNodes(sd, onlineNodes);
            if ((target ?? current) is { } node) together[node] = together.GetValueOrDefault(node) + 1;
        }
        foreach (var partner in Compiled.NegativeOf(sid))
        {
            if (!serviceStatus.TryGetValue(partner, out var sd)) continue;
            var (current, target) = CountedNodes(sd, onlineNodes);
            if (current is not null) separate.Add(current);
            if (target is not null) separate.Add(target);
        }
        return new ResourceAffinity(together, separate);
    }

    /// <summary>The online nodes a service's state puts load on (rules-scheduling §4.2).</summary>
    public static (string? Current, string? Target) CountedNodes(ServiceStatusEntry sd, IReadOnlyCollection<string> onlineNodes)
    {
        var (onNode, onTarget) = UsagePlacement.Of(StateNames.Of(sd.State));
        string? current = onNode && onlineNodes.Contains(sd.Node) ? sd.Node : null;
        string? target = onTarget && sd.Target is { } t && onlineNodes.Contains(t) ? t : null;
        return (current, target);
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> GetPositivePartners(string sid) => [.. Compiled.PositiveOf(sid)];

    /// <inheritdoc/>
    public IReadOnlyList<string> GetNegativePartners(string sid) => [.. Compiled.NegativeOf(sid)];
}

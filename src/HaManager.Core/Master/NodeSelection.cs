using HaManager.Core.Model;

namespace HaManager.Core.Master;

/// <summary>How strongly node selection should prefer staying (rules-scheduling §5.1).</summary>
public enum SelectionPreference
{
    /// <summary>Stay on the current node if possible (normal <c>started</c> processing).</summary>
    None,
    /// <summary>The best-scored node (recovery, rebalance on start).</summary>
    BestScore,
    /// <summary>The next node not yet tried (after a failed start).</summary>
    TryNext,
}

/// <summary>Node sets derived from the placement rules for one service.</summary>
/// <param name="Allowed">Online nodes the service may run on.</param>
/// <param name="Preferred">Those of them with the highest priority.</param>
public sealed record NodeAffinity(IReadOnlyCollection<string> Allowed, IReadOnlyCollection<string> Preferred);

/// <summary>Node sets derived from resource affinity for one service.</summary>
/// <param name="Together">Node → number of positive partners there.</param>
/// <param name="Separate">Nodes holding a negative partner.</param>
public sealed record ResourceAffinity(IReadOnlyDictionary<string, int> Together, IReadOnlySet<string> Separate);

/// <summary>The placement rules as node selection needs them. Without rules every online node is
/// allowed and preferred and there is no resource affinity.</summary>
public interface IPlacementRules
{
    /// <summary>Allowed and preferred nodes of <paramref name="sid"/> among <paramref name="onlineNodes"/>.</summary>
    NodeAffinity GetNodeAffinity(string sid, IReadOnlyList<string> onlineNodes);

    /// <summary>Together/separate node sets of <paramref name="sid"/> given the current service status;
    /// only load on <paramref name="onlineNodes"/> counts.</summary>
    ResourceAffinity GetResourceAffinity(string sid, IReadOnlyDictionary<string, ServiceStatusEntry> serviceStatus,
        IReadOnlyCollection<string> onlineNodes);

    /// <summary>Services that must run on the same node as <paramref name="sid"/>, ordinal.</summary>
    IReadOnlyList<string> GetPositivePartners(string sid);

    /// <summary>Services that must not run on the same node as <paramref name="sid"/>, ordinal.</summary>
    IReadOnlyList<string> GetNegativePartners(string sid);
}

/// <summary>No rules: every online node is allowed and preferred.</summary>
public sealed class NoPlacementRules : IPlacementRules
{
    private static readonly ResourceAffinity None =
        new(new Dictionary<string, int>(), new HashSet<string>());

    /// <summary>The shared instance.</summary>
    public static NoPlacementRules Instance { get; } = new();

    /// <inheritdoc/>
    public NodeAffinity GetNodeAffinity(string sid, IReadOnlyList<string> onlineNodes) => new(onlineNodes, onlineNodes);

    /// <inheritdoc/>
    public ResourceAffinity GetResourceAffinity(string sid, IReadOnlyDictionary<string, ServiceStatusEntry> serviceStatus,
        IReadOnlyCollection<string> onlineNodes) => None;

    /// <inheritdoc/>
    public IReadOnlyList<string> GetPositivePartners(string sid) => [];

    /// <inheritdoc/>
    public IReadOnlyList<string> GetNegativePartners(string sid) => [];
}

/// <summary>select_service_node (crm-manager §9.2, rules-scheduling §5.3).</summary>
public static class NodeSelection
{
    /// <summary>Picks a node for <paramref name="sid"/>; null when none is possible.</summary>
    public static string? Select(string sid, ServiceStatusEntry sd, bool failback, SelectionPreference preference,
        IOnlineUsage usage, IPlacementRules rules, IReadOnlyDictionary<string, ServiceStatusEntry> serviceStatus)
    {
        string current = sd.Node;
        var affinity = rules.GetNodeAffinity(sid, usage.Nodes);
        if (affinity.Preferred.Count == 0) return null;

        var resource = rules.GetResourceAffinity(sid, serviceStatus, usage.Nodes);
        // The common case of every round: nothing pulls the service anywhere and its node is preferred, so
        // steps 4–9 all keep it where it is. Decided without building node sets.
        if (preference == SelectionPreference.None && sd.MaintenanceNode is null && resource.Together.Count == 0
            && resource.Separate.Count == 0 && affinity.Preferred.Contains(current))
            return current;
        bool currentPermitted = resource.Together.ContainsKey(current) || !resource.Separate.Contains(current);
        if (preference == SelectionPreference.None && !failback && affinity.Allowed.Contains(current) && currentPermitted)
            return current;

        var preferred = new HashSet<string>(affinity.Preferred, StringComparer.Ordinal);
        if (preference == SelectionPreference.TryNext && sd.FailedNodes is not null)
            preferred.ExceptWith(sd.FailedNodes);
        preferred.ExceptWith(resource.Separate);

        var together = resource.Together.Where(kv => preferred.Contains(kv.Key))
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        if (together.Count > 0) preferred = new HashSet<string>(StringComparer.Ordinal) { together[0].Key };

        if (sd.MaintenanceNode is not null && preferred.Contains(sd.MaintenanceNode)) return sd.MaintenanceNode;
        if (preference == SelectionPreference.None && preferred.Contains(current)) return current;

        // Scores cover every online node: TOPSIS results depend on the whole set.
        var scores = usage.ScoreNodesToStartService(sid);
        var ranked = preferred.OrderBy(n => scores[n]).ThenBy(n => n, StringComparer.Ordinal).ToList();
        if (ranked.Count == 0) return null;
        if (preference == SelectionPreference.TryNext)
        {
            int at = ranked.IndexOf(current);
            if (at >= 0 && at < ranked.Count - 1) return ranked[at + 1];
        }
        return ranked[0];
    }
}

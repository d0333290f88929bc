using HaManager.Core.Master;
using HaManager.Core.Model;

namespace HaManager.Core.Scheduling;

/// <summary>What automatic rebalancing may move (rules-scheduling §5.7, §7.3).</summary>
public static class Rebalancing
{
    /// <summary>
    /// Every active stationary bundle that has somewhere to go, in leader order: a started service plus its
    /// started positive partners, all on one node, none of them moving; targets are the leader's preferred
    /// nodes minus its negative partners' nodes and its own node.
    /// </summary>
    /// <remarks>Beyond upstream (both found by the fuzzer as endless ping-pong): a service whose start is not
    /// confirmed yet is not moved (that only interrupts its restart policy), and a service is never sent
    /// back to a node where it failed to start (<paramref name="startFailedOn"/>; upstream forgets the
    /// failed nodes once it runs elsewhere and moves it back every round).</remarks>
    public static List<BalancingCandidate> Candidates(IReadOnlyDictionary<string, ServiceStatusEntry> serviceStatus,
        IPlacementRules rules, IOnlineUsage usage, IReadOnlyDictionary<string, HashSet<string>>? startFailedOn = null,
        Func<ServiceStatusEntry, bool>? confirmedRunning = null)
    {
        confirmedRunning ??= sd => sd.Running;
        var candidates = new List<BalancingCandidate>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (sid, sd) in serviceStatus.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (sd.State != ServiceState.Started || !confirmedRunning(sd)) continue;
            var members = new SortedSet<string>(StringComparer.Ordinal) { sid };
            bool moving = false;
            foreach (var partner in rules.GetPositivePartners(sid))
            {
                if (!serviceStatus.TryGetValue(partner, out var psd)) continue;
                if (psd.State is ServiceState.Migrate or ServiceState.Relocate) moving = true;
                else if (psd.State == ServiceState.Started) members.Add(partner);
            }
            if (moving || members.Any(m => serviceStatus[m].Node != sd.Node)) continue;
            string leader = members.Min!;
            if (!seen.Add(leader)) continue;

            var affinity = rules.GetNodeAffinity(leader, usage.Nodes);
            var separate = rules.GetResourceAffinity(leader, serviceStatus, usage.Nodes).Separate;
            string home = serviceStatus[leader].Node;
            var failed = members.SelectMany(m => startFailedOn?.GetValueOrDefault(m) ?? []).ToHashSet(StringComparer.Ordinal);
            var targets = affinity.Preferred.Where(n => !separate.Contains(n) && n != home && !failed.Contains(n))
                .Order(StringComparer.Ordinal).ToList();
            if (targets.Count > 0) candidates.Add(new BalancingCandidate(leader, [.. members], targets));
        }
        return candidates.OrderBy(c => c.Leader, StringComparer.Ordinal).ToList();
    }
}

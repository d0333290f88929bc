using HaManager.Core.Environment;
using HaManager.Core.Model;
using HaManager.Core.Scheduling;

namespace HaManager.Core.Manager;

// Automatic rebalancing (rules-scheduling §7): round step 13 when not disarmed.
public sealed partial class Manager
{
    private int _imbalanceRounds;

    private void AutoRebalance()
    {
        if (!_crs.AutoRebalance || !_crs.HasLoadModel) return;
        foreach (var sd in _ss.Values)
        {
            if (sd.State is ServiceState.Migrate or ServiceState.Relocate) return;
            if (sd.Command?.Verb is "migrate" or "relocate") return;
        }

        double imbalance = _usage.NodeImbalance();
        if (imbalance <= _crs.Threshold)
        {
            _imbalanceRounds = 0;
            return;
        }
        if (++_imbalanceRounds < _crs.HoldDuration) return;
        _imbalanceRounds = 0;

        var move = _usage.BestBalancingMigration(BalancingCandidates(), _crs.Method);
        if (move is null) return;
        double relative = (imbalance - move.ExpectedImbalance) / imbalance;
        if (relative < _crs.Margin) return;

        string task = ServiceId.TypeOf(move.Leader) == "vm" ? "migrate" : "relocate";
        _env.Log(LogLevel.Info,
            $"auto rebalance - {task} {move.Leader} to {move.Target} (expected change for imbalance from {CrsMath.FormatFixed2(imbalance)} to {CrsMath.FormatFixed2(move.ExpectedImbalance)})");
        QueueResourceMotion($"{task} {move.Leader} {move.Target}", task, move.Leader, move.Target);
    }

    /// <summary>Every active stationary bundle that has somewhere to go (rules-scheduling §5.7, §7.3).</summary>
    private List<BalancingCandidate> BalancingCandidates()
    {
        var candidates = new List<BalancingCandidate>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (sid, sd) in _ss)
        {
            if (sd.State != ServiceState.Started) continue;
            var members = new SortedSet<string>(StringComparer.Ordinal) { sid };
            bool moving = false;
            foreach (var partner in _rules.GetPositivePartners(sid))
            {
                if (!_ss.TryGetValue(partner, out var psd)) continue;
                if (psd.State is ServiceState.Migrate or ServiceState.Relocate) moving = true;
                else if (psd.State == ServiceState.Started) members.Add(partner);
            }
            if (moving || members.Any(m => _ss[m].Node != sd.Node)) continue;
            string leader = members.Min!;
            if (!seen.Add(leader)) continue;

            var lsd = _ss[leader];
            var affinity = _rules.GetNodeAffinity(leader, _usage.Nodes);
            var separate = _rules.GetResourceAffinity(leader, _ss, _usage.Nodes).Separate;
            var targets = affinity.Preferred.Where(n => !separate.Contains(n) && n != lsd.Node)
                .Order(StringComparer.Ordinal).ToList();
            if (targets.Count > 0) candidates.Add(new BalancingCandidate(leader, [.. members], targets));
        }
        return candidates.OrderBy(c => c.Leader, StringComparer.Ordinal).ToList();
    }
}

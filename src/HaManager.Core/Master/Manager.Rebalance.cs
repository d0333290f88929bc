using HaManager.Core.Environment;
using HaManager.Core.Model;
using HaManager.Core.Scheduling;

namespace HaManager.Core.Master;

// Automatic rebalancing (rules-scheduling §7): round step 13 when not disarmed.
public sealed partial class Manager
{
    /// <summary>Running as far as the master knows: confirmed earlier, or reported started in the LRM results
    /// read this round (rebalancing runs before the state machine consumes them).</summary>
    private bool ConfirmedRunning(ServiceStatusEntry sd) =>
        sd.Running || (_results.TryGetValue(sd.Uid, out var r) && r.ExitCode == ExitCodes.Success && r.State == "started");

    private void RememberStartFailure(string sid, string node)
    {
        if (!_startFailedOn.TryGetValue(sid, out var nodes)) _startFailedOn[sid] = nodes = new HashSet<string>(StringComparer.Ordinal);
        nodes.Add(node);
    }

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

        var move = _usage.BestBalancingMigration(Rebalancing.Candidates(_ss, _rules, _usage, _startFailedOn, ConfirmedRunning), _crs.Method);
        if (move is null) return;
        double relative = (imbalance - move.ExpectedImbalance) / imbalance;
        if (relative < _crs.Margin) return;

        string task = ServiceId.TypeOf(move.Leader) == "vm" ? "migrate" : "relocate";
        _log.Write(LogLevel.Info,
            $"auto rebalance - {task} {move.Leader} to {move.Target} (expected change for imbalance from {CrsMath.FormatFixed2(imbalance)} to {CrsMath.FormatFixed2(move.ExpectedImbalance)})");
        QueueResourceMotion($"{task} {move.Leader} {move.Target}", task, move.Leader, move.Target);
    }
}

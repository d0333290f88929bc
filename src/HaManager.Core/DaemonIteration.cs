using HaManager.Core.Environment;

namespace HaManager.Core;

/// <summary>The part of every CRM and LRM iteration they share (crm-manager §2.2, lrm-watchdog-env §4):
/// refresh the cluster state, then the daemon's work. The host brackets it with its own hooks (the
/// simulator's clock updates) and waits as the returned <see cref="NextRun"/> says.</summary>
internal static class DaemonIteration
{
    /// <summary>Runs one iteration; <paramref name="work"/> receives whether the cluster state update
    /// succeeded and says when to run next.</summary>
    public static NextRun Run(HaNode node, Func<bool, NextRun> work) => work(node.Store.ClusterStateUpdate());
}

using HaManager.Core.Environment;

namespace HaManager.Core;

/// <summary>The bracket every CRM and LRM iteration shares (crm-manager §2.2, lrm-watchdog-env §4):
/// loop-start hook, cluster state refresh, the daemon's work, loop-end hook.</summary>
internal static class DaemonIteration
{
    /// <summary>Runs one iteration; <paramref name="work"/> receives whether the cluster state update
    /// succeeded and returns false when the daemon exits.</summary>
    public static bool Run(IHaEnvironment env, Func<bool, bool> work)
    {
        env.LoopStartHook();
        bool clusterStateUpdated = env.ClusterStateUpdate();
        bool result = work(clusterStateUpdated);
        env.LoopEndHook();
        return result;
    }
}

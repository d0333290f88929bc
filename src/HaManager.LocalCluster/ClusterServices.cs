using HaManager.Cli;

namespace HaManager.LocalCluster;

/// <summary>Adds resources to a local cluster's store through <c>ha-manager add</c> itself (in process), so
/// the demo and the end-to-end tests drive the cluster the way an operator does.</summary>
public static class ClusterServices
{
    /// <summary>Adds our demo OCF service <c>ocf:&lt;name&gt;</c> on <paramref name="node"/>, recording its
    /// starts and stops in the cluster's record file.</summary>
    public static void AddDemoService(ClusterLayout layout, string name, string node, int startDelaySeconds = 0, bool detach = false)
    {
        string store = File.ReadAllText(layout.StoreAddress).Trim();
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int exit = HaManagerCli.Run(
        [
            "add", $"ocf:{name}", "--agent", "hamanager:demo-service",
            "--params", $"state_dir={layout.ServiceState},record={layout.Record},start_delay={startDelaySeconds},detach={(detach ? 1 : 0)}",
            "--state", "started", "--max_relocate", "2", "--node", node, "--store", store,
        ], stdout, stderr, node);
        if (exit != 0) throw new InvalidOperationException($"ha-manager add ocf:{name} failed: {stderr.ToString().TrimEnd()}");
    }
}

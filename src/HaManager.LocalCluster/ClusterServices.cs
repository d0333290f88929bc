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
            "--params", DemoParams(layout, startDelaySeconds, detach),
            "--state", "started", "--max_relocate", "2", "--node", node, "--store", store,
        ], stdout, stderr, node);
        if (exit != 0) throw new InvalidOperationException($"ha-manager add ocf:{name} failed: {stderr.ToString().TrimEnd()}");
    }

    /// <summary>The OCF parameters of a demo service: pid files and records in the cluster's folders, a start
    /// that takes <paramref name="startDelaySeconds"/>.</summary>
    public static string DemoParams(ClusterLayout layout, int startDelaySeconds = 0, bool detach = false) =>
        $"state_dir={layout.ServiceState},record={layout.Record},start_delay={startDelaySeconds},detach={(detach ? 1 : 0)}";

    /// <summary>A fence.cfg level that powers the cluster's nodes off through the supervisor
    /// (<c>fence_hamanager_local</c>), recording every call in <see cref="ClusterLayout.FenceCalls"/> and doing
    /// what <see cref="ClusterLayout.FenceBehaviour"/> says (ok, fail, hang; ok when the file is missing).</summary>
    public static string LocalFenceLevel(ClusterLayout layout, IEnumerable<string> nodes, string device = "local")
    {
        var text = new System.Text.StringBuilder();
        text.Append($"device {device} {ClusterLayout.FenceAgent} cluster_dir={layout.Root} record={layout.FenceCalls} ")
            .Append($"behaviour_file={layout.FenceBehaviour} username=admin password=not-used\n");
        foreach (var node in nodes) text.Append($"connect {device} node={node} plug={node}\n");
        return text.ToString();
    }
}

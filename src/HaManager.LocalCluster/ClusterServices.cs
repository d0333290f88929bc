using HaManager.Store.Directory;

namespace HaManager.LocalCluster;

/// <summary>Adds resources to a local cluster's store, as <c>ha-manager add</c> will.</summary>
public static class ClusterServices
{
    /// <summary>Adds our demo OCF service <c>ocf:&lt;name&gt;</c> on <paramref name="node"/>, recording its
    /// starts and stops in the cluster's record file.</summary>
    public static void AddDemoService(ClusterLayout layout, string name, string node, int startDelaySeconds = 0, bool detach = false)
    {
        var store = new DirectoryLayout(layout.Store);
        using (StoreFiles.Lock(store.ConfigGuard, TimeSpan.FromSeconds(10)))
        {
            string text = StoreFiles.Read(store.Resources) ?? "";
            text += $"ocf: {name}\n\tagent hamanager:demo-service\n"
                + $"\tparams state_dir={layout.ServiceState},record={layout.Record},start_delay={startDelaySeconds},detach={(detach ? 1 : 0)}\n"
                + "\tstate started\n\tmax_relocate 2\n\n";
            StoreFiles.Write(store.Resources, text);
        }
        StoreFiles.Write(store.ServiceHome(node, $"ocf:{name}"), "");
    }
}

namespace HaManager.LocalCluster;

/// <summary>The files of a local cluster under its directory.</summary>
public sealed record ClusterLayout(string Root)
{
    public string Store => Path.Combine(Root, "store");
    /// <summary>The cluster store's address (directory:… or etcd:…), for ha-manager and 'status'.</summary>
    public string StoreAddress => Path.Combine(Root, "store-address");
    public string Ocf => Path.Combine(Root, "ocf");
    public string Record => Path.Combine(Root, "record");
    public string State => Path.Combine(Root, "state.json");
    public string Control => Path.Combine(Root, "control");
    public string FenceCalls => Path.Combine(Root, "fence-calls");
    public string FenceBehaviour => Path.Combine(Root, "fence-behaviour");
    public static string FenceAgent => Path.Combine(ToolDir, "fence", "fence_hamanager_local");
    public string ServiceState => Path.Combine(Root, "services");
    public string Node(string node) => Path.Combine(Root, "nodes", node);
    public string Device(string node) => Path.Combine(Node(node), "watchdog");
    public string MuxSocket(string node) => Path.Combine(Node(node), "mux.sock");
    public string ActiveMarker(string node) => Path.Combine(Node(node), "mux.active");
    public string NodeConfig(string node) => Path.Combine(Node(node), "hamanager.yaml");
    public string PostMortemDir(string node) => Path.Combine(Node(node), "post-mortem");
    /// <summary>watchdog-mux's record of its clients' arrivals and departures on a node.</summary>
    public string MuxClients(string node) => Path.Combine(Node(node), "watchdog-mux.clients");
    public string Log(string node, string daemon) => Path.Combine(Node(node), daemon + ".log");

    /// <summary>Where this tool's own files live (the daemons, watchdog-mux, our OCF agents).</summary>
    public static string ToolDir => AppContext.BaseDirectory;
}

namespace HaManager.Cli.Cluster;

/// <summary>
/// Where <c>ha-cluster</c> keeps a node's cluster membership. Everything sits under one root (<c>/</c>;
/// <c>HAMANAGER_ROOT</c> moves it, so several nodes can share one machine in tests):
/// <c>etc/hamanager/</c> (<c>cluster.yaml</c>, <c>etcd.yaml</c>, the HA node configuration
/// <c>hamanager.yaml</c>, <c>pki/</c> — keys 0600), <c>var/lib/hamanager/etcd</c> (the member's data),
/// <c>run/hamanager</c> and <c>var/log/hamanager</c> (pid and log files when no systemd starts the member).
/// </summary>
public sealed record ClusterPaths(string Root)
{
    /// <summary>The paths under <c>HAMANAGER_ROOT</c>, or under <c>/</c>.</summary>
    public static ClusterPaths FromEnvironment() =>
        new(Environment.GetEnvironmentVariable("HAMANAGER_ROOT") is { Length: > 0 } root ? Path.GetFullPath(root) : "/");

    private string Under(string relative) => Path.Combine(Root, relative);

    public string ConfigDir => Under("etc/hamanager");
    public string ClusterFile => Path.Combine(ConfigDir, "cluster.yaml");
    public string EtcdConfig => Path.Combine(ConfigDir, "etcd.yaml");
    public string NodeConfig => Path.Combine(ConfigDir, "hamanager.yaml");
    public string PkiDir => Path.Combine(ConfigDir, "pki");
    public string CaCert => Path.Combine(PkiDir, "ca.crt");
    public string CaKey => Path.Combine(PkiDir, "ca.key");
    public string NodeCert => Path.Combine(PkiDir, "node.crt");
    public string NodeKey => Path.Combine(PkiDir, "node.key");
    public string JoinToken => Path.Combine(PkiDir, "join-token");
    public string EtcdData => Under("var/lib/hamanager/etcd");
    public string RunDir => Under("run/hamanager");
    public string LogDir => Under("var/log/hamanager");

    /// <summary>The pid file of a process started without systemd (<c>etcd</c>, <c>ha-cluster</c>).</summary>
    public string PidFile(string name) => Path.Combine(RunDir, name + ".pid");

    /// <summary>The log of a process started without systemd.</summary>
    public string LogFile(string name) => Path.Combine(LogDir, name + ".log");

    /// <summary>The TLS files the HA daemons, <c>ha-manager</c> and <c>ha-cluster</c> use to reach etcd.</summary>
    public Store.Etcd.EtcdTls Tls => new(CaCert, NodeCert, NodeKey);
}

namespace HaManager.Store.Etcd;

/// <summary>The key layout of one cluster under its prefix (e.g. <c>/hamanager/</c>):
/// <list type="bullet">
/// <item><c>config/&lt;file&gt;</c> — resources.cfg, rules.cfg, groups.cfg, fence.cfg, datacenter.cfg as text;</item>
/// <item><c>homes/&lt;sid&gt;</c> — the node whose configuration holds the service;</item>
/// <item><c>manager_status/meta</c> and <c>manager_status/shard/NN</c> — the manager status split by
/// <see cref="ManagerStatusShards"/>; <c>lrm_status/&lt;node&gt;</c> — the LRM status JSON as on pmxcfs;</item>
/// <item><c>crm_commands/&lt;id&gt;</c> — one key per queued command, taken in create order;</item>
/// <item><c>locks/&lt;name&gt;</c> — lease-bound, the holder's node name;</item>
/// <item><c>nodes/&lt;node&gt;</c> — the registered nodes and the version each runs;</item>
/// <item><c>online/&lt;node&gt;/&lt;id&gt;</c> — lease-bound presence of each running daemon.</item>
/// </list></summary>
public sealed record EtcdKeys(string Prefix)
{
    /// <summary>A configuration file.</summary>
    public string Config(ConfigFile file) => Prefix + "config/" + file switch
    {
        ConfigFile.Resources => "resources.cfg",
        ConfigFile.Rules => "rules.cfg",
        ConfigFile.Groups => "groups.cfg",
        ConfigFile.Fence => "fence.cfg",
        ConfigFile.Datacenter => "datacenter.cfg",
        _ => throw new ArgumentOutOfRangeException(nameof(file)),
    };

    /// <summary>All service homes.</summary>
    public string Homes => Prefix + "homes/";
    /// <summary>One service's home.</summary>
    public string Home(string sid) => Homes + sid;
    /// <summary>The manager status: every key of it.</summary>
    public string ManagerStatus => Prefix + "manager_status/";
    /// <summary>The manager status without the service states.</summary>
    public string ManagerStatusMeta => ManagerStatus + "meta";
    /// <summary>The shards of the service states.</summary>
    public string ManagerStatusShards => ManagerStatus + "shard/";
    /// <summary>One shard of the service states.</summary>
    public string ManagerStatusShard(int shard) => ManagerStatusShards + shard.ToString("00", System.Globalization.CultureInfo.InvariantCulture);
    /// <summary>A node's LRM status.</summary>
    public string LrmStatus(string node) => Prefix + "lrm_status/" + node;
    /// <summary>The CRM command queue.</summary>
    public string CrmCommands => Prefix + "crm_commands/";
    /// <summary>A cluster lock.</summary>
    public string Lock(string name) => Prefix + "locks/" + name;
    /// <summary>The registered nodes.</summary>
    public string Nodes => Prefix + "nodes/";
    /// <summary>A registered node (value: its version).</summary>
    public string Node(string node) => Nodes + node;

    /// <summary>Why the node last fenced itself.</summary>
    public string PostMortem(string node) => Prefix + "post_mortem/" + node;
    /// <summary>Presence of the running daemons.</summary>
    public string Online => Prefix + "online/";
    /// <summary>Presence of one daemon of a node.</summary>
    public string OnlineOf(string node, string id) => Online + node + "/" + id;
}

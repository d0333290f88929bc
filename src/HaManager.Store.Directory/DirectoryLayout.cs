namespace HaManager.Store.Directory;

/// <summary>Where everything lives, as on <c>/etc/pve</c> (lrm-watchdog-env §13.1).</summary>
/// <param name="Root">The store's directory.</param>
public sealed record DirectoryLayout(string Root)
{
    /// <summary><c>ha/</c>.</summary>
    public string Ha => Path.Combine(Root, "ha");
    /// <summary><c>ha/resources.cfg</c>.</summary>
    public string Resources => Path.Combine(Ha, "resources.cfg");
    /// <summary><c>ha/groups.cfg</c>.</summary>
    public string Groups => Path.Combine(Ha, "groups.cfg");
    /// <summary><c>ha/rules.cfg</c>.</summary>
    public string Rules => Path.Combine(Ha, "rules.cfg");
    /// <summary><c>ha/manager_status</c>.</summary>
    public string ManagerStatus => Path.Combine(Ha, "manager_status");
    /// <summary><c>ha/crm_commands</c>.</summary>
    public string CrmCommands => Path.Combine(Ha, "crm_commands");
    /// <summary><c>ha/fence.cfg</c>.</summary>
    public string Fence => Path.Combine(Ha, "fence.cfg");
    /// <summary><c>datacenter.cfg</c>.</summary>
    public string Datacenter => Path.Combine(Root, "datacenter.cfg");
    /// <summary><c>.members</c>: the shared membership view.</summary>
    public string Members => Path.Combine(Root, ".members");
    /// <summary><c>nodes/</c>.</summary>
    public string Nodes => Path.Combine(Root, "nodes");
    /// <summary><c>nodes/&lt;node&gt;/</c>.</summary>
    public string Node(string node) => Path.Combine(Nodes, node);
    /// <summary><c>nodes/&lt;node&gt;/.members</c>: that node's own membership view, when it differs.</summary>
    public string NodeMembers(string node) => Path.Combine(Node(node), ".members");
    /// <summary><c>nodes/&lt;node&gt;/lrm_status</c>.</summary>
    public string LrmStatus(string node) => Path.Combine(Node(node), "lrm_status");
    /// <summary><c>nodes/&lt;node&gt;/version</c>: the software version the node runs.</summary>
    public string Version(string node) => Path.Combine(Node(node), "version");

    /// <summary>Why the node last fenced itself.</summary>
    public string PostMortem(string node) => Path.Combine(Node(node), "post_mortem");
    /// <summary><c>priv/lock/</c>.</summary>
    public string Locks => Path.Combine(Root, "priv", "lock");
    /// <summary><c>priv/lock/&lt;name&gt;/</c>.</summary>
    public string Lock(string name) => Path.Combine(Locks, name);
    /// <summary>Serialises lock operations between processes.</summary>
    public string LockGuard => Path.Combine(Locks, ".guard");
    /// <summary>The last fencing token issued.</summary>
    public string LockTokens => Path.Combine(Locks, ".tokens");
    /// <summary>Serialises configuration edits (read-modify-write) between processes.</summary>
    public string ConfigGuard => Path.Combine(Ha, ".config.lock");

    /// <summary>Where a service's configuration lives on <paramref name="node"/>: the guest config for
    /// <c>vm</c>/<c>ct</c> (qemu-server, lxc), a marker file under <c>ha-resources/</c> for every other type.
    /// Moving a service between nodes renames this file.</summary>
    public string ServiceHome(string node, string sid)
    {
        var (type, name) = HaManager.Core.Model.ServiceId.Parse(sid);
        return type switch
        {
            "vm" => Path.Combine(Node(node), "qemu-server", name + ".conf"),
            "ct" => Path.Combine(Node(node), "lxc", name + ".conf"),
            _ => Path.Combine(Node(node), "ha-resources", sid),
        };
    }
}

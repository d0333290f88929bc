using System.Net;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HaManager.Cli.Cluster;

/// <summary>How the node's etcd member and <c>ha-cluster serve</c> run: as systemd units (<c>ha-etcd</c>,
/// <c>ha-cluster</c>), or started directly as detached processes with pid files (hosts without systemd).</summary>
public enum StartMode { Systemd, Direct }

/// <summary>
/// This node's membership, <c>/etc/hamanager/cluster.yaml</c>: the cluster's name, this node's name and
/// address, and whether it is a witness (an etcd member that runs no HA services). Ports are etcd's
/// (2379 clients, 2380 peers) and 2382 for joins.
/// </summary>
public sealed record ClusterState(string Name, string Node, IPAddress Address, bool Witness, StartMode Start)
{
    public const int ClientPort = 2379, PeerPort = 2380, JoinPort = 2382;

    /// <summary>The key prefix of a cluster's HA store in etcd.</summary>
    public const string Prefix = "/hamanager/";

    public Uri ClientUrl => ClientUrlOf(Address);
    public Uri PeerUrl => PeerUrlOf(Address);

    public static Uri ClientUrlOf(IPAddress address) => new($"https://{Host(address)}:{ClientPort}");
    public static Uri PeerUrlOf(IPAddress address) => new($"https://{Host(address)}:{PeerPort}");
    /// <summary>A member URL as etcd wants it written: scheme, host and port, no path.</summary>
    public static string Text(Uri url) => url.GetLeftPart(UriPartial.Authority);

    private static string Host(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    public string Render() =>
        "# Written by ha-cluster: this node's cluster membership. Change it with ha-cluster, not by hand.\n"
        + $"cluster: {Name}\nnode: {Node}\naddress: {Address}\nrole: {(Witness ? "witness" : "node")}\nstart: {(Start == StartMode.Systemd ? "systemd" : "direct")}\n";

    /// <summary>The state, or null when this node is in no cluster.</summary>
    public static ClusterState? Load(ClusterPaths paths)
    {
        if (!File.Exists(paths.ClusterFile)) return null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(paths.ClusterFile)));
            if (stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode map)
                foreach (var (k, v) in map.Children)
                    if (k is YamlScalarNode { Value: { } key } && v is YamlScalarNode { Value: { } value }) values[key] = value;
        }
        catch (YamlException e) { throw new CliFailure($"{paths.ClusterFile}: {e.Message}\n"); }
        string Get(string key) => values.TryGetValue(key, out var v) ? v : throw new CliFailure($"{paths.ClusterFile}: '{key}' is missing\n");
        if (!IPAddress.TryParse(Get("address"), out var address)) throw new CliFailure($"{paths.ClusterFile}: address: '{Get("address")}' is not an IP address\n");
        return new ClusterState(Get("cluster"), Get("node"), address, values.GetValueOrDefault("role") == "witness",
            values.GetValueOrDefault("start") == "direct" ? StartMode.Direct : StartMode.Systemd);
    }

    /// <summary>A cluster name: what a host name may be (letters, digits, '-'), 1–40 characters.</summary>
    public static string? CheckName(string name, string what) =>
        name.Length is >= 1 and <= 40 && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? null : $"'{name}' is not a valid {what} (letters, digits and '-', starting with a letter or digit, at most 40)";
}

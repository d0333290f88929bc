using System.Net;
using System.Text.Json.Nodes;
using Etcdserverpb;
using HaManager.Core.Environment;
using HaManager.Store.Etcd;

namespace HaManager.Cli.Cluster;

/// <summary>One etcd member as the cluster lists it, with whether it answered just now.</summary>
public sealed record MemberView(ulong Id, string Name, IPAddress? Address, Uri? ClientUrl, bool Learner, bool Healthy)
{
    public string IdText => Id.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A node's connection to its cluster (its own member first, then the others it knows), over mutual TLS with
/// its certificate, and what <c>status</c>, <c>nodes</c>, <c>leave</c> and <c>delnode</c> read: the member
/// list, each member's health, the quorum arithmetic, and the keys <c>ha-cluster</c> keeps under
/// <c>/hamanager/cluster/</c> (<c>name</c>, <c>members/&lt;node&gt;</c>, lease-bound <c>info/&lt;node&gt;</c>).
/// </summary>
public sealed class ClusterView : IDisposable
{
    public const string Keys = ClusterState.Prefix + "cluster/";
    public const string NameKey = Keys + "name";
    public const string Registry = Keys + "members/";
    public const string Info = Keys + "info/";

    public EtcdConnection Etcd { get; }
    public ClusterState State { get; }

    public ClusterView(ClusterPaths paths, ClusterState state, IEnumerable<Uri> others)
    {
        State = state;
        Etcd = new EtcdConnection(others.Prepend(state.ClientUrl).Distinct().ToArray(), TimeSpan.FromSeconds(3), paths.Tls);
    }

    /// <summary>Every member with its health: it answers its own status within a second and knows a leader.</summary>
    public IReadOnlyList<MemberView> Members()
    {
        var list = Etcd.Members("member list", (c, o) => c.MemberList(new MemberListRequest { Linearizable = false }, o));
        var urls = list.Members.Select(m => m.ClientURLs.Select(u => new Uri(u)).FirstOrDefault()).OfType<Uri>().ToArray();
        using var probe = new EtcdConnection(urls.Length > 0 ? urls : [State.ClientUrl], TimeSpan.FromSeconds(1), Etcd.Tls);
        return list.Members.Select(m =>
        {
            var client = m.ClientURLs.Select(u => new Uri(u)).FirstOrDefault();
            var peer = m.PeerURLs.Select(u => new Uri(u)).FirstOrDefault();
            IPAddress? address = peer is not null && IPAddress.TryParse(peer.Host.Trim('[', ']'), out var a) ? a : null;
            bool healthy = client is not null && probe.StatusOf(client, TimeSpan.FromSeconds(1)) is { Leader: not 0 };
            return new MemberView(m.ID, m.Name, address, client, m.IsLearner, healthy);
        }).ToArray();
    }

    /// <summary>The quorum arithmetic over voting members: how many there are, answer, and are needed.</summary>
    public static (int Members, int Healthy, int Needed) Quorum(IEnumerable<MemberView> members)
    {
        var voting = members.Where(m => !m.Learner).ToArray();
        return (voting.Length, voting.Count(m => m.Healthy), voting.Length / 2 + 1);
    }

    /// <summary>The registry: node name → its JSON (address, witness).</summary>
    public IReadOnlyDictionary<string, JsonObject> Registered() =>
        Etcd.GetPrefix(Registry).ToDictionary(kv => kv.Key.ToStringUtf8()[Registry.Length..],
            kv => JsonNode.Parse(kv.Value.ToStringUtf8()) as JsonObject ?? [], StringComparer.Ordinal);

    /// <summary>What nodes published about themselves (only those whose <c>ha-cluster serve</c> runs).</summary>
    public IReadOnlyDictionary<string, JsonObject> Published() =>
        Etcd.GetPrefix(Info).ToDictionary(kv => kv.Key.ToStringUtf8()[Info.Length..],
            kv => JsonNode.Parse(kv.Value.ToStringUtf8()) as JsonObject ?? [], StringComparer.Ordinal);

    /// <summary>The cluster's name as etcd has it.</summary>
    public string? Name() => Etcd.Get(NameKey)?.Value.ToStringUtf8();

    public void Dispose() => Etcd.Dispose();

    /// <summary>A change of the member list. etcd refuses one ("unhealthy cluster", nothing applied) until the
    /// members have been connected for a few seconds — so after another join — and that refusal is waited out
    /// (20 s); any other failure is not retried, since a request that timed out may have been applied.</summary>
    public T Reconfigure<T>(string what, Func<Etcdserverpb.Cluster.ClusterClient, Grpc.Core.CallOptions, T> request)
    {
        for (var until = DateTime.UtcNow.AddSeconds(20); ; Thread.Sleep(500))
        {
            try { return Etcd.Members(what, request, once: true); }
            catch (HaEnvironmentException e) when (e.Message.Contains("unhealthy cluster", StringComparison.Ordinal) && DateTime.UtcNow < until) { }
        }
    }

    /// <summary>Retries <paramref name="attempt"/> until it succeeds or <paramref name="within"/> passed (the last failure is thrown).</summary>
    public static T Retry<T>(TimeSpan within, Func<T> attempt)
    {
        var until = DateTime.UtcNow + within;
        while (true)
        {
            try { return attempt(); }
            catch (HaEnvironmentException) when (DateTime.UtcNow < until) { Thread.Sleep(500); }
        }
    }
}

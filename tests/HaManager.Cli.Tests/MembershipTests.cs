using System.Text.Json;
using HaManager.TestSupport;

namespace HaManager.Cli.Tests;

/// <summary>
/// <c>ha-cluster</c> on three real nodes (network namespaces on a bridge, real etcd members over mutual TLS,
/// the real executable): forming the cluster, seeing it, refusing what must be refused, leaving and coming
/// back, and two nodes kept quorate by a witness.
/// </summary>
[TestFixture, NonParallelizable]
public class MembershipTests
{
    private MembershipNetwork _net = null!;

    [OneTimeSetUp]
    public void Network()
    {
        Prerequisites.RequireRoot("the membership tests (network namespaces, a bridge)");
        Prerequisites.Require("etcd-server", "/usr/bin/etcd");
        Prerequisites.Require("etcd-client", "/usr/bin/etcdctl");
        Assert.That(File.Exists(MembershipNetwork.Tool), Is.True, MembershipNetwork.Tool);
        _net = new MembershipNetwork();
    }

    [OneTimeTearDown]
    public void Down() => _net?.Dispose();

    [SetUp]
    public void Fresh() => _net.Reset();

    private JsonElement Json(int node, params string[] args) =>
        JsonDocument.Parse(_net.Cluster(node, [.. args, "--output-format", "json"]).Ok().Stdout).RootElement;

    /// <summary>etcdctl on node <paramref name="node"/> with that node's certificate.</summary>
    private MembershipNetwork.Result Etcdctl(int node, params string[] args)
    {
        string pki = _net.Pki(node);
        return _net.In(node, "/usr/bin/etcdctl", [$"--endpoints=https://{MembershipNetwork.Address(node)}:2379", $"--cacert={pki}/ca.crt",
            $"--cert={pki}/node.crt", $"--key={pki}/node.key", "--command-timeout=5s", .. args]);
    }

    private static string[] Names(JsonElement nodes) => nodes.EnumerateArray().Select(n => n.GetProperty("node").GetString()!).ToArray();

    [Test]
    public void Membership_three_nodes_form_a_cluster_see_it_and_the_HA_tools_use_its_certificates()
    {
        var cluster = _net.Create();
        _net.Join(2, via: 1, cluster).Ok();
        _net.Join(3, via: 2, cluster).Ok(); // through a member that joined itself

        var status = Json(3, "status");
        Assert.Multiple(() =>
        {
            Assert.That(status.GetProperty("cluster").GetString(), Is.EqualTo("demo"));
            Assert.That(status.GetProperty("members").GetInt32(), Is.EqualTo(3));
            Assert.That(status.GetProperty("healthy").GetInt32(), Is.EqualTo(3));
            Assert.That(status.GetProperty("needed").GetInt32(), Is.EqualTo(2));
            Assert.That(status.GetProperty("quorate").GetBoolean(), Is.True);
            Assert.That(status.GetProperty("survives_one_loss").GetBoolean(), Is.True);
            Assert.That(status.GetProperty("fingerprint").GetString(), Is.EqualTo(cluster.Fingerprint), "every node shows the cluster's fingerprint");
        });
        var text = _net.Cluster(1, "status").Ok().Stdout;
        Assert.That(text, Does.Contain("Quorate:          Yes").And.Contain(cluster.Fingerprint).And.Not.Contain("WARNING"));

        // Nodes publish uptime, load and memory; every member is listed with id, address and state.
        JsonElement nodes = default;
        Assert.That(() =>
        {
            nodes = Json(1, "nodes");
            return nodes.EnumerateArray().Count(n => n.GetProperty("online").GetBoolean());
        }, Is.EqualTo(3).After(20_000, 500));
        Assert.That(Names(nodes), Is.EqualTo(new[] { "n1", "n2", "n3" }));
        foreach (var n in nodes.EnumerateArray())
        {
            int i = int.Parse(n.GetProperty("node").GetString()![1..]);
            Assert.That(n.GetProperty("address").GetString(), Is.EqualTo(MembershipNetwork.Address(i)));
            Assert.That(n.GetProperty("id").GetString(), Does.Match("^[0-9a-f]{16}$"));
            Assert.That(n.GetProperty("quorate").GetBoolean(), Is.True);
            Assert.That(n.GetProperty("uptime").GetInt64(), Is.GreaterThan(0));
            Assert.That(n.GetProperty("memory_total").GetInt64(), Is.GreaterThan(n.GetProperty("memory_used").GetInt64()));
        }
        Assert.That(_net.Cluster(2, "nodes").Ok().Stdout, Does.Match(@"n3\s+[0-9a-f]{16}\s+10\.232\.0\.3\s+online\s+yes"));

        // Keys are root's alone; the HA node configuration points at the cluster with this node's certificate,
        // and ha-manager works through it (on another node, edits made on the first are seen).
        foreach (var key in new[] { "node.key", "ca.key", "join-token" })
            Assert.That(File.GetUnixFileMode(Path.Combine(_net.Pki(2), key)), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), key);
        // The first node was created alone; its join service adds the later members to its store line.
        string config = Path.Combine(_net.Root(1), "etc/hamanager/hamanager.yaml");
        Assert.That(() => File.ReadAllText(config), Does.Contain("store: etcd:https://10.232.0.1:2379/hamanager,https://10.232.0.2:2379/hamanager,https://10.232.0.3:2379/hamanager")
            .After(20_000, 500));
        _net.In(1, MembershipNetwork.HaManager, "crm-command", "disarm-ha", "freeze").Ok();
        Assert.That(Etcdctl(3, "get", "--prefix", "--print-value-only", "/hamanager/crm_commands/").Ok().Stdout, Does.Contain("disarm-ha freeze"));
        _net.In(3, MembershipNetwork.HaManager, "config").Ok();
    }

    [Test]
    public void Membership_a_wrong_fingerprint_is_refused_before_anything_is_sent_or_written()
    {
        var cluster = _net.Create();
        string wrong = "00" + cluster.Fingerprint[2..];
        var refused = _net.Join(2, via: 1, (wrong, cluster.Token));
        Assert.That(refused.Code, Is.EqualTo(255));
        Assert.That(refused.Stderr, Does.Contain($"has fingerprint {cluster.Fingerprint}").And.Contain("refusing to join"));
        Assert.That(Directory.EnumerateFileSystemEntries(_net.Root(2), "*", SearchOption.AllDirectories), Is.Empty, "nothing written on the joining node");
        Assert.That(Json(1, "status").GetProperty("members").GetInt32(), Is.EqualTo(1), "no member added");

        var badToken = _net.Join(2, via: 1, (cluster.Fingerprint, "not-the-token"));
        Assert.That(badToken.Code, Is.EqualTo(255));
        Assert.That(badToken.Stderr, Does.Contain("wrong join token"));
        Assert.That(Json(1, "status").GetProperty("members").GetInt32(), Is.EqualTo(1));
    }

    [Test]
    public void Membership_a_client_without_a_certificate_is_refused()
    {
        _net.Create();
        string pki = _net.Pki(1), endpoint = $"https://{MembershipNetwork.Address(1)}:2379";
        var anonymous = _net.In(1, "/usr/bin/etcdctl", "--endpoints", endpoint, "--cacert", $"{pki}/ca.crt", "--command-timeout", "3s", "get", "--prefix", "/hamanager/");
        Assert.That(anonymous.Code, Is.Not.EqualTo(0), anonymous.Stdout);
        Assert.That(anonymous.Stdout, Does.Not.Contain("demo"));
        var plain = _net.In(1, "/usr/bin/etcdctl", "--endpoints", $"http://{MembershipNetwork.Address(1)}:2379", "--command-timeout", "3s", "get", "x");
        Assert.That(plain.Code, Is.Not.EqualTo(0), "no plain-text client port");
        var member = Etcdctl(1, "get", "/hamanager/cluster/name").Ok();
        Assert.That(member.Stdout, Does.Contain("demo"), "the node's own certificate is let in");
    }

    [Test]
    public void Membership_a_node_leaves_and_joins_again()
    {
        var cluster = _net.Create();
        _net.Join(2, via: 1, cluster).Ok();
        _net.Join(3, via: 1, cluster).Ok();
        var left = _net.Cluster(3, "leave").Ok();
        Assert.That(left.Stdout, Does.Contain("n3 left cluster 'demo'"));
        Assert.That(Json(1, "status").GetProperty("members").GetInt32(), Is.EqualTo(2));
        Assert.That(Names(Json(2, "nodes")), Is.EqualTo(new[] { "n1", "n2" }));
        Assert.That(File.Exists(Path.Combine(_net.Root(3), "etc/hamanager/cluster.yaml")), Is.False);
        Assert.That(Directory.Exists(_net.Pki(3)), Is.False, "its keys are gone with it");
        Assert.That(_net.Cluster(3, "status").Stderr, Does.Contain("in no cluster"));

        _net.Join(3, via: 2, cluster).Ok();
        var status = Json(1, "status");
        Assert.That((status.GetProperty("members").GetInt32(), status.GetProperty("healthy").GetInt32()), Is.EqualTo((3, 3)));
    }

    [Test]
    public void Membership_two_nodes_and_a_witness_survive_the_loss_of_one_node()
    {
        var cluster = _net.Create();
        _net.Join(2, via: 1, cluster).Ok();
        Assert.That(Json(1, "status").GetProperty("survives_one_loss").GetBoolean(), Is.False);
        Assert.That(_net.Cluster(1, "status").Ok().Stdout, Does.Contain("WARNING: this cluster cannot survive the loss of any one member"));

        var witness = _net.Join(3, via: 2, cluster, name: "witness", witness: true).Ok();
        Assert.That(witness.Stdout, Does.Contain("as witness"));
        Assert.That(File.Exists(Path.Combine(_net.Root(3), "etc/hamanager/hamanager.yaml")), Is.False, "a witness runs no HA daemons");
        Assert.That(_net.Cluster(1, "status").Ok().Stdout, Does.Not.Contain("WARNING"));
        var roles = Json(1, "nodes").EnumerateArray().ToDictionary(n => n.GetProperty("node").GetString()!, n => n.GetProperty("role").GetString());
        Assert.That(roles["witness"], Is.EqualTo("witness"));

        _net.KillEtcd(2);
        var status = Json(1, "status");
        Assert.That((status.GetProperty("members").GetInt32(), status.GetProperty("healthy").GetInt32(), status.GetProperty("quorate").GetBoolean()),
            Is.EqualTo((3, 2, true)));
        // Still quorate: the HA store takes writes.
        _net.In(1, MembershipNetwork.HaManager, "crm-command", "arm-ha").Ok();
        Assert.That(Etcdctl(1, "get", "--prefix", "--print-value-only", "/hamanager/crm_commands/").Ok().Stdout, Does.Contain("arm-ha"));
        Assert.That(_net.Cluster(1, "status").Ok().Stdout, Does.Contain("WARNING"), "one more loss would cost quorum");

        // Now n1 leaving would leave one healthy member of two: refused, nothing changed.
        var leave = _net.Cluster(1, "leave");
        Assert.That(leave.Code, Is.EqualTo(255));
        Assert.That(leave.Stderr, Does.Contain("would cost cluster 'demo' its quorum").And.Contain("--force"));
        Assert.That(Json(1, "status").GetProperty("members").GetInt32(), Is.EqualTo(3));
        // The dead node can be removed: the other two stay a quorum of two.
        _net.Cluster(1, "delnode", "n2").Ok();
        status = Json(1, "status");
        Assert.That((status.GetProperty("members").GetInt32(), status.GetProperty("healthy").GetInt32()), Is.EqualTo((2, 2)));
    }

    [Test]
    public void Membership_bad_input_is_refused_with_a_clear_message_and_changes_nothing()
    {
        var cluster = _net.Create();
        _net.Join(2, via: 1, cluster).Ok();
        (int Members, string[] Files) Before() =>
            (Json(1, "status").GetProperty("members").GetInt32(), Directory.GetFileSystemEntries(_net.Root(3), "*", SearchOption.AllDirectories));
        var before = Before();

        void Refused(MembershipNetwork.Result r, string message)
        {
            Assert.That(r.Code, Is.EqualTo(255), r.Command);
            Assert.That(r.Stderr, Does.Contain(message), r.Command);
            Assert.That(r.Stderr, Does.Not.Contain("   at "), "no stack trace");
            var after = Before();
            Assert.That((after.Members, after.Files), Is.EqualTo((before.Members, before.Files)), $"nothing changed by {r.Command}");
        }

        Refused(_net.Cluster(1, "delnode", "n7"), "no node 'n7' in cluster 'demo' (members: n1, n2)");
        Refused(_net.Cluster(1, "create", "again", "--node", "n1", "--address", MembershipNetwork.Address(1)), "already n1, member of cluster 'demo'");
        Refused(_net.Cluster(1, "delnode", "n1"), "this node: use ha-cluster leave");
        Refused(_net.Join(3, via: 1, cluster, name: "n2"), "a node named 'n2' is already a member of cluster 'demo'");
        Refused(_net.Cluster(3, "join", "10.232.0.9", "--fingerprint", cluster.Fingerprint, "--token", cluster.Token, "--node", "n3",
            "--address", MembershipNetwork.Address(3)), "cannot reach a cluster member at 10.232.0.9:2382");
        Refused(_net.Cluster(3, "join", "nowhere", "--fingerprint", cluster.Fingerprint, "--token", cluster.Token), "'nowhere' is not an IP address");
        Refused(_net.Cluster(3, "create", "bad name!", "--node", "n3", "--address", MembershipNetwork.Address(3)), "'bad name!' is not a valid cluster name");
        Refused(_net.Cluster(3, "create", "x", "--node", "n3", "--address", "10.232.0.77"), "10.232.0.77 is not an address of this node");
        Refused(_net.Cluster(3, "status"), "this node is in no cluster");
        Refused(_net.Cluster(3, "frobnicate"), "ERROR:");
    }
}

using HaManager.Core;
using HaManager.Core.Environment;
using HaManager.Core.Model;
using HaManager.Store.Etcd;

namespace HaManager.Store.Tests;

/// <summary>
/// Goal: what only the etcd store does beyond the contract: a steady manager round writes only what
/// changed (the meta key and the shards of changed services), a new master leaves no stale shard behind,
/// and the store's address parses as the CLI and the configuration expect. Method: a real etcd (the
/// assembly's one), the manager status keys' mod revisions.
/// </summary>
public class EtcdStoreTests
{
    private static EtcdStore Open(string prefix, string node) =>
        new((StoreAddress.Etcd)StoreAddress.Parse(TestEtcd.Shared.StoreAddress(prefix)), node, SafetyBudget.Derived(10, 5, 2));

    private static ManagerStatus Status(string master, int services, Func<int, ServiceState>? state = null)
    {
        var status = new ManagerStatus { MasterNode = master, Timestamp = 1 };
        for (int i = 0; i < services; i++)
            status.ServiceStatus[$"vm:{100 + i}"] = new ServiceStatusEntry { State = state?.Invoke(i) ?? ServiceState.Started, Node = "node1", Uid = $"u{i}" };
        return status;
    }

    private static Dictionary<string, long> Revisions(EtcdStore store) =>
        store.Connection.GetPrefix(store.Keys.ManagerStatus).ToDictionary(kv => kv.Key.ToStringUtf8(), kv => kv.ModRevision);

    [Test]
    public void A_steady_round_rewrites_only_the_meta_key_and_a_change_only_its_shard()
    {
        string prefix = TestEtcd.NewPrefix();
        using var store = Open(prefix, "node1");
        var lease = store.Locks.TryAcquire(LockNames.Manager)!;
        store.WriteManagerStatus(Status("node1", 500), lease);
        var first = Revisions(store);
        Assert.That(first.Count, Is.EqualTo(ManagerStatusShards.Count + 1), "500 services fill every shard");

        var sent = store.Traffic.SentBytes;
        var next = Status("node1", 500);
        next.Timestamp = 2; // the next round: only its time moved
        store.WriteManagerStatus(next, lease);
        var steady = Revisions(store);
        Assert.That(steady.Where(kv => kv.Value != first[kv.Key]).Select(kv => kv.Key), Is.EqualTo(new[] { store.Keys.ManagerStatusMeta }));
        Assert.That(store.Traffic.SentBytes - sent, Is.LessThan(1024), "a steady round sends under a kilobyte");

        var changed = Status("node1", 500, i => i == 7 ? ServiceState.RequestStop : ServiceState.Started);
        store.WriteManagerStatus(changed, lease);
        var after = Revisions(store);
        Assert.That(after.Where(kv => kv.Value != steady[kv.Key]).Select(kv => kv.Key), Is.EquivalentTo(new[]
        {
            store.Keys.ManagerStatusMeta, store.Keys.ManagerStatusShard(ManagerStatusShards.Of("vm:107")),
        }));
        Assert.That(store.ReadManagerStatus().ServiceStatus["vm:107"].State, Is.EqualTo(ServiceState.RequestStop));
        Assert.That(store.ReadManagerStatus().ServiceStatus.Count, Is.EqualTo(500));
    }

    [Test]
    public void A_new_master_leaves_no_stale_shard_and_reads_back_exactly_what_it_wrote()
    {
        string prefix = TestEtcd.NewPrefix();
        using (var old = Open(prefix, "node1"))
        {
            var lease = old.Locks.TryAcquire(LockNames.Manager)!;
            old.WriteManagerStatus(Status("node1", 300), lease);
            Assert.That(old.Locks.Release(LockNames.Manager), Is.True);
        }
        using var successor = Open(prefix, "node2");
        var mine = successor.Locks.TryAcquire(LockNames.Manager)!;
        var status = Status("node2", 2);
        successor.WriteManagerStatus(status, mine);
        var read = successor.ReadManagerStatus();
        Assert.That(read.MasterNode, Is.EqualTo("node2"));
        Assert.That(read.ServiceStatus.Keys, Is.EqualTo(new[] { "vm:100", "vm:101" }), "the 298 others are gone with their shards");
        Assert.That(Revisions(successor).Count, Is.LessThanOrEqualTo(3));
    }

    [Test]
    public void An_unchanged_configuration_is_read_from_a_small_probe_and_every_change_is_seen()
    {
        string prefix = TestEtcd.NewPrefix();
        using var store = Open(prefix, "node1");
        using var other = Open(prefix, "node2");
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < 300; i++) text.Append($"vm: {100 + i}\n\tstate started\n\n");
        other.EditConfig(ConfigFile.Resources, _ => text.ToString());
        for (int i = 0; i < 300; i++) other.PlaceService($"vm:{100 + i}", "node1");

        Assert.That(store.ReadServiceConfig(), Has.Count.EqualTo(300));
        var before = store.Traffic.ReceivedBytes;
        var again = store.ReadServiceConfig();
        Assert.That(store.Traffic.ReceivedBytes - before, Is.LessThan(1024), "an unchanged configuration costs a probe");
        again["vm:100"].State = "changed";
        Assert.That(store.ReadServiceConfig()["vm:100"].State, Is.EqualTo("started"), "reads are still copies");

        other.MoveServiceHome("vm:150", "node1", "node2");
        Assert.That(store.ReadServiceConfig()["vm:150"].Node, Is.EqualTo("node2"), "a moved home");
        ((IClusterStore)other).UpdateServiceConfig(new Dictionary<string, ServiceConfigChange> { ["vm:151"] = new(new Dictionary<string, string> { ["state"] = "stopped" }, []) });
        Assert.That(store.ReadServiceConfig()["vm:151"].State, Is.EqualTo("stopped"), "an edited resources.cfg");
        other.EditConfig(ConfigFile.Resources, t => t!.Replace("vm: 399\n\tstate started\n\n", ""));
        Assert.That(store.ReadServiceConfig(), Has.Count.EqualTo(299), "a removed resource");
        other.Connection.TakePrefix(store.Keys.Home("vm:398"));
        Assert.That(store.ReadServiceConfig().ContainsKey("vm:398"), Is.False, "a deleted home");
    }

    [TestCase("etcd:http://10.0.0.1:2379,http://10.0.0.2:2379", "/hamanager/", 2)]
    [TestCase("etcd:http://127.0.0.1:2379/prod", "/prod/", 1)]
    public void Addresses_name_members_and_the_key_prefix(string text, string prefix, int members)
    {
        var address = (StoreAddress.Etcd)StoreAddress.Parse(text);
        Assert.That(address.Prefix, Is.EqualTo(prefix));
        Assert.That(address.Endpoints, Has.Count.EqualTo(members));
    }

    [TestCase("etcd:", "is not an http:// or https:// URL")]
    [TestCase("etcd:ftp://x:1", "is not an http:// or https:// URL")]
    [TestCase("etcd:http://a:1/x,http://b:1/y", "different key prefixes")]
    [TestCase("directory:", "needs a path")]
    [TestCase("zookeeper:x", "is not directory:PATH or etcd:URL")]
    public void Bad_addresses_are_refused_with_a_reason(string text, string reason)
    {
        var e = Assert.Throws<FormatException>(() => StoreAddress.Parse(text));
        Assert.That(e!.Message, Does.Contain(reason));
    }
}

using System.Diagnostics;
using System.Text;
using Etcdserverpb;
using HaManager.Core;
using HaManager.Core.Environment;
using HaManager.LocalCluster;
using HaManager.Simulator;
using HaManager.Store;
using HaManager.Store.Etcd;

namespace HaManager.Benchmarks;

/// <summary>
/// The master round on etcd (only with <c>--only etcd</c>: it starts a 3-member etcd on loopback): the real
/// Manager reading and writing through the etcd store — configuration, LRM statuses, manager status — with
/// membership from the simulator (every node online). Reports the round's wall time and the bytes it sent
/// to etcd, in a steady round and in the round after one migrate command.
/// </summary>
public static class EtcdScaleBench
{
    public static IEnumerable<Figure> Run(bool quick)
    {
        using var etcd = EtcdCluster.Start(3);
        foreach (var (nodes, services) in new[] { (16, 1000), (64, 10000) })
            foreach (var f in Measure(etcd, nodes, services, quick ? 5 : 20)) yield return f;
    }

    private static IEnumerable<Figure> Measure(EtcdCluster etcd, int nodes, int services, int rounds)
    {
        var sim = new Simulation(Fixtures.Cluster(nodes, services));
        var env = sim.Cluster.Nodes[0].CrmEnv;
        env.ForceTimeUpdate();
        var address = (StoreAddress.Etcd)StoreAddress.Parse(etcd.StoreAddress($"/bench-{nodes}x{services}"));
        using var store = new EtcdStore(address, "node1", SafetyBudget.Derived(60, 10), new EtcdStoreOptions { RequestTimeout = TimeSpan.FromSeconds(10) });
        Seed(store, env, nodes);

        var lease = store.Locks.TryAcquire(LockNames.Manager) ?? throw new InvalidOperationException("no manager lock on etcd");
        store.WriteManagerStatus(env.ReadManagerStatus(), lease);
        var node = env.CreateNode(new SimJobRunner(env)) with { Store = store, Locks = store.Locks };
        var manager = new HaManager.Core.Master.Manager(node);
        manager.ManageRound(lease);

        var times = new List<double>();
        var sent = new List<long>();
        var requests = new List<long>();
        long received = 0;
        for (int i = 0; i < rounds; i++)
        {
            var before = store.Traffic;
            var clock = Stopwatch.StartNew();
            manager.ManageRound(lease);
            times.Add(clock.Elapsed.TotalMilliseconds);
            var after = store.Traffic;
            sent.Add(after.SentBytes - before.SentBytes);
            requests.Add(after.Requests - before.Requests);
            received = after.ReceivedBytes - before.ReceivedBytes;
        }
        times.Sort();
        string size = $"{nodes} nodes × {services}";
        yield return new Figure("manager round on etcd, steady state", size, times[times.Count / 2], 0,
            $"sends {Kib(sent.Max())} in {requests.Max()} requests, receives {Kib(received)}; "
            + $"the whole status, unsharded, would be {Kib(HaManager.Core.Formats.StatusJson.Write(store.ReadManagerStatus()).Length)} a round");

        store.QueueCrmCommand($"migrate {Fixtures.Sid(0)} {Fixtures.Node(1)}");
        var b = store.Traffic;
        var change = Stopwatch.StartNew();
        manager.ManageRound(lease);
        double ms = change.Elapsed.TotalMilliseconds;
        var a = store.Traffic;
        yield return new Figure("manager round on etcd, one migrate command", size, ms, 0,
            $"sends {Kib(a.SentBytes - b.SentBytes)} in {a.Requests - b.Requests} requests");
        store.Locks.Release(LockNames.Manager);
    }

    private static string Kib(long bytes) => bytes < 10240 ? $"{bytes} B" : $"{bytes / 1024.0:0} KiB";

    /// <summary>Copies what the master reads from the simulated cluster into etcd.</summary>
    private static void Seed(EtcdStore store, SimEnvironment env, int nodes)
    {
        var config = env.ReadServiceConfig();
        var text = new StringBuilder();
        foreach (var (sid, entry) in config)
        {
            var (type, name) = HaManager.Core.Model.ServiceId.Parse(sid);
            text.Append($"{type}: {name}\n\tstate {entry.State}\n\n");
        }
        store.EditConfig(ConfigFile.Resources, _ => text.ToString());
        foreach (var chunk in config.Chunk(100))
        {
            var txn = new TxnRequest();
            foreach (var (sid, entry) in chunk)
                txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = EtcdConnection.Bytes(store.Keys.Home(sid)), Value = EtcdConnection.Bytes(entry.Node) } });
            store.Connection.Txn(txn);
        }
        for (int n = 0; n < nodes; n++) store.WriteLrmStatus(Fixtures.Node(n), env.ReadLrmStatus(Fixtures.Node(n)));
    }
}

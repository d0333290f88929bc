using HaManager.Core;
using HaManager.Core.Environment;
using HaManager.Core.Formats;
using HaManager.Core.Model;
using HaManager.Store.Directory;

namespace HaManager.Store.Tests;

/// <summary>
/// Goal: what the directory store adds to the contract — first-use setup, the /etc/pve layout,
/// atomic files under concurrent readers, edits that are never lost and lock takeovers that exactly one
/// contender wins. Method: real files in a scratch directory, several threads (each with its own
/// store, as separate daemons would have), bounded in count.
/// </summary>
public class DirectoryStoreTests
{
    private sealed class Clock : IClock
    {
        public long Now = 1_800_000_000;
        public long WallSeconds => Interlocked.Read(ref Now);
        public long MonotonicSeconds => WallSeconds;
    }

    private string _root = "";
    private readonly Clock _clock = new();
    private static readonly SafetyBudget Budget = SafetyBudget.Derived(10, 5, 2);

    [SetUp]
    public void Scratch() => _root = Path.Combine(System.IO.Directory.CreateTempSubdirectory("hamanager-dir-").FullName, "store");

    [TearDown]
    public void Remove() => System.IO.Directory.Delete(Path.GetDirectoryName(_root)!, recursive: true);

    private DirectoryStore Open(string node) => new(_root, node, _clock, Budget, sleep: _ => { });

    [Test]
    public void A_missing_directory_becomes_a_one_node_quorate_cluster()
    {
        var store = Open("alpha");
        Assert.That(store.IsQuorate(), Is.True);
        Assert.That(store.GetNodeInfo().Online, Is.EqualTo(new Dictionary<string, bool> { ["alpha"] = true }));
        Assert.That(System.IO.Directory.Exists(Path.Combine(_root, "ha")), Is.True);
        Assert.That(System.IO.Directory.Exists(Path.Combine(_root, "priv", "lock")), Is.True);
        Assert.That(File.ReadAllText(Path.Combine(_root, ".members")), Does.Contain("\"quorate\": 1"));
    }

    [Test]
    public void Files_use_the_etc_pve_layout()
    {
        var store = Open("node1");
        store.WriteLrmStatus("node1", new LrmStatus { State = "active" });
        store.QueueCrmCommand("arm-ha");
        store.PlaceService("vm:100", "node1");
        store.PlaceService("ocf:web", "node1");
        var lease = store.Locks.TryAcquire(LockNames.Manager)!;
        store.WriteManagerStatus(new ManagerStatus { MasterNode = "node1" }, lease);
        foreach (var path in new[] { "nodes/node1/lrm_status", "ha/crm_commands", "ha/manager_status",
                     "nodes/node1/qemu-server/100.conf", "nodes/node1/ha-resources/ocf:web", "priv/lock/ha_manager_lock/owner" })
            Assert.That(File.Exists(Path.Combine(_root, path)), Is.True, path);
    }

    [Test]
    public void Resources_cfg_warnings_are_reported_once_per_content()
    {
        var warnings = new List<string>();
        var store = new DirectoryStore(_root, "node1", _clock, Budget, warn: warnings.Add);
        File.WriteAllText(Path.Combine(_root, "ha", "resources.cfg"), "vm: 100\n\tmax_restart many\n");
        store.ReadServiceConfig();
        store.ReadServiceConfig();
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0], Does.Contain("file ha/resources.cfg line 2 (section 'vm:100') - unable to parse value of 'max_restart'"));
    }

    [Test]
    public void A_reader_never_sees_a_half_written_status()
    {
        var writer = Open("node1");
        var reader = Open("node2");
        var lease = writer.Locks.TryAcquire(LockNames.Manager)!;
        var big = new ManagerStatus { MasterNode = "node1" };
        for (int i = 0; i < 2000; i++) big.ServiceStatus[$"vm:{1000 + i}"] = new ServiceStatusEntry { State = ServiceState.Started, Node = "node1", Uid = $"u{i}" };
        var small = new ManagerStatus { MasterNode = "node1" };
        using var stop = new CancellationTokenSource();
        int reads = 0;
        var readerTask = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested && reads < 100_000)
            {
                int count = reader.ReadManagerStatus().ServiceStatus.Count; // throws on a torn file
                Assert.That(count, Is.AnyOf(0, 2000));
                reads++;
            }
        });
        for (int i = 0; i < 60; i++) writer.WriteManagerStatus(i % 2 == 0 ? big : small, lease);
        stop.Cancel();
        readerTask.Wait(TimeSpan.FromSeconds(30));
        Assert.That(readerTask.IsCompletedSuccessfully, Is.True, readerTask.Exception?.ToString());
        Assert.That(reads, Is.GreaterThan(0));
    }

    [Test]
    public void Concurrent_edits_are_never_lost()
    {
        Open("node1");
        const int writers = 4, each = 40;
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            var store = Open("node1");
            for (int i = 0; i < each; i++) store.QueueCrmCommand($"stop vm:{100 + w} {i}");
        })).ToArray();
        Assert.That(Task.WaitAll(tasks, TimeSpan.FromSeconds(60)), Is.True);
        var lines = Open("node1").ReadCrmCommands().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(writers * each));
        for (int w = 0; w < writers; w++)
            Assert.That(lines.Where(l => l.StartsWith($"stop vm:{100 + w} ", StringComparison.Ordinal)).Select(l => int.Parse(l.Split(' ')[2])),
                Is.EqualTo(Enumerable.Range(0, each)), "each writer's commands, in its order");
    }

    [Test]
    public void Exactly_one_contender_takes_an_expired_lock()
    {
        var stores = Enumerable.Range(1, 4).Select(i => Open($"node{i}")).ToArray();
        var members = new Members("test", true, stores.Select((_, i) => $"node{i + 1}").ToDictionary(n => n, _ => true));
        File.WriteAllText(Path.Combine(_root, ".members"), members.ToJson("node1"));
        long lastToken = 0;
        for (int round = 0; round < 15; round++)
        {
            Interlocked.Add(ref _clock.Now, Budget.LockLifetimeSeconds + 1); // whoever held it is certainly dead
            using var start = new Barrier(stores.Length);
            var leases = stores.AsParallel().WithDegreeOfParallelism(stores.Length)
                .Select(s => { start.SignalAndWait(TimeSpan.FromSeconds(10)); return s.Locks.TryAcquire(LockNames.Manager); })
                .ToArray();
            var winners = leases.Where(l => l is not null).ToList();
            Assert.That(winners, Has.Count.EqualTo(1), $"round {round}");
            Assert.That(winners[0]!.Token, Is.GreaterThan(lastToken));
            lastToken = winners[0]!.Token;
        }
    }

    [Test]
    public void A_corrupt_status_file_is_a_store_error_not_a_crash()
    {
        var store = Open("node1");
        File.WriteAllText(Path.Combine(_root, "ha", "manager_status"), "{ half");
        var e = Assert.Throws<HaEnvironmentException>(() => store.ReadManagerStatus())!;
        Assert.That(e.Message, Does.StartWith("unable to read manager status - manager_status: not valid JSON"));
        File.WriteAllText(Path.Combine(_root, ".members"), "][");
        Assert.That(store.IsQuorate(), Is.False, "unreadable membership: not quorate");
    }

    [Test]
    public void Datacenter_cfg_is_read_in_its_real_syntax()
    {
        IClusterStore store = Open("node1");
        File.WriteAllText(Path.Combine(_root, "datacenter.cfg"), "ha: shutdown_policy=migrate\nmax_workers: 2\n");
        Assert.That(store.GetDatacenterSettings().ShutdownPolicy, Is.EqualTo("migrate"));
        Assert.That(store.GetDatacenterSettings().MaxWorkers, Is.EqualTo(2));
        Assert.That(DatacenterConfig.Parse(null).MaxWorkers, Is.Null);
    }
}

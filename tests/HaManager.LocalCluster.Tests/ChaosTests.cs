namespace HaManager.LocalCluster.Tests;

/// <summary>
/// Goal: seeded fault campaigns on real processes keep the invariants — never two copies of a service, every
/// enabled service running again after the last heal — on both stores, and the checker really catches an unsafe
/// stack. Method: <see cref="Chaos"/> at time scale 10, short campaigns; then one seed whose schedule cuts a node
/// other than the master for longer than the fence delay, first with the real daemons, then with masters whose
/// fencing is broken on purpose (<c>HAMANAGER_TEST_BREAK_FENCING</c>).
/// </summary>
public class ChaosTests
{
    private static (ChaosResult Result, string Output) Campaign(int etcdMembers, int steps, ulong seed = 1, string[]? faults = null,
        bool breakFencing = false, string? keep = null)
    {
        var output = new StringWriter();
        var result = Chaos.Run(new ChaosOptions(1, seed, steps, etcdMembers, 3, 3, 10, faults ?? Chaos.AllFaults, breakFencing,
            keep ?? Path.Combine(Path.GetTempPath(), "hamanager-chaos-kept")), output);
        TestContext.Out.Write(output.ToString());
        return (result, output.ToString());
    }

    private static ChaosOptions Options(int steps, string[]? faults = null) =>
        new(1, 1, steps, 0, 3, 3, 10, faults ?? Chaos.AllFaults, false, "unused");

    [Test]
    public void A_seed_names_one_schedule()
    {
        var first = Chaos.Schedule(Options(20), 42);
        Assert.That(Chaos.Schedule(Options(20), 42).Select(s => s.ToString()), Is.EqualTo(first.Select(s => s.ToString())));
        Assert.That(Chaos.Schedule(Options(20), 43).Select(s => s.ToString()), Is.Not.EqualTo(first.Select(s => s.ToString())));
        Assert.That(first.Select(s => s.Fault).Distinct().Count(), Is.GreaterThan(5), "the faults vary");
        Assert.That(Chaos.Schedule(Options(20, ["crash"]), 42).Select(s => s.Fault), Is.All.EqualTo("crash"));
    }

    // Seed 10 (directory): relocate, maintenance, relocate, store-readonly, kill-lrm; seed 29 (directory): disable,
    // maintenance, slow-agent, disarm, crash; seed 9 (etcd): cut, kill-mux, maintenance, migrate, etcd-member
    // (`ha-local-cluster chaos --seed S --steps 5 --dry-run`).
    [TestCase(0, 10UL, TestName = "A_short_campaign_keeps_every_invariant(directory, read-only store)")]
    [TestCase(0, 29UL, TestName = "A_short_campaign_keeps_every_invariant(directory, disarm and slow agents)")]
    [TestCase(3, 9UL, TestName = "A_short_campaign_keeps_every_invariant(etcd)")]
    public void A_short_campaign_keeps_every_invariant(int etcdMembers, ulong seed)
    {
        if (etcdMembers > 0) Prerequisites.Require("etcd-server", EtcdCluster.Binary);
        var (result, output) = Campaign(etcdMembers, steps: 5, seed: seed);
        Assert.That(result, Is.EqualTo(new ChaosResult(1, 0, 5)), output);
        Assert.That(output.TrimEnd().Split('\n')[^1], Is.EqualTo("chaos: 1 runs, 0 violations, 5 faults injected"));
    }

    [Test]
    public void A_kept_folder_can_be_checked_again()
    {
        string dir = Directory.CreateTempSubdirectory("hamanager-recheck-").FullName;
        try
        {
            foreach (var node in new[] { "node1", "node2" })
            {
                Directory.CreateDirectory(Path.Combine(dir, "nodes", node));
                File.WriteAllText(Path.Combine(dir, "nodes", node, "watchdog-mux.clients"), "500 open 17 /x/HaManager.Daemon lrm\n");
            }
            string record = Path.Combine(dir, "record");
            File.WriteAllText(record, "1000 start s0 node1\n2000 start s0 node2\n");
            Assert.That(Chaos.Recheck(dir, 10), Does.StartWith("single-runner: 1 start(s)"));
            File.WriteAllText(record, "1000 start s0 node1\n1500 stop s0 node1\n2000 start s0 node2\n");
            Assert.That(Chaos.Recheck(dir, 10), Is.Null);
            File.AppendAllText(record, "9000 start s1 node3\n"); // node3 has no watchdog-mux record at all
            Assert.That(Chaos.Recheck(dir, 10), Does.StartWith("armed-start: 1 start(s)"));
            Assert.Throws<FileNotFoundException>(() => Chaos.Recheck(Path.Combine(dir, "nodes"), 10));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void The_same_schedule_is_safe_with_real_fencing_and_caught_with_broken_fencing()
    {
        string keep = Directory.CreateTempSubdirectory("hamanager-chaos-test-").FullName;
        try
        {
            Assert.That(Chaos.Schedule(Options(1, ["cut-nonmaster"]), 1)[0].WaitLockLifetimes, Is.GreaterThanOrEqualTo(0.7),
                "seed 1 cuts the node for longer than the fence delay");
            var safe = Campaign(0, steps: 1, faults: ["cut-nonmaster"], keep: keep);
            Assert.That(safe.Output, Does.Contain("step 1: cut node"));
            Assert.That(safe.Result.Violations, Is.Zero, safe.Output);

            var broken = Campaign(0, steps: 1, faults: ["cut-nonmaster"], breakFencing: true, keep: keep);
            Assert.That(broken.Result.Violations, Is.EqualTo(1), "the checker missed a master that recovers without fencing\n" + broken.Output);
            Assert.That(broken.Output, Does.Contain("VIOLATION single-runner"));
            Assert.That(File.Exists(Path.Combine(keep, "chaos-seed-1", "record")), Is.True, "the evidence is kept");
        }
        finally
        {
            Directory.Delete(keep, recursive: true);
        }
    }
}

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

    [TestCase(0, TestName = "A_short_campaign_keeps_every_invariant(directory)")]
    [TestCase(3, TestName = "A_short_campaign_keeps_every_invariant(etcd)")]
    public void A_short_campaign_keeps_every_invariant(int etcdMembers)
    {
        if (etcdMembers > 0) Prerequisites.Require("etcd-server", EtcdCluster.Binary);
        var (result, output) = Campaign(etcdMembers, steps: 5);
        Assert.That(result, Is.EqualTo(new ChaosResult(1, 0, 5)), output);
        Assert.That(output.TrimEnd().Split('\n')[^1], Is.EqualTo("chaos: 1 runs, 0 violations, 5 faults injected"));
    }

    [Test]
    public void The_same_schedule_is_safe_with_real_fencing_and_caught_with_broken_fencing()
    {
        string keep = Directory.CreateTempSubdirectory("hamanager-chaos-test-").FullName;
        try
        {
            var safe = Campaign(0, steps: 1, faults: ["cut-nonmaster"], keep: keep);
            Assert.That(safe.Output, Does.Contain("step 1: cut node").And.Contain("then 8.4 s"), "seed 1 cuts a node long enough");
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

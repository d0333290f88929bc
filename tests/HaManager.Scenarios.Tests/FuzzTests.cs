using HaManager.Core.Environment;
using HaManager.Simulator;
using HaManager.Simulator.Fuzzing;

namespace HaManager.Scenarios.Tests;

/// <summary>
/// Goal: random faults never break the safety and liveness invariants, runs are reproducible, failing
/// runs replay as scenarios, and the checker really catches an unsafe HA stack. Method: the fuzzer over
/// fixed seed ranges (2,000 seeds in chunks so both cores work), and a deliberately broken environment
/// whose master "fences" a node without taking its agent lock.
/// </summary>
[Parallelizable(ParallelScope.Children)]
public class FuzzTests
{
    private const int SeedsPerChunk = 250;

    public static IEnumerable<int> Chunks() => Enumerable.Range(0, 8);

    [TestCaseSource(nameof(Chunks))]
    public void Seeds_keep_every_invariant(int chunk)
    {
        var fuzzer = new Fuzzer(new FuzzOptions());
        var report = new StringWriter();
        var failures = fuzzer.RunSeeds((ulong)(1 + chunk * SeedsPerChunk), SeedsPerChunk, report, outputDir: null);
        Assert.That(failures.Count, Is.Zero, report.ToString());
    }

    [Test]
    public void The_same_seed_gives_the_same_log()
    {
        var fuzzer = new Fuzzer(new FuzzOptions());
        Assert.That(fuzzer.RunSeed(4242).Log, Is.EqualTo(fuzzer.RunSeed(4242).Log));
        Assert.That(fuzzer.RunSeed(4242).Log, Is.Not.EqualTo(fuzzer.RunSeed(4243).Log));
    }

    /// <summary>A master that believes every node is fenced at once: it reports the agent lock of any
    /// other node as acquired without taking it, i.e. it skips the wait for the node's watchdog.</summary>
    private sealed class SkipsFenceWait(IClusterLocks inner, string localNode) : IClusterLocks
    {
        public LockLease? TryAcquire(string name) =>
            name.StartsWith("ha_agent_", StringComparison.Ordinal) && name != LockNames.Agent(localNode)
                ? new LockLease(name, 0) : inner.TryAcquire(name);
        public LockLease? TryAcquireRepeatedly(string name) => inner.TryAcquireRepeatedly(name);
        public bool Release(string name) => inner.Release(name);
        public LockLease? TakeOver(string name) => inner.TakeOver(name);
        public long? RenewedSecondsAgo(string name) => inner.RenewedSecondsAgo(name);
    }

    [Test]
    public void The_checker_catches_recovery_without_fencing_within_200_seeds()
    {
        var fuzzer = new Fuzzer(new FuzzOptions(), node => node with { Locks = new SkipsFenceWait(node.Locks, node.Name) }) { ShrinkBudget = 40 };
        var failures = fuzzer.RunSeeds(1, 200, TextWriter.Null, outputDir: null);
        Assert.That(failures, Is.Not.Empty, "a broken fencing path went unnoticed");
        Assert.That(failures.Select(f => f.Violation!.Invariant),
            Has.Some.AnyOf("single-runner", "fence-before-recovery"));
    }

    [Test]
    public void A_run_is_written_as_a_scenario_that_replays_to_the_same_log()
    {
        // Any run will do (a failing one needs a bug, and an injected bug is not in the replay): the heal
        // batches are written as the commands they expanded to, so the directory replays exactly.
        var fuzzer = new Fuzzer(new FuzzOptions());
        var run = fuzzer.RunSeed(77);
        string root = Directory.CreateTempSubdirectory("hamanager-fuzz-test-").FullName;
        try
        {
            string dir = Fuzzer.WriteScenario(run, root);
            var input = ScenarioDirectory.Load(dir);
            Assert.That(input.Commands.SelectMany(b => b), Does.Not.Contain(FuzzCase.HealMarker));
            Assert.That(Simulation.Run(input), Is.EqualTo(input.ExpectedLog));
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}

using HaManager.Core.Environment;
using HaManager.Simulator.Fuzzing;

namespace HaManager.Scenarios.Tests;

/// <summary>
/// Goal: the fuzzer really exercises hardware fencing (devices that confirm, fail and hang, lock takeovers)
/// and its invariants catch a master that recovers on a fence device's false word. Method: seeds 1–300,
/// about a third of which configure fence levels; then the same seeds with a device that claims every
/// power-off without doing it.
/// </summary>
public class FencingFuzzTests
{
    /// <summary>A fence device that reports every node powered off without touching it.</summary>
    private sealed class LyingFenceDevice : IFenceDevices
    {
        private readonly List<FenceOutcome> _claimed = [];
        public void Start(FenceRequest request) => _claimed.Add(new FenceOutcome(request.Node, request.Level, true, "claimed"));
        public IReadOnlyList<FenceOutcome> CollectFinished()
        {
            var claimed = _claimed.ToList();
            _claimed.Clear();
            return claimed;
        }
    }

    [Test]
    public void Fencing_seeds_power_nodes_off_through_devices_and_take_their_locks_over()
    {
        var fuzzer = new Fuzzer(new FuzzOptions());
        var logs = Enumerable.Range(1, 300).Select(seed => fuzzer.RunSeed((ulong)seed).Log).ToList();
        Assert.That(logs.Count(l => l.Contains("confirmed node", StringComparison.Ordinal)
            && l.Contains("took over lock 'ha_agent_", StringComparison.Ordinal)), Is.GreaterThan(10));
        Assert.That(logs.Count(l => l.Contains("failed at level", StringComparison.Ordinal)), Is.GreaterThan(3));
    }

    [Test]
    public void The_checker_catches_a_fence_device_that_claims_a_power_off_within_300_seeds()
    {
        var fuzzer = new Fuzzer(new FuzzOptions(), node => node.Fencing is null ? node : node with { Fencing = new LyingFenceDevice() })
        {
            ShrinkBudget = 40,
        };
        var failures = fuzzer.RunSeeds(1, 300, TextWriter.Null, outputDir: null);
        Assert.That(failures, Is.Not.Empty, "recovery on a device's false word went unnoticed");
        Assert.That(failures.Select(f => f.Violation!.Invariant), Has.Some.AnyOf("single-runner", "fence-before-recovery"));
    }
}

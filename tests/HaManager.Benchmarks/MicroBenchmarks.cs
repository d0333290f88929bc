using BenchmarkDotNet.Attributes;
using HaManager.Simulator;

namespace HaManager.Benchmarks;

/// <summary>BenchmarkDotNet view of the steady-state manager round (run with --bdn).</summary>
[MemoryDiagnoser]
public class MicroBenchmarks
{
    private BenchMaster _manager = null!;

    [Params(3, 64)]
    public int Nodes { get; set; }

    [Params(1000, 10000)]
    public int Services { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var sim = new Simulation(Fixtures.Cluster(Nodes, Services));
        _manager = new BenchMaster(sim);
        _manager.Round();
    }

    [Benchmark]
    public void ManagerRound() => _manager.Round();
}

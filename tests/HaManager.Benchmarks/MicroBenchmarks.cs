using BenchmarkDotNet.Attributes;
using HaManager.Simulator;
using MgrManager = HaManager.Core.Manager.Manager;

namespace HaManager.Benchmarks;

/// <summary>BenchmarkDotNet view of the steady-state manager round (run with --bdn).</summary>
[MemoryDiagnoser]
public class MicroBenchmarks
{
    private MgrManager _manager = null!;

    [Params(3, 64)]
    public int Nodes { get; set; }

    [Params(1000, 10000)]
    public int Services { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var sim = new Simulation(Fixtures.Cluster(Nodes, Services));
        _manager = new MgrManager(sim.Cluster.Nodes[0].CrmEnv);
        _manager.ManageRound();
    }

    [Benchmark]
    public void ManagerRound() => _manager.ManageRound();
}

using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Simulator;

/// <summary>
/// Watches a simulation from inside, for invariant checking (the fuzzer) and tests. Every callback runs
/// synchronously at the moment it names; none may change the simulation except through
/// <see cref="BeforeBatch"/>'s returned commands.
/// </summary>
public interface ISimulationObserver
{
    /// <summary>A command batch is about to run at a batch slot; returns the commands to execute instead
    /// (the same list to change nothing). What it returns is what <see cref="Simulation.ExecutedBatches"/> records.</summary>
    IReadOnlyList<string> BeforeBatch(Simulation simulation, int index, IReadOnlyList<string> batch) => batch;

    /// <summary>A daemon slot (and the watchdog check after it) finished.</summary>
    void AfterSlot(Simulation simulation) { }

    /// <summary>A node's resource agent is about to start a service.</summary>
    void ServiceStarting(Simulation simulation, SimNode node, string sid) { }

    /// <summary>A master moved a fenced service's configuration to another node.</summary>
    void ServiceStolen(Simulation simulation, string sid, string fromNode, string toNode) { }

    /// <summary>A master wrote the manager status.</summary>
    void ManagerStatusWritten(Simulation simulation, SimEnvironment writer, ManagerStatus status) { }
}

/// <summary>Knobs of a simulation run beyond its scenario.</summary>
public sealed class SimulationOptions
{
    /// <summary>Echo every log line here as it is written.</summary>
    public TextWriter? Echo { get; init; }

    /// <summary>Watches the run.</summary>
    public ISimulationObserver? Observer { get; init; }

    /// <summary>The simulated time after which a run is ended as "exceeded maximum time" (default 10000 s,
    /// upstream's limit); long fuzz timelines raise it with their length.</summary>
    public long MaxSimulatedSeconds { get; init; } = 10000;

    /// <summary>Replaces roles of the world a daemon sees (fault injection in tests: a deliberately broken
    /// lock or store must be caught by the invariant checker).</summary>
    public Func<HaNode, HaNode>? DecorateNode { get; init; }
}

namespace HaManager.Simulator;

/// <summary>
/// The main loop driven from outside, one batch slot at a time (the browser simulator). The run is the same
/// loop as a replay: what the user does at a slot joins that slot's batch in <see cref="ExecutedBatches"/>, so
/// replaying those batches gives the same log.
/// </summary>
public sealed partial class Simulation
{
    /// <summary>True while the run stands at a batch slot: commands executed now belong to its batch.</summary>
    public bool AtBatchSlot { get; private set; }

    /// <summary>Starts a run driven by <see cref="Step"/> and <see cref="Execute"/>: its scripted batches are
    /// played at their slots, and after them every slot gets an empty batch for the user to fill.</summary>
    public static Simulation StartInteractive(ScenarioInput input)
    {
        var sim = new Simulation(input, new SimulationOptions()) { _interactive = true };
        sim._cluster.HardwareLog("info", "starting simulation");
        sim.Step();
        return sim;
    }

    /// <summary>Runs loops up to the next batch slot (one loop, with one loop per batch and no delay).
    /// False when the run has ended with a fatal error, now or before.</summary>
    public bool Step()
    {
        if (!_interactive) throw new InvalidOperationException("Step needs a run started by StartInteractive");
        if (FatalError is not null) return false;
        AtBatchSlot = false;
        try
        {
            while (!AtBatchSlot) NextLoop();
            return true;
        }
        catch (Exception e) when (IsFatal(e))
        {
            EndWith(e);
            return false;
        }
    }

    /// <summary>Executes one command at the current batch slot as part of its batch. A command the simulator
    /// rejects throws <see cref="SimulationFatalException"/> (or another fatal exception) and may have changed
    /// the run half-way: the caller replays the batches without it (<see cref="Replay"/>).</summary>
    public void Execute(string command)
    {
        if (!AtBatchSlot || FatalError is not null)
            throw new InvalidOperationException("commands can only be executed at a batch slot of a running simulation");
        ExecutedBatches[^1].Add(command);
        ExecuteBatchCommand(command);
    }

    /// <summary>True for the exceptions a rejected command ends a run with.</summary>
    public static bool IsRejection(Exception e) => IsFatal(e);

    /// <summary>A new interactive run of <paramref name="input"/>'s set-up with <paramref name="batches"/> as its
    /// script, standing at slot <paramref name="slots"/> (the count of batches executed): the same state as the
    /// run that executed the first <paramref name="slots"/> of them, because the simulation is deterministic.</summary>
    public static Simulation Replay(ScenarioInput input, IReadOnlyList<IReadOnlyList<string>> batches, int slots)
    {
        var copy = input.WithCommands(batches.Select(b => b.ToList()).ToList());
        var sim = new Simulation(copy, new SimulationOptions()) { _interactive = true };
        sim._cluster.HardwareLog("info", "starting simulation");
        while (sim.ExecutedBatches.Count < Math.Max(1, slots) && sim.Step()) { }
        return sim;
    }
}

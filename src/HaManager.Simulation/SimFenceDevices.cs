using HaManager.Core.Environment;

namespace HaManager.Simulator;

/// <summary>
/// The simulator's fence agents (simulator §7.8, made live), one per CRM instance (a fence job dies with the
/// master that started it). An agent that works powers the node off at once, with the agent's name as log
/// id, and reports success; one set to <c>fail</c> (hardware command <c>fence-device &lt;agent&gt; fail</c>)
/// reports failure at once; one set to <c>hang</c> reports failure after the runner's timeout.
/// </summary>
public sealed class SimFenceDevices(SimCluster cluster, IClock clock) : IFenceDevices
{
    /// <summary>How long a hanging agent runs before the runner gives up (the real runner's default).</summary>
    public const long TimeoutSeconds = 60;

    private readonly List<(FenceOutcome Outcome, long Due)> _pending = [];

    /// <inheritdoc/>
    public void Start(FenceRequest request)
    {
        var behaviours = request.Commands.Select(c => (c.Agent, Behaviour: cluster.FenceDeviceBehaviour(c.Agent))).ToList();
        if (behaviours.FirstOrDefault(b => b.Behaviour != "work") is { Agent: not null } broken)
        {
            bool hangs = broken.Behaviour == "hang";
            string detail = hangs ? $"command '{broken.Agent}' timed out after {TimeoutSeconds} s" : $"command '{broken.Agent}' exited with '1'";
            _pending.Add((new FenceOutcome(request.Node, request.Level, false, detail), clock.MonotonicSeconds + (hangs ? TimeoutSeconds : 0)));
            return;
        }
        foreach (var (agent, _) in behaviours)
            cluster.Simulation?.ExecuteHardwareCommand($"power {request.Node} off", agent);
        _pending.Add((new FenceOutcome(request.Node, request.Level, true, "off"), clock.MonotonicSeconds));
    }

    /// <inheritdoc/>
    public IReadOnlyList<FenceOutcome> CollectFinished()
    {
        long now = clock.MonotonicSeconds;
        var done = _pending.Where(p => p.Due <= now).Select(p => p.Outcome).ToList();
        _pending.RemoveAll(p => p.Due <= now);
        return done;
    }
}

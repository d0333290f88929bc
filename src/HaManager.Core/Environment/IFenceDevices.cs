using HaManager.Core.Formats;

namespace HaManager.Core.Environment;

/// <summary>One fence level for a node: the commands of one fence.cfg device, to be run in parallel.</summary>
/// <param name="Node">The node to power off.</param>
/// <param name="Level">The level (0 = the first device connected to the node).</param>
/// <param name="Commands">The device's sub-device commands for the node; all must succeed.</param>
public sealed record FenceRequest(string Node, int Level, IReadOnlyList<FenceCommand> Commands);

/// <summary>How one started <see cref="FenceRequest"/> ended.</summary>
/// <param name="Node">The node.</param>
/// <param name="Level">The level that ran.</param>
/// <param name="PoweredOff">True iff every command of the level confirmed the node off.</param>
/// <param name="Detail">Why it failed (the first failing command and its exit status), or what confirmed it.</param>
public sealed record FenceOutcome(string Node, int Level, bool PoweredOff, string Detail);

/// <summary>
/// Runs fence agents for the master (crm-manager §12, made live): hardware fencing powers a node off so its
/// services can be recovered without waiting for its agent lock to expire.
/// <para>Contract: <see cref="Start"/> never blocks on the agents. Every started request is reported by
/// <see cref="CollectFinished"/> exactly once, within the runner's own timeout — a hanging agent is reported
/// as failed. <see cref="FenceOutcome.PoweredOff"/> is true only when every agent of the level exited with
/// success after action <c>off</c>: that is the proof the master acts on.</para>
/// </summary>
public interface IFenceDevices
{
    /// <summary>Starts the level's agents.</summary>
    void Start(FenceRequest request);

    /// <summary>The requests that finished since the last call.</summary>
    IReadOnlyList<FenceOutcome> CollectFinished();
}

/// <summary>Fencing modes of datacenter.cfg <c>fencing</c> (config-cli §7).</summary>
public enum FencingMode
{
    /// <summary>Self-fencing only: a node is fenced when its agent lock can be taken (its watchdog fired).</summary>
    Watchdog,

    /// <summary>Fence devices first; the watchdog still guards every node and its expiry still counts.</summary>
    Hardware,

    /// <summary>Both at once; whichever proves the node dead first.</summary>
    Both,
}

/// <summary>Names of <see cref="FencingMode"/>.</summary>
public static class FencingModes
{
    /// <summary>The mode a datacenter <c>fencing</c> value names; <see cref="FencingMode.Watchdog"/> when unset or unknown.</summary>
    public static FencingMode Parse(string? text) => text switch
    {
        "hardware" => FencingMode.Hardware,
        "both" => FencingMode.Both,
        _ => FencingMode.Watchdog,
    };
}

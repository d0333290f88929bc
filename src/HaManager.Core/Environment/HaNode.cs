namespace HaManager.Core.Environment;

/// <summary>
/// The world as one daemon of one node sees it: the role interfaces the CRM, Manager and LRM talk to.
/// The simulator hands one object in every role; a real node combines a store, a lock service, a
/// watchdog-mux client and so on, each implementing only its part.
/// </summary>
/// <param name="Name">The local node.</param>
/// <param name="Clock">Time.</param>
/// <param name="Log">Log lines and fence notifications.</param>
/// <param name="Store">Configuration and status.</param>
/// <param name="Locks">Manager and agent locks.</param>
/// <param name="Membership">Quorum, members, local shutdown.</param>
/// <param name="Watchdog">The node's watchdog.</param>
/// <param name="Jobs">Runs resource jobs (LRM).</param>
/// <param name="Agents">Resource plugins by type.</param>
/// <param name="Uids">Fresh request ids (Manager).</param>
/// <param name="Budget">The timeouts (lock lifetime, rounds, fence delay) this node runs with.</param>
public sealed record HaNode(
    string Name,
    IClock Clock,
    IHaLog Log,
    IClusterStore Store,
    IClusterLocks Locks,
    IMembership Membership,
    IWatchdog Watchdog,
    IJobRunner Jobs,
    IResourceAgents Agents,
    IUidSource Uids,
    SafetyBudget Budget)
{
    /// <summary>Fence agents for hardware fencing (master only); null where none can run.</summary>
    public IFenceDevices? Fencing { get; init; }
}

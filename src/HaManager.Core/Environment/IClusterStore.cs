using HaManager.Core.Model;

namespace HaManager.Core.Environment;

/// <summary>
/// The cluster-wide data the CRM, Manager and LRM share: configuration, manager status, LRM
/// statuses, the CRM command queue and usage statistics (pmxcfs layout: lrm-watchdog-env §13.1).
/// <para>Contract: reads return copies the caller may change freely; writes store a snapshot
/// atomically (a reader sees the old or the new value, never a mix). Every operation throws
/// <see cref="HaEnvironmentException"/> when the store cannot be reached or refuses (not quorate,
/// read-only); nothing blocks longer than the lock lifetime. Writes that only the master may do take
/// its <see cref="LockLease"/> and fail with <see cref="HaEnvironmentException"/>, writing nothing,
/// when that lease is no longer the lock's current one.</para>
/// </summary>
public interface IClusterStore
{
    /// <summary>Refreshes the view of the cluster store; false when it is inconsistent this round.</summary>
    bool ClusterStateUpdate();

    /// <summary>The persisted manager status; empty when none was written.</summary>
    ManagerStatus ReadManagerStatus();

    /// <summary>Persists the manager status, only while <paramref name="managerLease"/> is current.</summary>
    void WriteManagerStatus(ManagerStatus status, LockLease managerLease);

    /// <summary>The LRM status of <paramref name="node"/>; empty when none exists.</summary>
    LrmStatus ReadLrmStatus(string node);

    /// <summary>Writes the LRM status of <paramref name="node"/> (the local node).</summary>
    void WriteLrmStatus(string node, LrmStatus status);

    /// <summary>Appends one command to the CRM command queue.</summary>
    void QueueCrmCommand(string command);

    /// <summary>True iff the CRM command queue is not empty.</summary>
    bool AnyPendingCrmCommand();

    /// <summary>Returns the whole queue text and empties it, atomically.</summary>
    string ReadCrmCommands();

    /// <summary>The resource configuration with defaults applied, ordinal by sid.</summary>
    SortedMap<ServiceConfigEntry> ReadServiceConfig();

    /// <summary>Applies partial changes per sid, in sid order, as one read-modify-write. Throws for an unknown sid.</summary>
    void UpdateServiceConfig(IReadOnlyDictionary<string, ServiceConfigChange> changes);

    /// <summary>Moves a fenced service's configuration from one node to another, only while
    /// <paramref name="managerLease"/> is current and the service still lives on <paramref name="fromNode"/>.</summary>
    void StealService(string sid, string fromNode, string toNode, LockLease managerLease);

    /// <summary>The HA parts of the datacenter configuration.</summary>
    DatacenterSettings GetDatacenterSettings();

    /// <summary>The fence.cfg text; null when the file does not exist.</summary>
    string? ReadFenceConfig();

    /// <summary>The rules.cfg text; null when the file does not exist.</summary>
    string? ReadRulesConfig();

    /// <summary>Replaces rules.cfg.</summary>
    void WriteRulesConfig(string text);

    /// <summary>The groups.cfg text; null when the file does not exist.</summary>
    string? ReadGroupConfig();

    /// <summary>Deletes groups.cfg (after the groups were migrated into rules).</summary>
    void DeleteGroupConfig();

    /// <summary>Every resource of the cluster with node, state, running flag and usage.</summary>
    IReadOnlyDictionary<string, ServiceStats> GetServiceStats();

    /// <summary>Per node its configured capacity (static scheduler).</summary>
    IReadOnlyDictionary<string, NodeUsage> GetStaticNodeStats();

    /// <summary>Per node its capacity and measured use (dynamic scheduler).</summary>
    IReadOnlyDictionary<string, NodeUsage> GetDynamicNodeStats();
}

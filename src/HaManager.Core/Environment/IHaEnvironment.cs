using HaManager.Core.Model;

namespace HaManager.Core.Environment;

/// <summary>Log levels the core uses. The simulator prints the first four letters of
/// <see cref="LogLevels.Name"/>; the daemons map them onto syslog/journal priorities.</summary>
public enum LogLevel
{
    /// <summary>Dropped by the simulator.</summary>
    Debug,
    /// <summary>Normal progress.</summary>
    Info,
    /// <summary>Worth noticing.</summary>
    Notice,
    /// <summary>Something went wrong but is handled.</summary>
    Warning,
    /// <summary>An error.</summary>
    Err,
    /// <summary>A fence notification (the simulator logs it as one line).</summary>
    Email,
}

/// <summary>Names of <see cref="LogLevel"/> as upstream passes them to its logger.</summary>
public static class LogLevels
{
    /// <summary>The level word.</summary>
    public static string Name(LogLevel level) => level switch
    {
        LogLevel.Debug => "debug",
        LogLevel.Info => "info",
        LogLevel.Notice => "notice",
        LogLevel.Warning => "warning",
        LogLevel.Err => "err",
        LogLevel.Email => "email",
    };
}

/// <summary>An environment operation failed in an expected way (the cluster file system is not
/// mounted, a config cannot be read…). The core catches it where upstream does and logs its message.</summary>
public sealed class HaEnvironmentException(string message) : Exception(message);

/// <summary>Membership as one node sees it.</summary>
/// <param name="Online">Every cluster member → online flag (all false while not quorate).</param>
/// <param name="Quorate">Whether the cluster is quorate.</param>
public sealed record NodeInfo(IReadOnlyDictionary<string, bool> Online, bool Quorate);

/// <summary>The HA-relevant parts of the datacenter configuration.</summary>
/// <param name="ShutdownPolicy"><c>ha: shutdown_policy</c>, null when not set (then <c>conditional</c>).</param>
/// <param name="Crs">The <c>crs</c> property string as key → value (e.g. <c>ha</c> → <c>static</c>).</param>
public sealed record DatacenterSettings(string? ShutdownPolicy, IReadOnlyDictionary<string, string> Crs)
{
    /// <summary><c>max_workers</c>: parallel LRM workers; null means the default (4 on a real cluster).</summary>
    public int? MaxWorkers { get; init; }

    /// <summary><c>fencing</c>: <c>watchdog</c> (default), <c>hardware</c> or <c>both</c>; null when not set.</summary>
    public string? FencingMode { get; init; }

    /// <summary>No settings at all.</summary>
    public static DatacenterSettings Empty { get; } =
        new(null, new Dictionary<string, string>(StringComparer.Ordinal));
}

/// <summary>A resource the cluster knows about, HA-managed or not, for usage accounting (crm-manager §9.1).</summary>
/// <param name="Node">Where it lives.</param>
/// <param name="State">Its requested state (simulator) or <c>started</c>/<c>stopped</c> (real).</param>
/// <param name="Running">Whether it counts as running.</param>
/// <param name="Static">Configured maxima (static scheduler); null when unknown.</param>
/// <param name="Dynamic">Configured maxima and measured use (dynamic scheduler); null when unknown.</param>
public sealed record ServiceStats(string Node, string State, bool Running, ServiceUsage? Static = null,
    ServiceUsage? Dynamic = null);

/// <summary>A resource's configured maxima and measured use; any part may be unknown.</summary>
/// <param name="MaxCpu">Configured cores.</param>
/// <param name="MaxMem">Configured bytes.</param>
/// <param name="Cpu">Cores in use.</param>
/// <param name="Mem">Bytes in use.</param>
public sealed record ServiceUsage(double? MaxCpu = null, long? MaxMem = null, double? Cpu = null, long? Mem = null);

/// <summary>A node's capacity and (dynamic scheduler) measured use; capacity may be unknown.</summary>
/// <param name="MaxCpu">Cores.</param>
/// <param name="MaxMem">Bytes.</param>
/// <param name="Cpu">Cores in use (0 for the static scheduler).</param>
/// <param name="Mem">Bytes in use (0 for the static scheduler).</param>
public sealed record NodeUsage(double? MaxCpu, long? MaxMem, double Cpu = 0, long Mem = 0);

/// <summary>Whether the local node is going down, read when a shutdown request arrives.</summary>
/// <param name="Shutdown">The node is shutting down or rebooting.</param>
/// <param name="Reboot">The node is rebooting.</param>
public readonly record struct NodeShutdownInfo(bool Shutdown, bool Reboot);

/// <summary>
/// Everything the CRM, Manager and LRM may know about or do to the world (simulator §9). One
/// instance per node and daemon role. Implementations: the simulator (virtual time, simulated
/// hardware) and the real daemons (cluster file system or etcd, wall clock, watchdog-mux).
/// <para>Contract: time is whole seconds and never moves backwards. Reads of cluster data return
/// copies the caller may change freely; writes store a snapshot. Cluster-data operations throw
/// <see cref="HaEnvironmentException"/> when the store is unreachable; lock operations and quorum
/// queries never throw, they answer false. Nothing here blocks longer than the lock timeout.</para>
/// </summary>
public interface IHaEnvironment
{
    /// <summary>The local node.</summary>
    string NodeName { get; }

    /// <summary>Current time in seconds. In the simulator it does not move during one iteration.</summary>
    long Now { get; }

    /// <summary>Waits (the simulator only accounts for it).</summary>
    void Sleep(long seconds);

    /// <summary>Waits until <paramref name="time"/> (the simulator only accounts for it).</summary>
    void SleepUntil(long time);

    /// <summary>Called before every daemon iteration.</summary>
    void LoopStartHook();

    /// <summary>Called after every daemon iteration.</summary>
    void LoopEndHook();

    /// <summary>Writes one log line. A single trailing newline of the message is not part of it.</summary>
    void Log(LogLevel level, string message);

    /// <summary>Sends a fence notification (the simulator logs <c>prefix: subject</c> at level email).</summary>
    void SendFenceNotification(string prefix, string subject, string fencedNode);

    /// <summary>True iff the local node is in the quorate partition.</summary>
    bool IsQuorate();

    /// <summary>Cluster membership and quorum.</summary>
    NodeInfo GetNodeInfo();

    /// <summary>Refreshes the view of the cluster store; false when it is inconsistent this round.</summary>
    bool ClusterStateUpdate();

    /// <summary>Acquires or renews <c>ha_manager_lock</c>.</summary>
    bool TryGetManagerLock();

    /// <summary>Releases <c>ha_manager_lock</c>.</summary>
    bool ReleaseManagerLock();

    /// <summary>Acquires or renews <c>ha_agent_&lt;node&gt;_lock</c>.</summary>
    bool TryGetAgentLock(string node);

    /// <summary>Releases the local node's agent lock.</summary>
    bool ReleaseAgentLock();

    /// <summary>The persisted manager status; empty when none was written.</summary>
    ManagerStatus ReadManagerStatus();

    /// <summary>Persists the manager status (master only).</summary>
    void WriteManagerStatus(ManagerStatus status);

    /// <summary>The LRM status of <paramref name="node"/>; empty when none exists.</summary>
    LrmStatus ReadLrmStatus(string node);

    /// <summary>Writes the local LRM status.</summary>
    void WriteLrmStatus(LrmStatus status);

    /// <summary>Whether the local node is shutting down or rebooting.</summary>
    NodeShutdownInfo IsNodeShutdown();

    /// <summary>Appends one command line to the CRM command queue.</summary>
    void QueueCrmCommand(string command);

    /// <summary>True iff the CRM command queue is not empty.</summary>
    bool AnyPendingCrmCommand();

    /// <summary>Returns the whole queue text and empties it.</summary>
    string ReadCrmCommands();

    /// <summary>The resource configuration with defaults applied, ordinal by sid.</summary>
    SortedMap<ServiceConfigEntry> ReadServiceConfig();

    /// <summary>Applies partial changes per sid, in sid order. Throws for an unknown sid.</summary>
    void UpdateServiceConfig(IReadOnlyDictionary<string, ServiceConfigChange> changes);

    /// <summary>Moves a (fenced) service's configuration from one node to another.</summary>
    void StealService(string sid, string fromNode, string toNode);

    /// <summary>The HA parts of the datacenter configuration.</summary>
    DatacenterSettings GetDatacenterSettings();

    /// <summary>The rules.cfg text; null when the file does not exist.</summary>
    string? ReadRulesConfig();

    /// <summary>Replaces rules.cfg.</summary>
    void WriteRulesConfig(string text);

    /// <summary>The groups.cfg text; null when the file does not exist.</summary>
    string? ReadGroupConfig();

    /// <summary>Deletes groups.cfg (after the groups were migrated into rules).</summary>
    void DeleteGroupConfig();

    /// <summary>The management software version of a node, or null when unknown.</summary>
    string? GetNodeVersion(string node);

    /// <summary>Every resource of the cluster with node, state, running flag and usage.</summary>
    IReadOnlyDictionary<string, ServiceStats> GetServiceStats();

    /// <summary>Per node its configured capacity (static scheduler).</summary>
    IReadOnlyDictionary<string, NodeUsage> GetStaticNodeStats();

    /// <summary>Per node its capacity and measured use (dynamic scheduler).</summary>
    IReadOnlyDictionary<string, NodeUsage> GetDynamicNodeStats();

    /// <summary>The resource plugin for a service type, bound to this environment; null if unknown.</summary>
    IResourceAgent? GetResourceAgent(string type);

    /// <summary>Opens a watchdog and returns its handle.</summary>
    string WatchdogOpen();

    /// <summary>Feeds the watchdog.</summary>
    void WatchdogUpdate(string handle);

    /// <summary>Closes the watchdog cleanly.</summary>
    void WatchdogClose(string handle);

    /// <summary>How many resource jobs may run in parallel; 0 runs them inline, one after another.</summary>
    int MaxWorkers { get; }

    /// <summary>A fresh, unique request id for a service status entry.</summary>
    string NewUid();
}

/// <summary>
/// Operations on one type of resource (lrm-watchdog-env §9). Calls block until the action finished;
/// they log through the environment they are bound to.
/// </summary>
public interface IResourceAgent
{
    /// <summary>Whether the service runs on the local node.</summary>
    bool CheckRunning(string sid);

    /// <summary>Starts it on the local node.</summary>
    void Start(string sid);

    /// <summary>Stops it; <paramref name="timeout"/> null means the default, 0 a hard stop.</summary>
    void Shutdown(string sid, string? timeout);

    /// <summary>Moves it to <paramref name="target"/>, live if <paramref name="online"/>; true iff the
    /// configuration no longer lives on the local node.</summary>
    bool Migrate(string sid, string target, bool online);

    /// <summary>Removes the first of <paramref name="lockNames"/> set on the guest and returns it.</summary>
    string? RemoveLocks(string sid, IReadOnlyList<string> lockNames);
}

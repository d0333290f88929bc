using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Simulator;

/// <summary>An environment that forwards everything to another one; override members to inject faults
/// (used to prove the fuzzer's invariant checker catches a broken environment or core).</summary>
public abstract class DelegatingEnvironment(IHaEnvironment inner) : IHaEnvironment
{
    /// <summary>The wrapped environment.</summary>
    protected IHaEnvironment Inner { get; } = inner;

    /// <inheritdoc/>
    public virtual string NodeName => Inner.NodeName;

    /// <inheritdoc/>
    public virtual long Now => Inner.Now;

    /// <inheritdoc/>
    public virtual int MaxWorkers => Inner.MaxWorkers;

    /// <inheritdoc/>
    public virtual void Sleep(long seconds) => Inner.Sleep(seconds);

    /// <inheritdoc/>
    public virtual void SleepUntil(long time) => Inner.SleepUntil(time);

    /// <inheritdoc/>
    public virtual void LoopStartHook() => Inner.LoopStartHook();

    /// <inheritdoc/>
    public virtual void LoopEndHook() => Inner.LoopEndHook();

    /// <inheritdoc/>
    public virtual void Log(LogLevel level, string message) => Inner.Log(level, message);

    /// <inheritdoc/>
    public virtual void SendFenceNotification(string prefix, string subject, string fencedNode) => Inner.SendFenceNotification(prefix, subject, fencedNode);

    /// <inheritdoc/>
    public virtual bool IsQuorate() => Inner.IsQuorate();

    /// <inheritdoc/>
    public virtual NodeInfo GetNodeInfo() => Inner.GetNodeInfo();

    /// <inheritdoc/>
    public virtual bool ClusterStateUpdate() => Inner.ClusterStateUpdate();

    /// <inheritdoc/>
    public virtual bool TryGetManagerLock() => Inner.TryGetManagerLock();

    /// <inheritdoc/>
    public virtual bool ReleaseManagerLock() => Inner.ReleaseManagerLock();

    /// <inheritdoc/>
    public virtual bool TryGetAgentLock(string node) => Inner.TryGetAgentLock(node);

    /// <inheritdoc/>
    public virtual bool ReleaseAgentLock() => Inner.ReleaseAgentLock();

    /// <inheritdoc/>
    public virtual ManagerStatus ReadManagerStatus() => Inner.ReadManagerStatus();

    /// <inheritdoc/>
    public virtual void WriteManagerStatus(ManagerStatus status) => Inner.WriteManagerStatus(status);

    /// <inheritdoc/>
    public virtual LrmStatus ReadLrmStatus(string node) => Inner.ReadLrmStatus(node);

    /// <inheritdoc/>
    public virtual void WriteLrmStatus(LrmStatus status) => Inner.WriteLrmStatus(status);

    /// <inheritdoc/>
    public virtual NodeShutdownInfo IsNodeShutdown() => Inner.IsNodeShutdown();

    /// <inheritdoc/>
    public virtual void QueueCrmCommand(string command) => Inner.QueueCrmCommand(command);

    /// <inheritdoc/>
    public virtual bool AnyPendingCrmCommand() => Inner.AnyPendingCrmCommand();

    /// <inheritdoc/>
    public virtual string ReadCrmCommands() => Inner.ReadCrmCommands();

    /// <inheritdoc/>
    public virtual SortedMap<ServiceConfigEntry> ReadServiceConfig() => Inner.ReadServiceConfig();

    /// <inheritdoc/>
    public virtual void UpdateServiceConfig(IReadOnlyDictionary<string, ServiceConfigChange> changes) => Inner.UpdateServiceConfig(changes);

    /// <inheritdoc/>
    public virtual void StealService(string sid, string fromNode, string toNode) => Inner.StealService(sid, fromNode, toNode);

    /// <inheritdoc/>
    public virtual DatacenterSettings GetDatacenterSettings() => Inner.GetDatacenterSettings();

    /// <inheritdoc/>
    public virtual string? ReadRulesConfig() => Inner.ReadRulesConfig();

    /// <inheritdoc/>
    public virtual void WriteRulesConfig(string text) => Inner.WriteRulesConfig(text);

    /// <inheritdoc/>
    public virtual string? ReadGroupConfig() => Inner.ReadGroupConfig();

    /// <inheritdoc/>
    public virtual void DeleteGroupConfig() => Inner.DeleteGroupConfig();

    /// <inheritdoc/>
    public virtual string? GetNodeVersion(string node) => Inner.GetNodeVersion(node);

    /// <inheritdoc/>
    public virtual IReadOnlyDictionary<string, ServiceStats> GetServiceStats() => Inner.GetServiceStats();

    /// <inheritdoc/>
    public virtual IReadOnlyDictionary<string, NodeUsage> GetStaticNodeStats() => Inner.GetStaticNodeStats();

    /// <inheritdoc/>
    public virtual IReadOnlyDictionary<string, NodeUsage> GetDynamicNodeStats() => Inner.GetDynamicNodeStats();

    /// <inheritdoc/>
    public virtual IResourceAgent? GetResourceAgent(string type) => Inner.GetResourceAgent(type);

    /// <inheritdoc/>
    public virtual string WatchdogOpen() => Inner.WatchdogOpen();

    /// <inheritdoc/>
    public virtual void WatchdogUpdate(string handle) => Inner.WatchdogUpdate(handle);

    /// <inheritdoc/>
    public virtual void WatchdogClose(string handle) => Inner.WatchdogClose(handle);

    /// <inheritdoc/>
    public virtual string NewUid() => Inner.NewUid();
}

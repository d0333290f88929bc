using HaManager.Core.Environment;
using HaManager.Core.Formats;
using HaManager.Core.Model;

namespace HaManager.Store;

/// <summary>The configuration files a cluster keeps, by their <c>/etc/pve</c> names.</summary>
public enum ConfigFile
{
    /// <summary><c>ha/resources.cfg</c>.</summary>
    Resources,
    /// <summary><c>ha/rules.cfg</c>.</summary>
    Rules,
    /// <summary><c>ha/groups.cfg</c>.</summary>
    Groups,
    /// <summary><c>ha/fence.cfg</c>.</summary>
    Fence,
    /// <summary><c>datacenter.cfg</c>.</summary>
    Datacenter,
}

/// <summary>
/// A cluster store as a host holds it: the core's roles (<see cref="IClusterStore"/>, <see cref="IMembership"/>,
/// <see cref="Locks"/>) and what the daemons, <c>ha-manager</c> and the agents need beyond them —
/// configuration files edited as text, where each service lives, the version a node runs.
/// Implemented by the directory store and the etcd store; both pass the same contract tests. What
/// follows from the configuration files alone is implemented here once, for every store.
/// </summary>
public interface IHaStore : IClusterStore, IMembership, IDisposable
{
    /// <summary>The cluster locks as this node takes them.</summary>
    IClusterLocks Locks { get; }

    /// <summary>Where the store is, for messages (<c>directory:/etc/pve</c>, <c>etcd:http://…</c>).</summary>
    string Address { get; }

    /// <summary>A configuration file's text; null when it does not exist.</summary>
    string? ReadConfig(ConfigFile file);

    /// <summary>Read-modify-write of a configuration file, never losing a concurrent edit:
    /// <paramref name="edit"/> gets the current text (null when missing) and returns the new text, or null
    /// to delete the file, or throws to write nothing. It may be called more than once (when another edit
    /// won the race it is called again with the newer text). <paramref name="wait"/> bounds the wait for
    /// other editors; throws <see cref="HaEnvironmentException"/> when it runs out or the store refuses.</summary>
    void EditConfig(ConfigFile file, Func<string?, string?> edit, TimeSpan? wait = null);

    /// <summary>The node whose configuration holds the service, or null.</summary>
    string? NodeOfService(string sid);

    /// <summary>Creates a service's home on <paramref name="node"/> (adding a resource).</summary>
    void PlaceService(string sid, string node);

    /// <summary>Moves a service's home as its own migration does: only from where it is, atomically.
    /// Throws <see cref="HaEnvironmentException"/> when it is not on <paramref name="fromNode"/>.</summary>
    void MoveServiceHome(string sid, string fromNode, string toNode);

    /// <summary>Publishes the software version this node runs (read by the group migration's check).</summary>
    void PublishVersion(string version);

    /// <summary>Publishes why this node last fenced itself (its LRM does, after the reboot), replacing the last one.</summary>
    void PublishPostMortem(string text);

    /// <summary>Why <paramref name="node"/> last fenced itself, or null when it never reported one.</summary>
    string? ReadPostMortem(string node);

    // ---- The core's store members that are configuration files and nothing more.

    DatacenterSettings IClusterStore.GetDatacenterSettings() => DatacenterConfig.Parse(ReadConfig(ConfigFile.Datacenter));

    string? IClusterStore.ReadRulesConfig() => ReadConfig(ConfigFile.Rules);

    /// <inheritdoc/>
    string? IClusterStore.ReadFenceConfig() => ReadConfig(ConfigFile.Fence);

    void IClusterStore.WriteRulesConfig(string text) => EditConfig(ConfigFile.Rules, _ => text);

    string? IClusterStore.ReadGroupConfig() => ReadConfig(ConfigFile.Groups);

    void IClusterStore.DeleteGroupConfig() =>
        EditConfig(ConfigFile.Groups, text => text is null ? throw new HaEnvironmentException("groups config does not exist\n") : null);

    /// <summary>Applies partial changes per sid to resources.cfg; an unknown sid refuses the whole edit.</summary>
    void IClusterStore.UpdateServiceConfig(IReadOnlyDictionary<string, ServiceConfigChange> changes) =>
        EditConfig(ConfigFile.Resources, text =>
        {
            var file = ResourcesConfig.Parse(text ?? "");
            foreach (var sid in changes.Keys.Order(StringComparer.Ordinal))
                if (!file.Sections.ContainsKey(sid)) throw new HaEnvironmentException($"no such resource '{sid}'\n");
            foreach (var (sid, change) in changes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var props = file.Sections[sid].Properties;
                foreach (var (key, value) in change.Set) props[key] = value;
                foreach (var key in change.Delete) props.Remove(key);
            }
            return ResourcesConfig.Write(file);
        });

    /// <summary>Every resource with node, requested state and running flag (no usage figures: no store
    /// measures them yet).</summary>
    IReadOnlyDictionary<string, ServiceStats> IClusterStore.GetServiceStats() =>
        ReadServiceConfig().ToDictionary(kv => kv.Key,
            kv => new ServiceStats(kv.Value.Node, kv.Value.State, kv.Value.State == RequestedStates.Started), StringComparer.Ordinal);

    /// <summary>No store knows node capacities yet.</summary>
    IReadOnlyDictionary<string, NodeUsage> IClusterStore.GetStaticNodeStats() => new Dictionary<string, NodeUsage>(StringComparer.Ordinal);

    /// <summary>No store measures node use yet.</summary>
    IReadOnlyDictionary<string, NodeUsage> IClusterStore.GetDynamicNodeStats() => new Dictionary<string, NodeUsage>(StringComparer.Ordinal);
}

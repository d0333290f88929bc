using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Store;

/// <summary>Views every store derives the same way from what it keeps.</summary>
public static class StoreViews
{
    /// <summary>Every resource with node, requested state and running flag (no usage figures: no store measures them yet).</summary>
    public static IReadOnlyDictionary<string, ServiceStats> ServiceStats(SortedMap<ServiceConfigEntry> config) =>
        config.ToDictionary(kv => kv.Key,
            kv => new ServiceStats(kv.Value.Node, kv.Value.State, kv.Value.State == RequestedStates.Started), StringComparer.Ordinal);

    /// <summary>No node capacities are known yet.</summary>
    public static IReadOnlyDictionary<string, NodeUsage> NoNodeStats() => new Dictionary<string, NodeUsage>(StringComparer.Ordinal);

    /// <summary>Applies partial changes per sid to resources.cfg text; throws for an unknown sid, changing nothing.</summary>
    public static string ApplyServiceChanges(string? resources, IReadOnlyDictionary<string, ServiceConfigChange> changes)
    {
        var file = Core.Formats.ResourcesConfig.Parse(resources ?? "");
        foreach (var sid in changes.Keys.Order(StringComparer.Ordinal))
            if (!file.Sections.ContainsKey(sid)) throw new HaEnvironmentException($"no such resource '{sid}'\n");
        foreach (var (sid, change) in changes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var props = file.Sections[sid].Properties;
            foreach (var (key, value) in change.Set) props[key] = value;
            foreach (var key in change.Delete) props.Remove(key);
        }
        return Core.Formats.ResourcesConfig.Write(file);
    }
}

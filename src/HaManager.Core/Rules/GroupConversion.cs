using System.Globalization;
using System.Text.RegularExpressions;
using HaManager.Core.Model;

namespace HaManager.Core.Rules;

/// <summary>Legacy HA groups as node-affinity rules (rules-scheduling §3).</summary>
public static partial class GroupConversion
{
    /// <summary>The oldest management version that understands rules (group migration precondition).</summary>
    public const string MinimumVersion = "9.0.0~16";

    /// <summary>
    /// Adds one <c>ha-group-&lt;id&gt;</c> rule per group referenced by a resource (§3.1). With
    /// <paramref name="includeMissingGroups"/> a reference to a group that does not exist still yields a
    /// rule, with no nodes and not strict (what the CRM's per-round compile does).
    /// </summary>
    public static void AddGroupRules(RuleSet rules, IReadOnlyDictionary<string, HaGroup> groups,
        IReadOnlyDictionary<string, ServiceConfigEntry> config, bool includeMissingGroups)
    {
        var members = config.Where(kv => kv.Value.Group is not null)
            .GroupBy(kv => kv.Value.Group!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var referenced in members)
        {
            bool exists = groups.TryGetValue(referenced.Key, out var group);
            if (!exists && !includeMissingGroups) continue;
            var rule = new HaRule
            {
                Id = $"ha-group-{referenced.Key}",
                Type = RuleType.NodeAffinity,
                Strict = group?.Restricted,
                Comment = group?.Comment ?? $"Generated from HA group '{referenced.Key}'.",
                Resources = new SortedSet<string>(referenced.Select(kv => kv.Key), StringComparer.Ordinal),
            };
            foreach (var (node, prio) in group?.Nodes ?? []) rule.Nodes[node] = prio;
            rules.Rules.Remove(rule.Id);
            rule.Order = rules.NextOrdinal();
            rules.Rules[rule.Id] = rule;
        }
    }

    /// <summary>The <c>failback</c> override (§3.2): a grouped resource fails back unless its group has
    /// <c>nofailback</c>.</summary>
    public static void ApplyFailbackOverride(IReadOnlyDictionary<string, HaGroup> groups,
        IEnumerable<ServiceConfigEntry> config)
    {
        foreach (var cd in config)
            if (cd.Group is { } g) cd.Failback = !(groups.TryGetValue(g, out var group) && group.NoFailback);
    }

    [GeneratedRegex(@"^(\d+)\.(\d+)[.-](\d+)(~(\d+))?", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex VersionPattern();

    /// <summary>True iff <paramref name="version"/> is at least <paramref name="minimum"/>; a version without
    /// <c>~rev</c> counts as new enough on an equal major.minor.patch (rules-scheduling §3.3).</summary>
    public static bool HasMinVersion(string version, string minimum)
    {
        var v = VersionPattern().Match(version);
        var m = VersionPattern().Match(minimum);
        if (!v.Success || !m.Success) return false;
        for (int i = 1; i <= 3; i++)
        {
            int order = CompareNumbers(v.Groups[i].Value, m.Groups[i].Value);
            if (order != 0) return order > 0;
        }
        if (!v.Groups[5].Success) return true;
        return CompareNumbers(v.Groups[5].Value, m.Groups[5].Success ? m.Groups[5].Value : "0") >= 0;
    }

    /// <summary>Compares two digit strings as numbers of any size (a node reports its version as text).</summary>
    private static int CompareNumbers(string a, string b)
    {
        a = a.TrimStart('0');
        b = b.TrimStart('0');
        return a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
    }
}

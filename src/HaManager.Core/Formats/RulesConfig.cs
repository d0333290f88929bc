using System.Globalization;
using System.Text;
using HaManager.Core.Rules;

namespace HaManager.Core.Formats;

/// <summary><c>rules.cfg</c> (config-cli §5, rules-scheduling §1.3): node- and resource-affinity rules.</summary>
public static class RulesConfig
{
    private static readonly PropertySchema Resources =
        new("resources", PropertyKind.String, Required: true, Format: HaFormats.CheckResourceList);
    private static readonly PropertySchema Disable = new("disable", PropertyKind.Boolean);
    private static readonly PropertySchema Comment = new("comment", PropertyKind.String, MaxLength: 4096);

    /// <summary>The schema of <c>ha/rules.cfg</c>.</summary>
    public static SectionConfigSchema Schema { get; } = new("ha/rules.cfg",
    [
        new SectionTypeSchema("node-affinity",
        [
            Resources, Disable, Comment,
            new("nodes", PropertyKind.String, Required: true, Format: HaFormats.CheckHaNodeList),
            new("strict", PropertyKind.Boolean),
        ], HaFormats.CheckConfigId),
        new SectionTypeSchema("resource-affinity",
        [
            Resources, Disable, Comment,
            new("affinity", PropertyKind.Enumeration, Required: true, Values: ["positive", "negative"]),
        ], HaFormats.CheckConfigId),
    ], SectionIdIncludesType: false, LowerCaseType: true, IsolatedTypes: true, UnknownTypeFormat: "unsupported type '{0}'");

    /// <summary>Parses rules.cfg text (null = missing file = no rules).</summary>
    public static RuleSet Parse(string? text)
    {
        var file = SectionConfig.Parse(text ?? "", Schema);
        var set = new RuleSet { Digest = file.Digest };
        set.Warnings.AddRange(file.Warnings);
        foreach (var (id, section) in file.Sections)
        {
            var p = section.Properties;
            var rule = new HaRule
            {
                Id = id,
                Type = section.Type == "node-affinity" ? RuleType.NodeAffinity : RuleType.ResourceAffinity,
                Order = file.Order[id],
                Strict = p.TryGetValue("strict", out var strict) ? int.Parse(strict, CultureInfo.InvariantCulture) : null,
                Disable = p.TryGetValue("disable", out var disable) ? int.Parse(disable, CultureInfo.InvariantCulture) : null,
                Positive = p.GetValueOrDefault("affinity") == "positive",
                Comment = p.TryGetValue("comment", out var comment) ? HaFormats.DecodeComment(comment) : null,
            };
            foreach (var sid in HaFormats.SplitList(p["resources"])) rule.Resources.Add(sid);
            if (p.TryGetValue("nodes", out var nodes))
                foreach (var (node, prio) in HaFormats.ParseHaNodes(nodes)) rule.Nodes[node] = prio;
            set.Rules[id] = rule;
        }
        return set;
    }

    /// <summary>Writes rules.cfg text: rules by order number (ties by id), canonical properties.</summary>
    public static string Write(RuleSet set)
    {
        var sb = new StringBuilder();
        foreach (var rule in set.InOrder())
        {
            sb.Append(rule.TypeName).Append(": ").Append(rule.Id).Append('\n');
            if (rule.Comment is { Length: > 0 } c) sb.Append("\tcomment ").Append(HaFormats.EncodeComment(c)).Append('\n');
            if (rule.Disable is not null) sb.Append("\tdisable\n");
            if (rule.Type == RuleType.ResourceAffinity)
                sb.Append("\taffinity ").Append(rule.Positive ? "positive" : "negative").Append('\n');
            else
                sb.Append("\tnodes ").Append(string.Join(",", rule.Nodes.Select(kv => kv.Value == 0 ? kv.Key
                    : $"{kv.Key}:{kv.Value.ToString(CultureInfo.InvariantCulture)}"))).Append('\n');
            sb.Append("\tresources ").Append(string.Join(",", rule.Resources)).Append('\n');
            if (rule.Type == RuleType.NodeAffinity && rule.Strict is { } strict)
                sb.Append("\tstrict ").Append(strict.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append('\n');
        }
        return sb.ToString();
    }
}

/// <summary><c>groups.cfg</c> (config-cli §4): legacy HA groups.</summary>
public static class GroupsConfig
{
    /// <summary>The schema of <c>ha/groups.cfg</c>.</summary>
    public static SectionConfigSchema Schema { get; } = new("ha/groups.cfg",
    [
        new SectionTypeSchema("group",
        [
            new("nodes", PropertyKind.String, Required: true, Format: HaFormats.CheckHaNodeList),
            new("restricted", PropertyKind.Boolean),
            new("nofailback", PropertyKind.Boolean),
            new("comment", PropertyKind.String, MaxLength: 4096),
        ], HaFormats.CheckConfigId),
    ], SectionIdIncludesType: false, LowerCaseType: true, UnknownTypeFormat: "unsupported type '{0}'");

    /// <summary>Parses groups.cfg text (null = missing file = no groups) and returns the groups and the digest.</summary>
    public static (SortedDictionary<string, HaGroup> Groups, string Digest) Parse(string? text)
    {
        var file = SectionConfig.Parse(text ?? "", Schema);
        var groups = new SortedDictionary<string, HaGroup>(StringComparer.Ordinal);
        foreach (var (id, section) in file.Sections)
        {
            var p = section.Properties;
            groups[id] = new HaGroup
            {
                Id = id,
                Nodes = HaFormats.ParseHaNodes(p["nodes"]),
                Restricted = p.TryGetValue("restricted", out var r) ? int.Parse(r, CultureInfo.InvariantCulture) : null,
                NoFailback = p.GetValueOrDefault("nofailback") == "1",
                Comment = p.GetValueOrDefault("comment"),
            };
        }
        return (groups, file.Digest);
    }
}

using HaManager.Core.Formats;
using HaManager.Core.Rules;

namespace HaManager.Simulator.Reports;

/// <summary>
/// The canonicalisation report of a rules.cfg (rules-scheduling §2.6): the drop messages, the checked
/// and transformed configuration and the compiled form, as upstream's rules unit test prints them.
/// </summary>
public static class RulesReport
{
    /// <summary>Builds the report for a rules.cfg text and a node list.</summary>
    public static string Build(string text, IReadOnlyList<string> nodeList)
    {
        var parsed = RulesConfig.Parse(text);
        var result = RuleCompiler.Run(parsed, nodeList);
        var sb = new System.Text.StringBuilder("--- Log ---\n");
        foreach (var message in result.Messages) sb.Append(message).Append('\n');
        sb.Append("--- Config ---\n").Append(PrettyJson.Format(ConfigObject(result.Rules)));
        sb.Append("--- Compiled Config ---\n").Append(PrettyJson.Format(CompiledObject(result.Compiled)));
        return sb.ToString();
    }

    private static SortedDictionary<string, object> ConfigObject(RuleSet rules)
    {
        var ids = PrettyJson.Object();
        var order = PrettyJson.Object();
        foreach (var rule in rules.Rules.Values)
        {
            var obj = PrettyJson.Object();
            obj["type"] = rule.TypeName;
            obj["resources"] = Flags(rule.Resources);
            if (rule.Comment is not null) obj["comment"] = rule.Comment;
            if (rule.Disable is { } disable) obj["disable"] = disable;
            if (rule.Type == RuleType.NodeAffinity)
            {
                obj["nodes"] = Priorities(rule.Nodes);
                if (rule.Strict is { } strict) obj["strict"] = strict;
            }
            else obj["affinity"] = rule.Positive ? "positive" : "negative";
            ids[rule.Id] = obj;
            order[rule.Id] = rule.Order;
        }
        var config = PrettyJson.Object();
        config["digest"] = rules.Digest;
        config["ids"] = ids;
        config["order"] = order;
        return config;
    }

    private static SortedDictionary<string, object> CompiledObject(CompiledRules compiled)
    {
        var nodeAffinity = PrettyJson.Object();
        foreach (var (sid, nodes) in compiled.NodeAffinity)
        {
            var entry = PrettyJson.Object();
            entry["nodes"] = Priorities(nodes);
            nodeAffinity[sid] = entry;
        }
        var resourceAffinity = PrettyJson.Object();
        resourceAffinity["positive"] = Partners(compiled.Positive);
        resourceAffinity["negative"] = Partners(compiled.Negative);
        var root = PrettyJson.Object();
        root["node-affinity"] = nodeAffinity;
        root["resource-affinity"] = resourceAffinity;
        return root;
    }

    private static SortedDictionary<string, object> Flags(IEnumerable<string> items)
    {
        var obj = PrettyJson.Object();
        foreach (var item in items) obj[item] = 1;
        return obj;
    }

    private static SortedDictionary<string, object> Priorities(IReadOnlyDictionary<string, int> nodes)
    {
        var obj = PrettyJson.Object();
        foreach (var (node, prio) in nodes)
        {
            var entry = PrettyJson.Object();
            entry["priority"] = prio;
            obj[node] = entry;
        }
        return obj;
    }

    private static SortedDictionary<string, object> Partners(SortedDictionary<string, SortedSet<string>> map)
    {
        var obj = PrettyJson.Object();
        foreach (var (sid, partners) in map) obj[sid] = Flags(partners);
        return obj;
    }
}

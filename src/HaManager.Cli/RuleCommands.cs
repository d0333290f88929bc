using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HaManager.Core.Formats;
using HaManager.Core.Rules;

using HaManager.Store;

namespace HaManager.Cli;

/// <summary>The option values of <c>rules add|set</c> as typed (null = not given).</summary>
public sealed record RuleOptions(string? Resources, string? Nodes, string? Strict, string? Affinity, string? Comment, string? Disable)
{
    /// <summary>The given options in rules.cfg's key names.</summary>
    public IEnumerable<(string Key, string Value)> Given()
    {
        if (Resources is not null) yield return ("resources", Resources);
        if (Nodes is not null) yield return ("nodes", Nodes);
        if (Strict is not null) yield return ("strict", Strict);
        if (Affinity is not null) yield return ("affinity", Affinity);
        if (Comment is not null) yield return ("comment", Comment);
        if (Disable is not null) yield return ("disable", Disable);
    }
}

/// <summary><c>ha-manager rules add|set|remove|config|list</c> (config-cli §9.4), on the directory store.</summary>
public static partial class RuleCommands
{
    private static readonly string[] Types = ["node-affinity", "resource-affinity"];

    /// <summary>Schema checks of the typed values: type, options of the other type, value formats.</summary>
    private static void CheckParameters(string type, string id, RuleOptions options, bool creating)
    {
        var errors = new List<(string, string)>();
        if (!Types.Contains(type)) errors.Add(("type", $"value '{type}' does not have a value in the enumeration '{string.Join(", ", Types)}'"));
        if (HaFormats.CheckConfigId(id) is { } idError) errors.Add(("rule", idError));
        if (type == "resource-affinity")
            foreach (var (key, _) in options.Given().Where(o => o.Key is "nodes" or "strict"))
                errors.Add((key, "property is not defined in schema and the schema does not allow additional properties"));
        if (type == "node-affinity" && options.Affinity is not null)
            errors.Add(("affinity", "property is not defined in schema and the schema does not allow additional properties"));
        if (creating)
        {
            if (options.Resources is null) errors.Add(("resources", "property is missing and it is not optional"));
            if (type == "node-affinity" && options.Nodes is null) errors.Add(("nodes", "property is missing and it is not optional"));
            if (type == "resource-affinity" && options.Affinity is null) errors.Add(("affinity", "property is missing and it is not optional"));
        }
        if (errors.Count == 0 && Types.Contains(type))
        {
            errors.AddRange(SchemaCheck.ValueErrors(RulesConfig.Schema, $"{type}: {id}",
                options.Given().Where(o => o.Key != "comment").Select(o => KeyValuePair.Create(o.Key, o.Value))));
            if (options.Comment is { Length: > 4096 }) errors.Add(("comment", "value may only be 4096 characters long"));
        }
        if (errors.Count > 0) throw new ParameterFailure(errors);
    }

    private static bool Truthy(string value) => value is "1" or "true" or "on" or "yes";

    /// <summary>Resources must be configured, nodes cluster members (the local node always counts).</summary>
    private static void CheckReferences(CliContext ctx, HaRule rule, string context)
    {
        if (rule.Resources.Count == 0) throw new CliFailure($"{context}: no resources were specified\n");
        var configured = ctx.Resources().Sections;
        var unmanaged = rule.Resources.Where(s => !configured.ContainsKey(s)).Order(StringComparer.Ordinal).ToList();
        if (unmanaged.Count > 0) throw new CliFailure($"{context}: cannot use unmanaged resource(s) {string.Join(", ", unmanaged)}.\n");
        if (rule.Type != RuleType.NodeAffinity) return;
        if (rule.Nodes.Count == 0) throw new CliFailure($"{context}: no nodes were specified\n");
        var members = ctx.Store.GetNodeInfo().Online.Keys.Append(ctx.Node).ToHashSet(StringComparer.Ordinal);
        var unknown = rule.Nodes.Keys.Where(n => !members.Contains(n)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0) throw new CliFailure($"{context}: cannot use non-existent node(s) {string.Join(", ", unknown)}.\n");
    }

    /// <summary>The feasibility errors (§5.5) per rule id, for the manager status' node list.</summary>
    internal static Dictionary<string, List<string>> Feasibility(CliContext ctx, RuleSet rules)
    {
        var nodes = ctx.Store.ReadManagerStatus().NodeStatus.Keys.ToList();
        if (nodes.Count == 0) nodes = ctx.Store.GetNodeInfo().Online.Keys.Order(StringComparer.Ordinal).ToList();
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var message in RuleCompiler.Run(rules, nodes).Messages)
            if (DropMessage().Match(message) is { Success: true } m)
                (errors.TryGetValue(m.Groups[1].Value, out var list) ? list : errors[m.Groups[1].Value] = []).Add(m.Groups[2].Value);
        return errors;
    }

    [GeneratedRegex(@"^Drop rule '([^']+)', because (.*)\.$")]
    private static partial Regex DropMessage();

    private static void Apply(HaRule rule, RuleOptions options)
    {
        if (options.Resources is not null)
        {
            rule.Resources.Clear();
            foreach (var sid in HaFormats.SplitList(options.Resources)) rule.Resources.Add(sid);
        }
        if (options.Nodes is not null)
        {
            rule.Nodes.Clear();
            foreach (var (node, prio) in HaFormats.ParseHaNodes(options.Nodes)) rule.Nodes[node] = prio;
        }
        if (options.Strict is not null) rule.Strict = Truthy(options.Strict) ? 1 : 0;
        if (options.Affinity is not null) rule.Positive = options.Affinity == "positive";
        if (options.Comment is not null) rule.Comment = options.Comment;
        if (options.Disable is not null && Truthy(options.Disable)) rule.Disable = 1; // --disable 0: as not given
    }

    private static void RejectInfeasible(CliContext ctx, RuleSet rules, string id, string context)
    {
        if (Feasibility(ctx, rules).TryGetValue(id, out var errors))
            throw new CliFailure($"{context}: 400 Rule '{id}' is invalid.\nresources: {string.Join(", ", errors)}\n");
    }

    public static void Add(CliContext ctx, string type, string id, RuleOptions options)
    {
        CheckParameters(type, id, options, creating: true);
        if (!ctx.Store.IsQuorate()) throw new CliFailure("cluster not ready - no quorum?\n");
        if (!Commands.GroupsMigrated(ctx)) throw new CliFailure("cannot create ha rule: ha groups have not been migrated yet\n");
        const string context = "create ha rule failed";
        ctx.Edit(ConfigFile.Rules, text =>
        {
            var rules = Commands.EditableRules(text);
            if (rules.Rules.ContainsKey(id)) throw new CliFailure($"{context}: HA rule '{id}' already defined\n");
            var rule = new HaRule { Id = id, Type = type == "node-affinity" ? RuleType.NodeAffinity : RuleType.ResourceAffinity, Order = rules.NextOrdinal() };
            Apply(rule, options);
            CheckReferences(ctx, rule, context);
            rules.Rules[id] = rule;
            RejectInfeasible(ctx, rules, id, context);
            return RulesConfig.Write(rules);
        });
    }

    public static void Set(CliContext ctx, string type, string id, RuleOptions options, IReadOnlyList<string> delete, string? digest)
    {
        CheckParameters(type, id, options, creating: false);
        if (!Commands.GroupsMigrated(ctx)) throw new CliFailure("cannot update ha rule: ha groups have not been migrated yet\n");
        const string context = "update HA rules failed";
        ctx.Edit(ConfigFile.Rules, text =>
        {
            var rules = Commands.EditableRules(text);
            if (digest is not null && rules.Digest != digest)
                throw new CliFailure($"{context}: detected modified configuration - file changed by other user? Try again.\n");
            if (!rules.Rules.TryGetValue(id, out var rule)) throw new CliFailure($"{context}: HA rule '{id}' does not exist\n");
            if (rule.TypeName != type) throw new CliFailure($"{context}: unexpected property 'type'\n");
            string[] optional = rule.Type == RuleType.NodeAffinity ? ["comment", "disable", "strict"] : ["comment", "disable"];
            string[] required = rule.Type == RuleType.NodeAffinity ? ["nodes", "resources"] : ["affinity", "resources"];
            var given = options.Given().Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var key in delete)
            {
                if (required.Contains(key)) throw new CliFailure($"{context}: unable to delete required option '{key}'\n");
                if (!optional.Contains(key)) throw new CliFailure($"{context}: no such option '{key}'\n");
                if (given.Contains(key)) throw new CliFailure($"{context}: cannot set and delete property '{key}' at the same time!\n");
            }
            Apply(rule, options);
            foreach (var key in delete)
            {
                if (key == "comment") rule.Comment = null;
                if (key == "disable") rule.Disable = null;
                if (key == "strict") rule.Strict = null;
            }
            CheckReferences(ctx, rule, context);
            RejectInfeasible(ctx, rules, id, context);
            return RulesConfig.Write(rules);
        });
    }

    public static void Remove(CliContext ctx, string id)
    {
        if (!ctx.Exists(ConfigFile.Rules)) return;
        ctx.Edit(ConfigFile.Rules, text =>
        {
            var rules = Commands.EditableRules(text);
            rules.Rules.Remove(id); // removing a rule that is not there succeeds silently
            return RulesConfig.Write(rules);
        });
    }

    /// <summary>The rule records of <c>rules config|list</c>, in ascending order number.</summary>
    public static List<JsonObject> Records(CliContext ctx, string? type, string? resource)
    {
        var rules = ctx.Rules();
        var errors = Feasibility(ctx, rules);
        var records = new List<JsonObject>();
        foreach (var rule in rules.InOrder())
        {
            if (type is not null && rule.TypeName != type) continue;
            if (resource is not null && !rule.Resources.Contains(resource)) continue;
            var record = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
            {
                ["rule"] = rule.Id, ["type"] = rule.TypeName, ["order"] = rule.Order, ["digest"] = rules.Digest,
                ["resources"] = string.Join(",", rule.Resources),
            };
            if (rule.Type == RuleType.NodeAffinity)
            {
                record["nodes"] = string.Join(",", rule.Nodes.Select(kv => kv.Value == 0 ? kv.Key : $"{kv.Key}:{kv.Value}"));
                if (rule.Strict is { } strict) record["strict"] = strict;
            }
            else record["affinity"] = rule.Positive ? "positive" : "negative";
            if (rule.Comment is not null) record["comment"] = rule.Comment;
            if (rule.Disable is not null) record["disable"] = 1;
            if (errors.TryGetValue(rule.Id, out var list)) record["errors"] = new JsonObject { ["resources"] = string.Join(", ", list) };
            records.Add(new JsonObject(record));
        }
        return records;
    }

    /// <summary>The <c>rules config</c> table rows: disabled rules first, otherwise in rule order.</summary>
    public static List<string[]> ConfigRows(IEnumerable<JsonObject> records) =>
        records.Select(r => new[]
            {
                r.ContainsKey("disable") ? "0" : "1",
                r.ContainsKey("errors") ? "ignored (conflicts)" : "in use",
                (string)r["rule"]!, (string)r["type"]!, (string)r["resources"]!,
                r.TryGetPropertyValue("comment", out var c) ? (string)c! : "",
            })
            .OrderBy(row => row[0], StringComparer.Ordinal).ToList();
}

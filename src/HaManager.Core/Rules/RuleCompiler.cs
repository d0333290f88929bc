namespace HaManager.Core.Rules;

/// <summary>
/// The rule pipeline of rules-scheduling §2.2: feasibility checks (C1–C7) over all enabled rules, removal
/// of every rule with an error (one <c>Drop rule …</c> message per error), the transforms T1–T3, and
/// compilation. Pure: the input set is not modified.
/// </summary>
public static class RuleCompiler
{
    /// <summary>The outcome of one compile.</summary>
    /// <param name="Messages">The <c>Drop rule '…', because ….</c> lines, in log order.</param>
    /// <param name="Rules">The checked and transformed rule set (disabled rules kept untouched).</param>
    /// <param name="Compiled">The compiled form.</param>
    public sealed record Result(IReadOnlyList<string> Messages, RuleSet Rules, CompiledRules Compiled);

    /// <summary>Runs checks, transforms and compilation for the given node list (sorted).</summary>
    public static Result Run(RuleSet input, IReadOnlyList<string> nodeList)
    {
        var rules = input.Clone();
        var enabled = rules.Rules.Values.Where(r => r.Enabled).ToList();
        var errors = Check(enabled, nodeList.Count);

        var messages = errors
            .Select((e, index) => (e.RuleId, e.Message, index))
            .OrderBy(e => e.RuleId, StringComparer.Ordinal).ThenBy(e => e.index)
            .Select(e => $"Drop rule '{e.RuleId}', because {e.Message}.")
            .ToList();
        foreach (var id in errors.Select(e => e.RuleId).Distinct()) rules.Rules.Remove(id);

        MergeConnectedPositiveRules(rules);
        InferImplicitNegativeRules(rules);
        InheritNodeAffinity(rules);
        return new Result(messages, rules, CompiledRules.Compile(rules, nodeList));
    }

    // ---- Checks (rules-scheduling §2.3), in execution order.

    private static List<(string RuleId, string Message)> Check(List<HaRule> rules, int nodeCount)
    {
        var errors = new List<(string, string)>();
        var nodeAffinity = rules.Where(r => r.Type == RuleType.NodeAffinity).OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        var resourceAffinity = rules.Where(r => r.Type == RuleType.ResourceAffinity).OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        var negatives = resourceAffinity.Where(r => !r.Positive).ToList();
        var components = PositiveComponents(resourceAffinity.Where(r => r.Positive));

        // C1 – a resource in two or more node-affinity rules.
        foreach (var rule in nodeAffinity)
            foreach (var sid in rule.Resources)
                if (nodeAffinity.Count(other => other.Resources.Contains(sid)) > 1)
                    errors.Add((rule.Id, $"resource '{sid}' is already used in another node affinity rule"));

        // C2 – too few resources.
        foreach (var rule in resourceAffinity.Where(r => r.Resources.Count < 2))
            errors.Add((rule.Id, "rule is ineffective as there are less than two resources"));

        // C3 – more apart than nodes.
        foreach (var rule in negatives.Where(r => r.Resources.Count > nodeCount))
            errors.Add((rule.Id, "rule defines more resources than available nodes"));

        // C4 – positive component vs negative rule sharing two or more resources.
        foreach (var component in components)
            foreach (var negative in negatives.Where(n => n.Resources.Count(component.Resources.Contains) >= 2))
            {
                errors.Add((negative.Id, "rule shares two or more resources with a positive resource affinity rule"));
                foreach (var positive in component.Rules)
                    errors.Add((positive.Id, "rule shares two or more resources with a negative resource affinity rule"));
            }

        // C5 – resource affinity together with a multi-priority node-affinity rule.
        foreach (var rule in resourceAffinity)
        {
            var touching = nodeAffinity.Where(na => na.Resources.Overlaps(rule.Resources)).ToList();
            if (!touching.Any(na => na.Nodes.Values.Distinct().Count() > 1)) continue;
            errors.Add((rule.Id, "resources are in node affinity rules with multiple priorities"));
            foreach (var na in touching)
                errors.Add((na.Id, "resources are in a resource affinity rule and cannot be in a node affinity rule with multiple priorities"));
        }

        // C6 – a positive component touching more than one node-affinity rule.
        foreach (var component in components)
        {
            var touching = nodeAffinity.Where(na => na.Resources.Overlaps(component.Resources)).ToList();
            if (touching.Count < 2) continue;
            foreach (var positive in component.Rules)
                errors.Add((positive.Id, "resources are in multiple node affinity rules"));
            foreach (var na in touching)
                errors.Add((na.Id,
                    "at least one resource is in a positive resource affinity rule and there are other resources in at least one other node affinity rule already"));
        }

        // C7 – negative rule restricted to fewer nodes than it has resources.
        foreach (var negative in negatives)
        {
            var touching = nodeAffinity.Where(na => na.Resources.Overlaps(negative.Resources)).ToList();
            var located = new HashSet<string>(StringComparer.Ordinal);
            var allowed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var na in touching)
            {
                located.UnionWith(na.Resources.Where(negative.Resources.Contains));
                allowed.UnionWith(na.Nodes.Keys);
            }
            if (allowed.Count >= located.Count) continue;
            errors.Add((negative.Id, "two or more resources are restricted to less nodes than available to the resources"));
            foreach (var na in touching)
                errors.Add((na.Id,
                    "at least one resource is in a negative resource affinity rule and this rule would restrict these to less nodes than available to the resources"));
        }
        return errors;
    }

    /// <summary>A group of positive rules and the union of their resources.</summary>
    private sealed record Component(List<HaRule> Rules, SortedSet<string> Resources);

    /// <summary>The greedy (not transitive) grouping of positive rules of rules-scheduling §2.3: rules
    /// sorted by smallest sid then id, each joining the first component it intersects.</summary>
    private static List<Component> PositiveComponents(IEnumerable<HaRule> positives)
    {
        var components = new List<Component>();
        foreach (var rule in positives.OrderBy(r => r.Resources.Min ?? "", StringComparer.Ordinal)
                     .ThenBy(r => r.Id, StringComparer.Ordinal))
        {
            var home = components.FirstOrDefault(c => c.Resources.Overlaps(rule.Resources));
            if (home is null) components.Add(new Component([rule], new SortedSet<string>(rule.Resources, StringComparer.Ordinal)));
            else
            {
                home.Rules.Add(rule);
                home.Resources.UnionWith(rule.Resources);
            }
        }
        return components;
    }

    // ---- Transforms (rules-scheduling §2.5).

    /// <summary>T1: every component of two or more positive rules becomes one <c>_merged-…</c> rule.</summary>
    private static void MergeConnectedPositiveRules(RuleSet rules)
    {
        var positives = rules.Rules.Values.Where(r => r.Enabled && r.IsPositive).ToList();
        foreach (var component in PositiveComponents(positives).Where(c => c.Rules.Count > 1))
        {
            var merged = new HaRule
            {
                Id = "_merged-" + string.Join("-", component.Rules.Select(r => r.Id)),
                Type = RuleType.ResourceAffinity,
                Positive = true,
                Order = component.Rules[0].Order,
                Resources = new SortedSet<string>(component.Resources, StringComparer.Ordinal),
            };
            foreach (var rule in component.Rules) rules.Rules.Remove(rule.Id);
            rules.Rules[merged.Id] = merged;
        }
    }

    /// <summary>T2: members of a positive rule inherit the negative relations of each other, towards the
    /// sids named in negative rules.</summary>
    private static void InferImplicitNegativeRules(RuleSet rules)
    {
        var negatives = rules.Rules.Values.Where(r => r.Enabled && r.IsNegative).ToList();
        var generated = new List<HaRule>();
        foreach (var positive in rules.Rules.Values.Where(r => r.Enabled && r.IsPositive).OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            var separatedFrom = new SortedDictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var member in positive.Resources)
                foreach (var negative in negatives.Where(n => n.Resources.Contains(member)))
                    foreach (var other in negative.Resources.Where(o => o != member))
                    {
                        if (!separatedFrom.TryGetValue(other, out var set)) separatedFrom[other] = set = new HashSet<string>(StringComparer.Ordinal);
                        set.Add(member);
                    }
            foreach (var (other, directly) in separatedFrom)
                foreach (var member in positive.Resources.Where(m => !directly.Contains(m)))
                    generated.Add(new HaRule
                    {
                        Id = $"_implicit-negative-{positive.Id}-{member}-{other}",
                        Type = RuleType.ResourceAffinity,
                        Positive = false,
                        Resources = new SortedSet<string>(StringComparer.Ordinal) { member, other },
                    });
        }
        foreach (var rule in generated)
        {
            rule.Order = rules.NextOrdinal();
            rules.Rules[rule.Id] = rule;
        }
    }

    /// <summary>T3: a node-affinity rule touching a positive rule receives all of its resources.</summary>
    private static void InheritNodeAffinity(RuleSet rules)
    {
        var nodeAffinity = rules.Rules.Values.Where(r => r.Enabled && r.Type == RuleType.NodeAffinity)
            .OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        foreach (var positive in rules.Rules.Values.Where(r => r.Enabled && r.IsPositive).OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            var target = nodeAffinity.FirstOrDefault(na => na.Resources.Overlaps(positive.Resources));
            target?.Resources.UnionWith(positive.Resources);
        }
    }
}

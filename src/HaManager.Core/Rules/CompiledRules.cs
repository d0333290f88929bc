namespace HaManager.Core.Rules;

/// <summary>
/// The rules in the form placement uses (rules-scheduling §2.6): per sid its node priorities, and its
/// positive and negative partners. A sid without node-affinity entry is unconstrained.
/// </summary>
public sealed class CompiledRules
{
    /// <summary>No rules.</summary>
    public static CompiledRules Empty { get; } = new();

    /// <summary>sid → node → priority.</summary>
    public SortedDictionary<string, SortedDictionary<string, int>> NodeAffinity { get; } = new(StringComparer.Ordinal);

    /// <summary>sid → partners that must share its node.</summary>
    public SortedDictionary<string, SortedSet<string>> Positive { get; } = new(StringComparer.Ordinal);

    /// <summary>sid → partners that must not share its node.</summary>
    public SortedDictionary<string, SortedSet<string>> Negative { get; } = new(StringComparer.Ordinal);

    /// <summary>Compiles the enabled rules of a (checked and transformed) set for a node list.</summary>
    public static CompiledRules Compile(RuleSet rules, IReadOnlyList<string> nodeList)
    {
        var compiled = new CompiledRules();
        foreach (var rule in rules.Rules.Values.Where(r => r.Enabled))
        {
            if (rule.Type == RuleType.NodeAffinity)
            {
                foreach (var sid in rule.Resources)
                {
                    var nodes = new SortedDictionary<string, int>(rule.Nodes, StringComparer.Ordinal);
                    if (!rule.IsStrict)
                        foreach (var node in nodeList) nodes.TryAdd(node, -1);
                    compiled.NodeAffinity[sid] = nodes;
                }
                continue;
            }
            var map = rule.Positive ? compiled.Positive : compiled.Negative;
            foreach (var sid in rule.Resources)
                foreach (var other in rule.Resources)
                {
                    if (sid == other) continue;
                    if (!map.TryGetValue(sid, out var partners)) map[sid] = partners = new SortedSet<string>(StringComparer.Ordinal);
                    partners.Add(other);
                }
        }
        return compiled;
    }

    /// <summary>Positive partners of a sid (ordinal).</summary>
    public IReadOnlyCollection<string> PositiveOf(string sid) => Positive.TryGetValue(sid, out var s) ? s : [];

    /// <summary>Negative partners of a sid (ordinal).</summary>
    public IReadOnlyCollection<string> NegativeOf(string sid) => Negative.TryGetValue(sid, out var s) ? s : [];
}

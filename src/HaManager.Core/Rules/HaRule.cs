namespace HaManager.Core.Rules;

/// <summary>The two rule types of rules.cfg (rules-scheduling §1.3).</summary>
public enum RuleType
{
    /// <summary>Prefer (non-strict) or restrict (strict) resources to nodes, with priorities.</summary>
    NodeAffinity,
    /// <summary>Keep resources together (positive) or apart (negative); always strict.</summary>
    ResourceAffinity,
}

/// <summary>One HA rule as parsed from rules.cfg, generated from a group, or made by a transform.</summary>
public sealed class HaRule
{
    /// <summary>The rule id (section name).</summary>
    public required string Id { get; init; }

    /// <summary>The type.</summary>
    public required RuleType Type { get; init; }

    /// <summary>Order number (file order; generated rules get the "next ordinal").</summary>
    public int Order { get; set; }

    /// <summary>The sids the rule applies to, ordinal.</summary>
    public SortedSet<string> Resources { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Node affinity: node → priority (higher preferred), ordinal by node.</summary>
    public SortedDictionary<string, int> Nodes { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Node affinity: the <c>strict</c> value as written (null when absent = non-strict).</summary>
    public int? Strict { get; set; }

    /// <summary>Resource affinity: true for positive (together), false for negative (apart).</summary>
    public bool Positive { get; set; }

    /// <summary>The <c>disable</c> value as written; any presence disables the rule (upstream quirk).</summary>
    public int? Disable { get; set; }

    /// <summary>Free text (decoded).</summary>
    public string? Comment { get; set; }

    /// <summary>True unless a <c>disable</c> key is present.</summary>
    public bool Enabled => Disable is null;

    /// <summary>True for a strict node-affinity rule.</summary>
    public bool IsStrict => Strict is { } s && s != 0;

    /// <summary>True for a positive resource-affinity rule.</summary>
    public bool IsPositive => Type == RuleType.ResourceAffinity && Positive;

    /// <summary>True for a negative resource-affinity rule.</summary>
    public bool IsNegative => Type == RuleType.ResourceAffinity && !Positive;

    /// <summary>The section type word.</summary>
    public string TypeName => Type == RuleType.NodeAffinity ? "node-affinity" : "resource-affinity";

    /// <summary>A deep copy.</summary>
    public HaRule Clone() => new()
    {
        Id = Id,
        Type = Type,
        Order = Order,
        Resources = new SortedSet<string>(Resources, StringComparer.Ordinal),
        Nodes = new SortedDictionary<string, int>(Nodes, StringComparer.Ordinal),
        Strict = Strict,
        Positive = Positive,
        Disable = Disable,
        Comment = Comment,
    };
}

/// <summary>A rules configuration: rules by id plus the digest of the text it came from.</summary>
public sealed class RuleSet
{
    /// <summary>Rule id → rule.</summary>
    public Dictionary<string, HaRule> Rules { get; } = new(StringComparer.Ordinal);

    /// <summary>SHA-1 of the source text.</summary>
    public string Digest { get; set; } = Formats.SectionConfig.DigestOf("");

    /// <summary>Parse warnings.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>The "next ordinal" upstream gives a new rule: smallest existing order + 1 (rules-scheduling §2.5).</summary>
    public int NextOrdinal() => (Rules.Count == 0 ? 0 : Rules.Values.Min(r => r.Order)) + 1;

    /// <summary>Rules in order-number order, ties by id.</summary>
    public IEnumerable<HaRule> InOrder() =>
        Rules.Values.OrderBy(r => r.Order).ThenBy(r => r.Id, StringComparer.Ordinal);

    /// <summary>A deep copy.</summary>
    public RuleSet Clone()
    {
        var copy = new RuleSet { Digest = Digest };
        foreach (var (id, rule) in Rules) copy.Rules[id] = rule.Clone();
        copy.Warnings.AddRange(Warnings);
        return copy;
    }
}

/// <summary>A legacy HA group (groups.cfg).</summary>
public sealed class HaGroup
{
    /// <summary>Group id.</summary>
    public required string Id { get; init; }

    /// <summary>Member nodes with priorities, in file order.</summary>
    public List<(string Node, int Priority)> Nodes { get; init; } = [];

    /// <summary>The <c>restricted</c> value (null when absent).</summary>
    public int? Restricted { get; set; }

    /// <summary>True when <c>nofailback</c> is set.</summary>
    public bool NoFailback { get; set; }

    /// <summary>Comment.</summary>
    public string? Comment { get; set; }
}

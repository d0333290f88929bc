namespace HaManager.Core.Model;

/// <summary>How the HA stack is disarmed (crm-manager §10).</summary>
public enum DisarmMode
{
    /// <summary>Services are frozen where they are.</summary>
    Freeze,
    /// <summary>Services are no longer tracked at all.</summary>
    Ignore,
}

/// <summary>The manager-status and command words of <see cref="DisarmMode"/>.</summary>
public static class DisarmModes
{
    /// <summary>The word.</summary>
    public static string Name(DisarmMode mode) => mode switch
    {
        DisarmMode.Freeze => "freeze",
        DisarmMode.Ignore => "ignore",
    };

    /// <summary>The mode a word names, or null for a word this version does not know.</summary>
    public static DisarmMode? Parse(string? word) => word switch
    {
        "freeze" => DisarmMode.Freeze,
        "ignore" => DisarmMode.Ignore,
        _ => null,
    };
}

/// <summary>The <c>disarm</c> object of the manager status. Mode and state are kept as words because an
/// unknown mode read from disk must be reported, not rejected.</summary>
/// <param name="Mode"><c>freeze</c> or <c>ignore</c> (anything else logs "unknown disarm-mode").</param>
/// <param name="State"><c>disarming</c> or <c>disarmed</c>.</param>
public sealed record DisarmInfo(string Mode, string State)
{
    /// <summary>The mode, or null when the persisted word is unknown.</summary>
    public DisarmMode? KnownMode => DisarmModes.Parse(Mode);

    /// <summary>State word once every LRM has released its watchdog.</summary>
    public const string Disarmed = "disarmed";
    /// <summary>State word while LRMs are still releasing.</summary>
    public const string Disarming = "disarming";
}

/// <summary>
/// The cluster-wide status the master writes at the end of every round (crm-manager §3.1,
/// config-cli §8.1). Readers: LRMs, the next master, the CLI.
/// </summary>
public sealed class ManagerStatus
{
    /// <summary>The node whose CRM wrote it.</summary>
    public string? MasterNode { get; set; }

    /// <summary>Node name → node state, ordinal order.</summary>
    public SortedDictionary<string, NodeState> NodeStatus { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Service id → entry, ordinal order.</summary>
    public SortedMap<ServiceStatusEntry> ServiceStatus { get; set; } = new();

    /// <summary>Time of the last write; null when never written.</summary>
    public long? Timestamp { get; set; }

    /// <summary>Per-node requests; a node maps to true while maintenance is requested and to false
    /// for the empty object <c>{}</c> left after clearing. Null when the key is absent.</summary>
    public SortedDictionary<string, bool>? NodeRequest { get; set; }

    /// <summary>Present while the stack is (being) disarmed.</summary>
    public DisarmInfo? Disarm { get; set; }

    /// <summary>True iff maintenance is requested for <paramref name="node"/>.</summary>
    public bool IsMaintenanceRequested(string node) =>
        NodeRequest is not null && NodeRequest.TryGetValue(node, out var requested) && requested;

    /// <summary>A deep copy.</summary>
    public ManagerStatus Clone()
    {
        var copy = new ManagerStatus
        {
            MasterNode = MasterNode,
            NodeStatus = new SortedDictionary<string, NodeState>(NodeStatus, StringComparer.Ordinal),
            Timestamp = Timestamp,
            NodeRequest = NodeRequest is null ? null : new SortedDictionary<string, bool>(NodeRequest, StringComparer.Ordinal),
            Disarm = Disarm,
        };
        copy.ServiceStatus = new SortedMap<ServiceStatusEntry>(ServiceStatus, e => e.Clone());
        return copy;
    }
}

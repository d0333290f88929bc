namespace HaManager.Core.Model;

/// <summary>
/// The master's per-service state machine (crm-manager §8). A service enters as
/// <see cref="RequestStart"/> or <see cref="RequestStop"/> when it appears in the configuration and
/// then moves only through <c>Manager.ChangeServiceState</c>, which checks every step against
/// <see cref="ServiceTransitions"/>. The spelling written to the manager status and to the log comes
/// from <see cref="StateNames"/>, never from <c>ToString()</c>.
/// </summary>
public enum ServiceState
{
    /// <summary>Requested started; the next pass decides the node (and rebalance-on-start).</summary>
    RequestStart,
    /// <summary>Rebalance on start: move (offline) to <c>target</c> before starting.</summary>
    RequestStartBalance,
    /// <summary>Should run on <c>node</c>; the LRM there keeps it running.</summary>
    Started,
    /// <summary>The LRM on <c>node</c> must stop it (optional <c>timeout</c>).</summary>
    RequestStop,
    /// <summary>Stopped on <c>node</c>; the LRM keeps enforcing that.</summary>
    Stopped,
    /// <summary>Live migration from <c>node</c> to <c>target</c>.</summary>
    Migrate,
    /// <summary>Offline move (stop, move, start) from <c>node</c> to <c>target</c>.</summary>
    Relocate,
    /// <summary>Its node must be fenced before anything else may happen to it.</summary>
    Fence,
    /// <summary>Its node was fenced; waiting for a recovery node.</summary>
    Recovery,
    /// <summary>Left alone: its node's LRM restarts, or the HA stack is disarmed in freeze mode.</summary>
    Freeze,
    /// <summary>Failed beyond the policies; only disabling it leaves this state.</summary>
    Error,
}

/// <summary>The node states the master derives (crm-manager §6).</summary>
public enum NodeState
{
    /// <summary>Member of the quorate partition and its LRM is not in maintenance.</summary>
    Online,
    /// <summary>Member of the quorate partition, but its LRM reports maintenance mode.</summary>
    Maintenance,
    /// <summary>Not in the quorate partition (possibly still running). Also the state of an absent node.</summary>
    Unknown,
    /// <summary>Must be fenced before its services may be recovered.</summary>
    Fence,
    /// <summary>No longer in the cluster member list.</summary>
    Gone,
}

/// <summary>The one mapping between state enums and the words used on disk and in logs.</summary>
public static class StateNames
{
    private static readonly Dictionary<string, ServiceState> ServiceByName = Enum.GetValues<ServiceState>()
        .ToDictionary(Of, s => s, StringComparer.Ordinal);

    private static readonly Dictionary<string, NodeState> NodeByName = Enum.GetValues<NodeState>()
        .ToDictionary(Of, s => s, StringComparer.Ordinal);

    /// <summary>The on-disk / log spelling of a service state.</summary>
    public static string Of(ServiceState state) => state switch
    {
        ServiceState.RequestStart => "request_start",
        ServiceState.RequestStartBalance => "request_start_balance",
        ServiceState.Started => "started",
        ServiceState.RequestStop => "request_stop",
        ServiceState.Stopped => "stopped",
        ServiceState.Migrate => "migrate",
        ServiceState.Relocate => "relocate",
        ServiceState.Fence => "fence",
        ServiceState.Recovery => "recovery",
        ServiceState.Freeze => "freeze",
        ServiceState.Error => "error",
    };

    /// <summary>The on-disk / log spelling of a node state.</summary>
    public static string Of(NodeState state) => state switch
    {
        NodeState.Online => "online",
        NodeState.Maintenance => "maintenance",
        NodeState.Unknown => "unknown",
        NodeState.Fence => "fence",
        NodeState.Gone => "gone",
    };

    /// <summary>Parses a service state word; false for anything unknown.</summary>
    public static bool TryParseService(string? name, out ServiceState state) =>
        ServiceByName.TryGetValue(name ?? "", out state);

    /// <summary>Parses a node state word; false for anything unknown.</summary>
    public static bool TryParseNode(string? name, out NodeState state) =>
        NodeByName.TryGetValue(name ?? "", out state);
}

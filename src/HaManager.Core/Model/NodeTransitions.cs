namespace HaManager.Core.Model;

/// <summary>
/// Every node state change the master's node status machine may make (crm-manager §6.2–§6.4), as
/// data with the reason for each edge. <c>NodeStatusTracker</c> refuses any other step with an
/// <see cref="InvariantViolationException"/>; the diagram in docs/ is drawn from this table.
/// </summary>
public static class NodeTransitions
{
    private static readonly (NodeState From, NodeState To, string Why)[] Edges =
    [
        (NodeState.Unknown, NodeState.Online, "seen online"),
        (NodeState.Gone, NodeState.Online, "seen online"),
        (NodeState.Maintenance, NodeState.Online, "online, LRM left maintenance"),
        (NodeState.Online, NodeState.Maintenance, "online, LRM in maintenance mode"),
        (NodeState.Online, NodeState.Unknown, "not seen online"),
        (NodeState.Maintenance, NodeState.Unknown, "not seen online, LRM not in maintenance"),
        (NodeState.Unknown, NodeState.Gone, "no longer a cluster member"),
        (NodeState.Unknown, NodeState.Fence, "offline past the fence delay with services"),
        (NodeState.Gone, NodeState.Fence, "offline past the fence delay with services"),
        (NodeState.Maintenance, NodeState.Fence, "offline in maintenance with services"),
        (NodeState.Online, NodeState.Fence, "services to recover from a node not seen"),
        (NodeState.Fence, NodeState.Unknown, "fenced: got its agent lock"),
    ];

    /// <summary>True iff the master may move a node from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool IsAllowed(NodeState from, NodeState to) => Edges.Any(e => e.From == from && e.To == to);

    /// <summary>All allowed edges with their reasons, for tests and documentation.</summary>
    public static IReadOnlyList<(NodeState From, NodeState To, string Why)> All() => Edges;

    /// <summary>The table as a Graphviz DOT graph (docs/state-machines/node.dot).</summary>
    public static string ToDotGraph() => DotGraph.Format("node",
        Enum.GetValues<NodeState>().Select(StateNames.Of),
        Edges.Select(e => (StateNames.Of(e.From), StateNames.Of(e.To), (string?)e.Why)));
}

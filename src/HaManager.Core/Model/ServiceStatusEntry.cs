namespace HaManager.Core.Model;

/// <summary>A command queued for one service by a user or by rebalancing (crm-manager §3.2 <c>cmd</c>).</summary>
/// <param name="Verb"><c>migrate</c>, <c>relocate</c> or <c>stop</c> (anything else is reported as unknown).</param>
/// <param name="Argument">The target node, or the stop timeout as given.</param>
public sealed record QueuedCommand(string Verb, string Argument);

/// <summary>
/// One service's entry in the manager status (crm-manager §3.2, abbreviated <c>sd</c> in the spec).
/// Mutable because the Manager updates it in place during a round; the store hands out deep copies.
/// </summary>
public sealed class ServiceStatusEntry
{
    /// <summary>The state in the service state machine.</summary>
    public ServiceState State { get; set; }

    /// <summary>The node the service currently belongs to.</summary>
    public string Node { get; set; } = "";

    /// <summary>Identifies the request currently addressed to the LRM; renewed on every change.</summary>
    public string Uid { get; set; } = "";

    /// <summary>Destination of <c>migrate</c>, <c>relocate</c>, <c>request_start_balance</c>.</summary>
    public string? Target { get; set; }

    /// <summary>Stop timeout of a <c>request_stop</c> issued by a stop command, as given.</summary>
    public string? Timeout { get; set; }

    /// <summary>A queued user or rebalance command not yet consumed.</summary>
    public QueuedCommand? Command { get; set; }

    /// <summary>Nodes on which starting failed, in append order (duplicates possible); null when absent.</summary>
    public List<string>? FailedNodes { get; set; }

    /// <summary>The node this service left because of maintenance, to return to.</summary>
    public string? MaintenanceNode { get; set; }

    /// <summary>Set once the LRM reported a successful start (state <c>started</c> only).</summary>
    public bool Running { get; set; }

    /// <summary>True iff the service is, or will soon be, running on <paramref name="node"/>: its node or
    /// target is that node and it is in none of stopped, freeze, error, request_start (glossary "active").</summary>
    public bool IsActiveOn(string node) =>
        (Node == node || Target == node)
        && State is not (ServiceState.Stopped or ServiceState.Freeze or ServiceState.Error or ServiceState.RequestStart);

    /// <summary>A deep copy.</summary>
    public ServiceStatusEntry Clone() => new()
    {
        State = State,
        Node = Node,
        Uid = Uid,
        Target = Target,
        Timeout = Timeout,
        Command = Command,
        FailedNodes = FailedNodes is null ? null : [.. FailedNodes],
        MaintenanceNode = MaintenanceNode,
        Running = Running,
    };
}

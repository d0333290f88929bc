namespace HaManager.Core.Model;

/// <summary>
/// Every service state change the Manager may make, as data (crm-manager §8.10). The Manager refuses
/// any other step with an <see cref="InvariantViolationException"/>, and a test walks the table so a
/// scenario that needs a new edge makes the table change visibly.
/// </summary>
public static class ServiceTransitions
{
    private static readonly Dictionary<ServiceState, ServiceState[]> Allowed = new()
    {
        [ServiceState.RequestStart] = [ServiceState.Started, ServiceState.RequestStartBalance],
        [ServiceState.RequestStartBalance] =
            [ServiceState.Started, ServiceState.RequestStop, ServiceState.Error, ServiceState.Fence],
        // Started also reaches Freeze through the restart-freeze rule (LRM mode 'restart').
        [ServiceState.Started] =
        [
            ServiceState.RequestStop, ServiceState.Migrate, ServiceState.Relocate, ServiceState.Error,
            ServiceState.Fence, ServiceState.Freeze,
        ],
        [ServiceState.RequestStop] = [ServiceState.Stopped, ServiceState.Error, ServiceState.Fence, ServiceState.Freeze],
        [ServiceState.Stopped] =
        [
            ServiceState.RequestStart, ServiceState.Migrate, ServiceState.Relocate, ServiceState.Fence,
            ServiceState.Freeze,
        ],
        [ServiceState.Migrate] = [ServiceState.Started, ServiceState.RequestStop, ServiceState.Error, ServiceState.Fence],
        [ServiceState.Relocate] = [ServiceState.Started, ServiceState.RequestStop, ServiceState.Error, ServiceState.Fence],
        // A started service on a node in maintenance is fenced and sent on in the same handler
        // (crm-manager §8.7 step 1c), so Fence can lead to a move or a stop request directly.
        [ServiceState.Fence] =
            [ServiceState.Recovery, ServiceState.Migrate, ServiceState.Relocate, ServiceState.RequestStop],
        [ServiceState.Recovery] = [ServiceState.Started, ServiceState.RequestStop, ServiceState.Stopped],
        [ServiceState.Freeze] = [ServiceState.Started, ServiceState.RequestStop],
        // A failed migration to the wrong node enters Error and is then fenced if its node is gone.
        [ServiceState.Error] = [ServiceState.Stopped, ServiceState.Fence],
    };

    /// <summary>True iff the Manager may move a service from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool IsAllowed(ServiceState from, ServiceState to) =>
        Allowed.TryGetValue(from, out var targets) && Array.IndexOf(targets, to) >= 0;

    /// <summary>All allowed edges, for tests and documentation.</summary>
    public static IEnumerable<(ServiceState From, ServiceState To)> All() =>
        Allowed.SelectMany(kv => kv.Value.Select(to => (kv.Key, to)));

    /// <summary>The table as a Graphviz DOT graph (docs/state-machines/service.dot).</summary>
    public static string ToDotGraph() => DotGraph.Format("service",
        Enum.GetValues<ServiceState>().Select(StateNames.Of),
        All().Select(e => (StateNames.Of(e.From), StateNames.Of(e.To), (string?)null)));
}

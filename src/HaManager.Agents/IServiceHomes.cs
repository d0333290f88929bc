namespace HaManager.Agents;

/// <summary>Where a service's configuration lives — the store's part the agents need to move a service
/// that has no migration of its own (OCF resources, systemd units).</summary>
public interface IServiceHomes
{
    /// <summary>The node whose configuration holds the service, or null when none does.</summary>
    string? NodeOf(string sid);

    /// <summary>Moves the service's configuration from <paramref name="fromNode"/> to <paramref name="toNode"/>
    /// atomically; throws <see cref="Core.Environment.HaEnvironmentException"/> when it is not on <paramref name="fromNode"/>.</summary>
    void Move(string sid, string fromNode, string toNode);
}

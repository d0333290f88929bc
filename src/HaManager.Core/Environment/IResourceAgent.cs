namespace HaManager.Core.Environment;

/// <summary>The resource plugins of a node, by service type (<c>vm</c>, <c>ct</c>, …).</summary>
public interface IResourceAgents
{
    /// <summary>The plugin for a service type; null if the type is unknown here.</summary>
    IResourceAgent? For(string type);
}

/// <summary>
/// Operations on one type of resource (lrm-watchdog-env §9). Calls block until the action finished,
/// so the LRM only calls them from a job handed to its <see cref="IJobRunner"/> (the manager calls
/// <see cref="RemoveLocks"/> directly: it only edits configuration). They log through the node's log.
/// </summary>
public interface IResourceAgent
{
    /// <summary>Whether the service runs on the local node.</summary>
    bool CheckRunning(string sid);

    /// <summary>Starts it on the local node.</summary>
    void Start(string sid);

    /// <summary>Stops it; <paramref name="timeout"/> null means the default, 0 a hard stop.</summary>
    void Shutdown(string sid, string? timeout);

    /// <summary>Moves it to <paramref name="target"/>, live if <paramref name="online"/>; true iff the
    /// configuration no longer lives on the local node.</summary>
    bool Migrate(string sid, string target, bool online);

    /// <summary>Removes the first of <paramref name="lockNames"/> set on the guest and returns it.</summary>
    string? RemoveLocks(string sid, IReadOnlyList<string> lockNames);
}

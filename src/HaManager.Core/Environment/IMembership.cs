namespace HaManager.Core.Environment;

/// <summary>
/// Membership and quorum as the local node sees them, and what the local host knows about itself.
/// Contract: never throws; a membership service that cannot be asked answers "not quorate".
/// </summary>
public interface IMembership
{
    /// <summary>True iff the local node is in the quorate partition.</summary>
    bool IsQuorate();

    /// <summary>Cluster membership and quorum.</summary>
    NodeInfo GetNodeInfo();

    /// <summary>The management software version of a node, or null when unknown.</summary>
    string? GetNodeVersion(string node);

    /// <summary>Whether the local node is shutting down or rebooting (asked when a shutdown request arrives).</summary>
    NodeShutdownInfo IsNodeShutdown();
}

using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Agents;

/// <summary>The resource agents of a real node by service type: <c>vm</c>/<c>ct</c> (qm/pct), <c>ocf</c>,
/// <c>service</c> (systemd).</summary>
public sealed class AgentRegistry : IResourceAgents
{
    private readonly Dictionary<string, IResourceAgent> _agents;

    /// <summary>Builds the agents of <paramref name="node"/>; the tool paths default to the names on PATH.</summary>
    public AgentRegistry(string node, IHaLog log, Func<string, ServiceConfigEntry?> config, IServiceHomes homes,
        string ocfRoot = OcfAgent.DefaultRoot, string systemctl = "systemctl", string? qm = null, string? pct = null)
    {
        _agents = new Dictionary<string, IResourceAgent>(StringComparer.Ordinal)
        {
            ["vm"] = new PveGuestAgent("vm", node, log, homes, qm),
            ["ct"] = new PveGuestAgent("ct", node, log, homes, pct),
            ["ocf"] = new OcfAgent(node, log, config, homes, ocfRoot),
            ["service"] = new SystemdAgent(node, log, config, homes, systemctl),
        };
    }

    /// <inheritdoc/>
    public IResourceAgent? For(string type) => _agents.GetValueOrDefault(type);
}

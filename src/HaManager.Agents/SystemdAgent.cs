using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Agents;

/// <summary>
/// <c>service:&lt;unit&gt;</c> resources: a systemd unit, through <c>systemctl start|stop|is-active</c>.
/// <c>is-active</c> exits 0 for active (and activating/reloading, which count as running); anything else
/// is not running.
/// </summary>
public sealed class SystemdAgent(string node, IHaLog log, Func<string, ServiceConfigEntry?> config, IServiceHomes homes,
    string systemctl = "systemctl") : RelocatingAgent(node, log, config, homes)
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(20);

    private static string Unit(string sid) => sid[(sid.IndexOf(':') + 1)..];

    /// <inheritdoc/>
    public override bool CheckRunning(string sid) =>
        AgentProcess.Run(systemctl, ["is-active", "--quiet", Unit(sid)], null, QueryTimeout, Log, sid).ExitCode == 0;

    /// <inheritdoc/>
    public override void Start(string sid)
    {
        int code = AgentProcess.Run(systemctl, ["start", Unit(sid)], null, TimeoutOf(sid, "timeout-start", DefaultStartTimeout), Log, sid).ExitCode;
        if (code != 0) Log.Write(LogLevel.Err, $"{sid}: systemctl start failed (exit {code})");
    }

    /// <inheritdoc/>
    public override void Shutdown(string sid, string? timeout)
    {
        int code = AgentProcess.Run(systemctl, ["stop", Unit(sid)], null, StopTimeout(sid, timeout), Log, sid).ExitCode;
        if (code != 0) Log.Write(LogLevel.Err, $"{sid}: systemctl stop failed (exit {code})");
    }
}

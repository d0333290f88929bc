using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Agents;

/// <summary>
/// <c>ocf:&lt;name&gt;</c> resources: any OCF resource agent (<c>agent provider:type</c>), run as
/// <c>$OCF_ROOT/resource.d/&lt;provider&gt;/&lt;type&gt; start|stop|monitor</c> with <c>OCF_ROOT</c>,
/// <c>OCF_RESOURCE_INSTANCE</c> and one <c>OCF_RESKEY_&lt;name&gt;</c> per parameter. <c>monitor</c> answers
/// "running": 0 (and 8, running as master) yes; 7, and the "cannot run here" codes 2, 5, 6, no; any other
/// failure counts as running, so the LRM never starts a second copy of something in an unknown state.
/// </summary>
public sealed class OcfAgent(string node, IHaLog log, Func<string, ServiceConfigEntry?> config, IServiceHomes homes,
    string ocfRoot = OcfAgent.DefaultRoot, string rscTmp = OcfAgent.DefaultRscTmp) : RelocatingAgent(node, log, config, homes)
{
    /// <summary>Debian's OCF root.</summary>
    public const string DefaultRoot = "/usr/lib/ocf";

    /// <summary>Where agents keep their runtime state (<c>HA_RSCTMP</c>).</summary>
    public const string DefaultRscTmp = "/run/resource-agents";

    /// <summary>Default monitor timeout.</summary>
    public static readonly TimeSpan DefaultMonitorTimeout = TimeSpan.FromSeconds(20);

    /// <summary>OCF exit codes (OCF resource agent API).</summary>
    public static class Codes
    {
        /// <summary>OCF_SUCCESS.</summary>
        public const int Success = 0;
        /// <summary>OCF_ERR_ARGS.</summary>
        public const int ErrArgs = 2;
        /// <summary>OCF_ERR_INSTALLED.</summary>
        public const int ErrInstalled = 5;
        /// <summary>OCF_ERR_CONFIGURED.</summary>
        public const int ErrConfigured = 6;
        /// <summary>OCF_NOT_RUNNING.</summary>
        public const int NotRunning = 7;
        /// <summary>OCF_RUNNING_MASTER.</summary>
        public const int RunningMaster = 8;
    }

    private AgentResult Call(string sid, string action, TimeSpan timeout)
    {
        var cd = ConfigOf(sid);
        string name = sid[(sid.IndexOf(':') + 1)..];
        if (cd?.Options.GetValueOrDefault("agent") is not { } agent || agent.Split(':') is not [var provider, var type])
        {
            Log.Write(LogLevel.Err, $"{sid}: no OCF agent configured (agent provider:type)");
            return new AgentResult(Codes.ErrConfigured, []);
        }
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OCF_ROOT"] = ocfRoot, ["OCF_RESOURCE_INSTANCE"] = name, ["OCF_RESOURCE_TYPE"] = type, ["OCF_RESOURCE_PROVIDER"] = provider,
            ["OCF_RA_VERSION_MAJOR"] = "1", ["OCF_RA_VERSION_MINOR"] = "1", ["HA_RSCTMP"] = rscTmp,
            // Pacemaker's name for "the node this runs on"; agents that record where they ran use it.
            ["OCF_RESKEY_CRM_meta_on_node"] = Node,
        };
        if (cd.Options.TryGetValue("params", out var parameters))
            foreach (var pair in parameters.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=');
                if (eq > 0) env["OCF_RESKEY_" + pair[..eq]] = pair[(eq + 1)..];
            }
        string script = Path.Combine(ocfRoot, "resource.d", provider, type);
        return AgentProcess.Run(script, [action], env, timeout, Log, sid);
    }

    /// <inheritdoc/>
    public override bool CheckRunning(string sid)
    {
        int code = Call(sid, "monitor", TimeoutOf(sid, "timeout-monitor", DefaultMonitorTimeout)).ExitCode;
        switch (code)
        {
            case Codes.Success or Codes.RunningMaster: return true;
            case Codes.NotRunning or Codes.ErrArgs or Codes.ErrInstalled or Codes.ErrConfigured or AgentProcess.NotStarted: return false;
            default:
                Log.Write(LogLevel.Warning, $"{sid}: monitor failed (exit {code}) - counting it as running");
                return true;
        }
    }

    /// <inheritdoc/>
    public override void Start(string sid)
    {
        int code = Call(sid, "start", TimeoutOf(sid, "timeout-start", DefaultStartTimeout)).ExitCode;
        if (code != Codes.Success) Log.Write(LogLevel.Err, $"{sid}: start failed (exit {code})");
    }

    /// <inheritdoc/>
    public override void Shutdown(string sid, string? timeout)
    {
        int code = Call(sid, "stop", StopTimeout(sid, timeout)).ExitCode;
        if (code != Codes.Success) Log.Write(LogLevel.Err, $"{sid}: stop failed (exit {code})");
    }
}

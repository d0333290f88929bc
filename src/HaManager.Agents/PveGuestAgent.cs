using System.Globalization;
using HaManager.Core.Environment;

namespace HaManager.Agents;

/// <summary>
/// <c>vm:</c> and <c>ct:</c> guests on Proxmox VE through <c>qm</c>/<c>pct</c>, as upstream's plugins
/// call the same API (lrm-watchdog-env §9.1, §9.2): start; shutdown with the given timeout (default
/// 60 s; VMs are force-stopped after it, containers are not) or a hard stop for 0; migrate (containers
/// always offline, a running guest relocated is shut down first), successful iff the guest's
/// configuration no longer lives on this node; running from <c>status</c>; guest locks through
/// <c>config</c>/<c>unlock</c>.
/// </summary>
public sealed class PveGuestAgent(string type, string node, IHaLog log, IServiceHomes homes, string? tool = null) : IResourceAgent
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(30);
    private readonly string _tool = tool ?? (type == "vm" ? "qm" : "pct");
    private bool IsVm => type == "vm";

    private static string Id(string sid) => sid[(sid.IndexOf(':') + 1)..];

    private AgentResult Call(string sid, TimeSpan timeout, params string[] args) => AgentProcess.Run(_tool, args, null, timeout, log, sid);

    /// <inheritdoc/>
    public bool CheckRunning(string sid)
    {
        var result = Call(sid, QueryTimeout, "status", Id(sid));
        return result.ExitCode == 0 && result.Output.Any(l => l.Trim() == "status: running");
    }

    /// <inheritdoc/>
    public void Start(string sid) => Call(sid, TaskTimeout, "start", Id(sid));

    /// <inheritdoc/>
    public void Shutdown(string sid, string? timeout)
    {
        int seconds = int.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out int t) ? t : 60;
        if (seconds == 0) Call(sid, TaskTimeout, "stop", Id(sid));
        else if (IsVm) Call(sid, TaskTimeout, "shutdown", Id(sid), "--timeout", seconds.ToString(CultureInfo.InvariantCulture), "--forceStop", "1");
        else Call(sid, TaskTimeout, "shutdown", Id(sid), "--timeout", seconds.ToString(CultureInfo.InvariantCulture));
    }

    /// <inheritdoc/>
    public bool Migrate(string sid, string target, bool online)
    {
        if (!IsVm && online && CheckRunning(sid))
        {
            log.Write(LogLevel.Warning, "unable to live migrate running container, fallback to relocate");
            online = false;
        }
        if (!IsVm) online = false;
        if (!online && CheckRunning(sid)) Shutdown(sid, null);
        var args = new List<string> { "migrate", Id(sid), target };
        if (IsVm)
        {
            if (online) args.Add("--online");
            args.AddRange(["--force", "--with-local-disks"]);
        }
        Call(sid, TaskTimeout, [.. args]);
        return homes.NodeOf(sid) != node;
    }

    /// <inheritdoc/>
    public string? RemoveLocks(string sid, IReadOnlyList<string> lockNames)
    {
        var config = Call(sid, QueryTimeout, "config", Id(sid));
        string? current = config.Output.Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("lock:", StringComparison.Ordinal))?[5..].Trim();
        if (current is null || !lockNames.Contains(current)) return null;
        return Call(sid, QueryTimeout, "unlock", Id(sid)).ExitCode == 0 ? current : null;
    }
}

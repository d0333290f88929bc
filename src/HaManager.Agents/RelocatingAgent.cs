using System.Globalization;
using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Agents;

/// <summary>
/// The part OCF resources and systemd units share: there is no live migration, so a move is a
/// relocation — stop here (if running), move the configuration to the target, and let the target's
/// LRM start it. Timeouts come from the resource's <c>timeout-start</c>/<c>timeout-stop</c> options.
/// </summary>
public abstract class RelocatingAgent(string node, IHaLog log, Func<string, ServiceConfigEntry?> config, IServiceHomes homes)
    : IResourceAgent
{
    /// <summary>Default start timeout.</summary>
    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Default stop timeout (upstream's shutdown default is 60 s; agents get their own margin).</summary>
    public static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(120);

    /// <summary>The local node.</summary>
    protected string Node => node;

    /// <summary>The node's log.</summary>
    protected IHaLog Log => log;

    /// <summary>The resource's configuration, or null when it is gone.</summary>
    protected ServiceConfigEntry? ConfigOf(string sid) => config(sid);

    /// <summary>A timeout option of the resource (seconds), or the default.</summary>
    protected TimeSpan TimeoutOf(string sid, string option, TimeSpan fallback) =>
        ConfigOf(sid)?.Options.TryGetValue(option, out var v) == true
        && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s > 0
            ? TimeSpan.FromSeconds(s) : fallback;

    /// <inheritdoc/>
    public abstract bool CheckRunning(string sid);

    /// <inheritdoc/>
    public abstract void Start(string sid);

    /// <inheritdoc/>
    public abstract void Shutdown(string sid, string? timeout);

    /// <inheritdoc/>
    public bool Migrate(string sid, string target, bool online)
    {
        string kind = online ? "migrate" : "relocate";
        log.Write(LogLevel.Info, $"service {sid} - start {kind} to node '{target}'");
        if (CheckRunning(sid))
        {
            log.Write(LogLevel.Info, $"stopping service {sid} (relocate)");
            Shutdown(sid, null);
            if (CheckRunning(sid))
            {
                log.Write(LogLevel.Err, $"service {sid} still running - not moved");
                return false;
            }
        }
        try { homes.Move(sid, node, target); }
        catch (HaEnvironmentException e)
        {
            log.Write(LogLevel.Err, $"service {sid} - {kind} failed: {e.Message.TrimEnd()}");
        }
        bool moved = homes.NodeOf(sid) != node;
        if (moved) log.Write(LogLevel.Info, $"service {sid} - end {kind} to node '{target}'");
        return moved;
    }

    /// <summary>These resources carry no guest locks.</summary>
    public string? RemoveLocks(string sid, IReadOnlyList<string> lockNames) => null;

    /// <summary>A stop timeout as the LRM passes it (seconds; null = default; 0 = as fast as possible).</summary>
    protected TimeSpan StopTimeout(string sid, string? timeout) =>
        int.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out int s)
            ? TimeSpan.FromSeconds(Math.Max(s, 5))
            : TimeoutOf(sid, "timeout-stop", DefaultStopTimeout);
}

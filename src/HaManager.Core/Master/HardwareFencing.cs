using HaManager.Core.Environment;
using HaManager.Core.Formats;

namespace HaManager.Core.Master;

/// <summary>
/// The master's second way to prove a node dead (crm-manager §6.4, hardware path; the issue "fencing you can
/// trust"): the fence.cfg devices connected to the node, tried level by level — all sub-devices of a level in
/// parallel, all must confirm — and the operator's manual acknowledgement. A node counts as fenced once its
/// agent lock could be taken (its watchdog fired) <em>or</em> one of these confirmed it off; the confirmation
/// is turned into the agent lock by a takeover, so every later step (recovery, stealing) sees the same proof.
/// <para>State is in memory only: a new master fences anew, which is harmless (powering off a node that is
/// off succeeds). When every level failed, the ladder restarts after one lock lifetime; meanwhile the
/// watchdog path goes on.</para>
/// </summary>
public sealed class HardwareFencing(HaNode node)
{
    private sealed class Attempt
    {
        public int Level;
        public bool Running;
        public long RetryAt;
        public string? ConfirmedBy;
    }

    private readonly IHaLog _log = node.Log;
    private readonly Dictionary<string, Attempt> _attempts = new(StringComparer.Ordinal);
    private FencingMode _mode = FencingMode.Watchdog;
    private string? _configText;
    private FenceConfig? _config;

    /// <summary>Round start: takes the mode, the finished fence levels and — only when some node is not online,
    /// the one time devices matter — fence.cfg (re-parsed only when changed). A fence.cfg that does not parse is
    /// reported and fences nothing.</summary>
    public void Refresh(FencingMode mode, bool anyNodeDown)
    {
        _mode = node.Fencing is null ? FencingMode.Watchdog : mode;
        if (_mode != FencingMode.Watchdog && anyNodeDown) LoadConfig();
        foreach (var outcome in node.Fencing?.CollectFinished() ?? [])
        {
            if (!_attempts.TryGetValue(outcome.Node, out var attempt) || !attempt.Running || attempt.Level != outcome.Level) continue;
            attempt.Running = false;
            if (outcome.PoweredOff)
            {
                attempt.ConfirmedBy = $"fence device level {outcome.Level + 1} powered it off";
                _log.Write(LogLevel.Notice, $"fence device level {outcome.Level + 1} confirmed node '{outcome.Node}' off: {outcome.Detail}");
                continue;
            }
            _log.Write(LogLevel.Err, $"fence job for node '{outcome.Node}' failed at level {outcome.Level + 1}: {outcome.Detail}");
            attempt.Level++;
        }
    }

    private void LoadConfig()
    {
        string? text;
        try
        {
            text = node.Store.ReadFenceConfig();
        }
        catch (HaEnvironmentException)
        {
            return; // Keep the last good configuration; the store is flaky this round.
        }
        if (text == _configText) return;
        _configText = text;
        _config = null;
        if (text is null) return;
        try
        {
            _config = FenceConfig.Parse(text, "fence.cfg");
            foreach (var warning in _config.Warnings) _log.Write(LogLevel.Warning, warning);
        }
        catch (FenceConfigException e)
        {
            _log.Write(LogLevel.Err, $"hardware fencing disabled: {e.Message.TrimEnd('\n')}");
        }
    }

    /// <summary>True iff a fence device can fence <paramref name="fencedNode"/>: the mode uses devices and one is connected.</summary>
    public bool CanFence(string fencedNode) =>
        _mode != FencingMode.Watchdog && _config is not null && _config.CountDevices(fencedNode) > 0;

    /// <summary>What proved the node off (a device level or an operator), or null while nothing did.</summary>
    public string? ConfirmedBy(string fencedNode) => _attempts.TryGetValue(fencedNode, out var a) ? a.ConfirmedBy : null;

    /// <summary>Records an operator's word that the node is off.</summary>
    public void Acknowledge(string fencedNode, string who) => AttemptOf(fencedNode).ConfirmedBy = $"acknowledged by {who}";

    /// <summary>The node is fenced (or no longer needs it): its ladder ends; an outcome still on its way is ignored.</summary>
    public void Forget(string fencedNode) => _attempts.Remove(fencedNode);

    /// <summary>Starts the node's next fence level unless one is running, it is confirmed, or the ladder
    /// waits for its retry.</summary>
    public void Drive(string fencedNode)
    {
        if (!CanFence(fencedNode)) return;
        var attempt = AttemptOf(fencedNode);
        long now = node.Clock.MonotonicSeconds;
        if (attempt.Running || attempt.ConfirmedBy is not null || now < attempt.RetryAt) return;
        var commands = _config!.GetCommands(fencedNode, attempt.Level);
        if (commands.Count == 0)
        {
            _log.Write(LogLevel.Err,
                $"tried all fence devices for node '{fencedNode}' - retrying in {node.Budget.LockLifetimeSeconds} s, watchdog fencing goes on");
            attempt.Level = 0;
            attempt.RetryAt = now + node.Budget.LockLifetimeSeconds;
            return;
        }
        if (attempt.Level == 0) _log.Write(LogLevel.Notice, $"Start fencing node '{fencedNode}'");
        foreach (var command in commands)
            _log.Write(LogLevel.Notice, $"[fence '{fencedNode}'] level {attempt.Level + 1} execute cmd: {command.ToRedactedString()}");
        attempt.Running = true;
        node.Fencing!.Start(new FenceRequest(fencedNode, attempt.Level, commands));
    }

    private Attempt AttemptOf(string fencedNode)
    {
        if (!_attempts.TryGetValue(fencedNode, out var attempt)) _attempts[fencedNode] = attempt = new Attempt();
        return attempt;
    }
}

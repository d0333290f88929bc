using System.Text.Json.Nodes;
using HaManager.Core.Formats;
using HaManager.Core.Model;
using HaManager.Core.Rules;

namespace HaManager.Cli;

/// <summary>
/// <c>ha-manager explain &lt;sid&gt;</c>: why a service is in its state and on its node, in plain
/// sentences from what the store holds — configuration, the manager's and the LRM's status, node
/// states, the rules that apply and those the manager drops, and how the scheduler weighs the nodes
/// for it right now.
/// </summary>
public static class Explain
{
    /// <summary>The post-mortems the nodes published (node → sentence), those older than
    /// <paramref name="maxAge"/> left out (the sentence's own time decides; unreadable ones are kept).</summary>
    public static SortedDictionary<string, string> PostMortems(CliContext ctx, IEnumerable<string> nodes, TimeSpan? maxAge)
    {
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (ctx.Store.ReadPostMortem(node) is not { } text) continue;
            var at = System.Text.RegularExpressions.Regex.Match(text, @" at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)");
            if (maxAge is { } age && at.Success
                && DateTime.TryParseExact(at.Groups[1].Value, "yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeLocal, out var when)
                && DateTime.Now - when > age) continue;
            found[node] = text;
        }
        return found;
    }

    public static JsonObject Build(CliContext ctx, string sidText)
    {
        string sid = Commands.ParseSid(ctx, sidText);
        var store = ctx.Store;
        var status = store.ReadManagerStatus();
        var config = store.ReadServiceConfig();
        var reasons = new List<string>();
        var result = new JsonObject { ["sid"] = sid };

        if (!config.TryGetValue(sid, out var cd))
        {
            reasons.Add($"'{sid}' is not configured in ha/resources.cfg, so HA does not manage it.");
            result["reasons"] = new JsonArray(reasons.Select(r => (JsonNode?)r).ToArray());
            return result;
        }
        result["requested"] = cd.State;
        reasons.Add($"Requested state '{cd.State}' (max_restart {cd.MaxRestart}, max_relocate {cd.MaxRelocate}, failback {(cd.Failback ? "on" : "off")}).");
        if (cd.State == RequestedStates.Ignored) reasons.Add("It is 'ignored': HA neither starts, stops nor moves it.");
        if (status.Disarm is { } disarm)
            reasons.Add($"HA is {disarm.State} (resource mode {disarm.Mode}): "
                + (disarm.KnownMode == DisarmMode.Ignore ? "services are left alone entirely." : "service states are frozen until 'arm-ha'."));

        if (status.MasterNode is null) reasons.Add("No manager has written a status yet: no CRM is master (is ha-crm running on a quorate node?).");
        if (!status.ServiceStatus.TryGetValue(sid, out var sd))
        {
            if (status.MasterNode is not null) reasons.Add($"The manager (master {status.MasterNode}) has not picked it up yet; it will on its next round.");
        }
        else
        {
            string state = StateNames.Of(sd.State);
            result["state"] = state;
            result["node"] = sd.Node;
            if (sd.Target is not null) result["target"] = sd.Target;
            reasons.Add($"The manager (master {status.MasterNode}) has it '{state}' on {sd.Node}"
                + (sd.Target is { } t ? $", moving to {t}" : "") + (sd.State == ServiceState.Started ? (sd.Running ? ", running." : ", not confirmed running yet.") : "."));
            reasons.AddRange(StateReason(sid, sd, cd));
            if (sd.FailedNodes is { Count: > 0 } failed)
            {
                result["failed_nodes"] = new JsonArray(failed.Select(n => (JsonNode?)n).ToArray());
                reasons.Add($"Starting it failed on {string.Join(", ", failed)}; relocation avoids those nodes "
                    + $"({failed.Count} of max_relocate {cd.MaxRelocate} + 1 tries used).");
            }
            if (sd.MaintenanceNode is { } home) reasons.Add($"It left {home} for node maintenance and returns when {home} leaves maintenance.");
            foreach (var node in new[] { sd.Node, sd.Target }.OfType<string>().Distinct())
                if (NodeReason(status, node) is { } nodeReason) reasons.Add(nodeReason);
            var lrm = store.ReadLrmStatus(sd.Node);
            if (lrm.Results.TryGetValue(sd.Uid, out var last))
                reasons.Add($"The LRM on {sd.Node} reported exit code {last.ExitCode} ({ExitName(last.ExitCode)}) for the current request.");
            else if (lrm.Timestamp is null) reasons.Add($"The LRM on {sd.Node} has not written a status (is ha-lrm running there?).");
            if (SchedulerReason(ctx, sid, status, result) is { } scheduler) reasons.Add(scheduler);
        }

        // A self-fence of the last day explains many a recovery: say why it happened.
        var postMortems = Explain.PostMortems(ctx, status.NodeStatus.Keys, maxAge: TimeSpan.FromDays(1));
        if (postMortems.Count > 0)
        {
            result["post_mortem"] = new JsonObject(postMortems.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
            reasons.AddRange(postMortems.Values.Select(t => $"Node {t}."));
        }

        var rules = new JsonArray();
        reasons.AddRange(RuleReasons(ctx, sid, rules));
        result["rules"] = rules;
        result["reasons"] = new JsonArray(reasons.Select(r => (JsonNode?)r).ToArray());
        return result;
    }

    /// <summary>The scheduler's view, as the manager would build it this round (crm-manager §9): the scores
    /// of the online nodes were the service placed now (its own load taken off; lower wins, among the nodes
    /// its rules prefer, ties by name).</summary>
    private static string? SchedulerReason(CliContext ctx, string sid, ManagerStatus status, JsonObject result)
    {
        var store = ctx.Store;
        var online = status.NodeStatus.Where(kv => kv.Value == NodeState.Online).Select(kv => kv.Key).ToList();
        if (online.Count == 0) return null;
        var crs = Core.Scheduling.CrsSettings.From(store.GetDatacenterSettings());
        var usage = Core.Scheduling.UsageBuilder.Build(crs.Mode, online, status.ServiceStatus, store.GetServiceStats(),
            dynamic => dynamic ? store.GetDynamicNodeStats() : store.GetStaticNodeStats(), (_, _) => { });
        usage.RemoveServiceUsage(sid);
        var scores = usage.ScoreNodesToStartService(sid);
        bool basic = usage is Core.Master.BasicUsage;
        string mode = basic ? "basic" : crs.Mode;
        var json = new JsonObject();
        foreach (var node in online) json[node] = scores[node];
        result["scheduler"] = new JsonObject { ["mode"] = mode, ["scores"] = json };
        string weights = string.Join(", ", online.Select(n => basic
            ? $"{n} {scores[n]:0} service{(scores[n] == 1 ? "" : "s")}"
            : $"{n} {scores[n].ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}"));
        return basic
            ? $"Were it placed now, the basic scheduler counts {weights} (without it); the fewest wins among the nodes its rules prefer."
            : $"Were it placed now, the {mode} scheduler scores {weights}; the lowest wins among the nodes its rules prefer.";
    }

    private static IEnumerable<string> StateReason(string sid, ServiceStatusEntry sd, ServiceConfigEntry cd)
    {
        switch (sd.State)
        {
            case ServiceState.Error:
                yield return "It is in the error state: the manager gave up after the start and relocation tries. "
                    + $"Fix the cause, then 'ha-manager set {sid} --state disabled' and enable it again.";
                break;
            case ServiceState.Fence:
                yield return "Its node must be fenced first; the service is recovered elsewhere once that node's lock has expired.";
                break;
            case ServiceState.Recovery:
                yield return "It is being recovered: the manager looks for a node to start it on.";
                break;
            case ServiceState.Freeze:
                yield return "It is frozen: its node's LRM is shutting down or HA is disarmed.";
                break;
            case ServiceState.Stopped when cd.State == RequestedStates.Started:
                yield return "It is requested started and will be started on its next round.";
                break;
        }
    }

    private static string? NodeReason(ManagerStatus status, string node) =>
        status.NodeStatus.TryGetValue(node, out var state) ? state switch
        {
            NodeState.Online => null,
            NodeState.Maintenance => $"{node} is in maintenance: its services move away and HA places nothing there.",
            NodeState.Fence => $"{node} is being fenced: it lost its lock or quorum; its services wait until it is certainly dead.",
            NodeState.Unknown => $"{node} is in state 'unknown': the manager has not heard from it recently.",
            var other => $"{node} is '{StateNames.Of(other)}'.",
        } : $"{node} is not in the manager's node list.";

    private static IEnumerable<string> RuleReasons(CliContext ctx, string sid, JsonArray rules)
    {
        var set = ctx.Rules();
        var dropped = RuleCommands.Feasibility(ctx, set);
        foreach (var rule in set.InOrder().Where(r => r.Resources.Contains(sid)))
        {
            string what = rule.Type == RuleType.NodeAffinity
                ? $"{(rule.IsStrict ? "only" : "prefers")} {string.Join(", ", rule.Nodes.Select(kv => kv.Value == 0 ? kv.Key : $"{kv.Key} (priority {kv.Value})"))}"
                : $"{(rule.Positive ? "together with" : "apart from")} {string.Join(", ", rule.Resources.Where(s => s != sid))}";
            var problems = dropped.GetValueOrDefault(rule.Id) ?? [];
            string verdict = !rule.Enabled ? "disabled" : problems.Count > 0 ? "ignored" : "applies";
            rules.Add((JsonNode)new JsonObject { ["rule"] = rule.Id, ["type"] = rule.TypeName, ["status"] = verdict, ["meaning"] = what,
                ["problems"] = problems.Count > 0 ? string.Join(", ", problems) : null });
            yield return verdict switch
            {
                "disabled" => $"Rule '{rule.Id}' ({rule.TypeName}: {what}) is disabled.",
                "ignored" => $"Rule '{rule.Id}' ({rule.TypeName}: {what}) is ignored: {string.Join(", ", problems)}.",
                _ => $"Rule '{rule.Id}' applies: {what}.",
            };
        }
    }

    private static string ExitName(int code) => code switch
    {
        ExitCodes.Success => "success",
        ExitCodes.Error => "error",
        ExitCodes.TryAgain => "try again",
        ExitCodes.WrongNode => "wrong node",
        ExitCodes.UnknownServiceType => "unknown service type",
        ExitCodes.UnknownCommand => "unknown command",
        ExitCodes.InvalidParameter => "invalid parameter",
        ExitCodes.UnknownService => "unknown service",
        _ => "other",
    };
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HaManager.Core.Model;
using HaManager.Simulator;

namespace HaManager.Cli;

/// <summary>
/// <c>ha-manager what-if --fail|--maintenance|--shutdown|--add-node NODE…</c>: copies the live cluster —
/// nodes, resources with their requested state and current node, what runs where, the rules and the
/// datacenter settings — into the simulator, runs the real manager in virtual time with the events and
/// the cluster's own timeouts (the node configuration's profile: the safety budget), and reports where
/// each affected service ends up and after how many (virtual) seconds. The cluster itself is only read.
/// No CRS loads yet.
/// </summary>
public static partial class WhatIf
{
    public sealed record Event(string Kind, string Node);

    public static JsonObject Run(CliContext ctx, IReadOnlyList<Event> events)
    {
        var store = ctx.Store;
        var members = store.GetNodeInfo();
        var status = store.ReadManagerStatus();
        var config = store.ReadServiceConfig();
        foreach (var e in events)
        {
            if (e.Kind == "add-node")
            {
                // A new node, or a member that is offline now: it joins (powers on) with the events.
                if (members.Online.GetValueOrDefault(e.Node)) throw new CliFailure($"node '{e.Node}' is already online\n");
                if (!NodeName().IsMatch(e.Node)) throw new CliFailure($"'{e.Node}' is not a node name\n");
            }
            else if (!members.Online.ContainsKey(e.Node)) throw new CliFailure($"no such cluster node '{e.Node}'\n");
        }

        var (budget, slowdown) = SimulatedBudget(ctx.Budget);
        var input = new ScenarioInput
        {
            Name = "what-if", Datacenter = store.GetDatacenterSettings(), RulesConfig = store.ReadRulesConfig(), Budget = budget,
        };
        // The simulated daemons start when their node powers on, as in upstream's scenarios; an added node
        // exists from the start, powered off, and powers on with the events.
        foreach (var node in members.Online.Keys.Concat(events.Where(e => e.Kind == "add-node").Select(e => e.Node)))
            input.Hardware[node] = new NodeHardwareInput { Power = "off", Network = "off" };
        var bootBatch = members.Online.Where(kv => kv.Value).Select(kv => $"power {kv.Key} on").ToList();
        // The simulator knows upstream's guest types only; every resource gets a stand-in vm id, and the
        // rules are rewritten to match (placement does not depend on the type).
        var standIn = new Dictionary<string, string>(StringComparer.Ordinal);
        var original = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var sid in config.Keys)
        {
            string vm = $"vm:{100 + standIn.Count}";
            standIn[sid] = vm;
            original[vm] = sid;
        }
        var rules = HaManager.Core.Formats.RulesConfig.Parse(input.RulesConfig);
        foreach (var rule in rules.Rules.Values)
        {
            var renamed = rule.Resources.Select(r => standIn.GetValueOrDefault(r, r)).ToList();
            rule.Resources.Clear();
            foreach (var r in renamed) rule.Resources.Add(r);
        }
        input.RulesConfig = HaManager.Core.Formats.RulesConfig.Write(rules);

        var before = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (sid, cd) in config)
        {
            string node = status.ServiceStatus.TryGetValue(sid, out var sd) && sd.Node.Length > 0 ? sd.Node : cd.Node;
            if (!input.Hardware.ContainsKey(node)) continue;
            string vm = standIn[sid];
            input.Services[vm] = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["node"] = node, ["state"] = cd.State };
            before[vm] = node;
            bool running = sd is { State: ServiceState.Started, Running: true };
            if (!input.Running.TryGetValue(node, out var map)) input.Running[node] = map = new Dictionary<string, bool>(StringComparer.Ordinal);
            map[vm] = running;
        }
        // Settle first (the simulated master takes over the live placement), then the events at once.
        input.Commands = [bootBatch, [], [.. events.Select(Command)]];

        Simulation sim;
        try
        {
            sim = new Simulation(input);
            sim.Run();
        }
        catch (ScenarioLoadException e) { throw new CliFailure($"what-if: cannot simulate this cluster: {e.Message.TrimEnd()}\n"); }
        if (sim.FatalError is { } fatal) throw new CliFailure($"what-if: the simulation stopped: {fatal.TrimEnd()}\n");

        long eventsAt = EventTime(sim.LogText);
        // Where each service was when the events struck (the simulated master may have settled it first).
        foreach (var (sid, node) in NodesAt(sim.LogText, eventsAt)) before[sid] = node;
        var finalStatus = sim.Cluster.ReadManagerStatus();
        var moves = new JsonArray();
        var lastChange = LastChanges(sim.LogText);
        foreach (var (sid, from) in before)
        {
            if (!finalStatus.ServiceStatus.TryGetValue(sid, out var sd)) continue;
            string state = StateNames.Of(sd.State);
            bool moved = sd.Node != from;
            bool hit = moved || events.Any(e => e.Node == from);
            if (!hit) continue;
            var entry = new JsonObject { ["sid"] = original[sid], ["from"] = from, ["to"] = sd.Node, ["state"] = state };
            if (lastChange.TryGetValue(sid, out var at) && at >= eventsAt) entry["after_seconds"] = (long)Math.Round((at - eventsAt) / slowdown);
            moves.Add((JsonNode)entry);
        }
        var result = new JsonObject
        {
            ["events"] = new JsonArray(events.Select(e => (JsonNode?)$"{e.Kind} {e.Node}").ToArray()),
            ["services"] = moves,
            ["lock_lifetime_seconds"] = ctx.Budget.LockLifetimeSeconds,
        };
        if (slowdown > 1) result["simulated_slower"] = slowdown;
        return result;
    }

    /// <summary>The budget to simulate with: the cluster's own. The simulator moves its clock in steps of 20 s
    /// or more (upstream's simulator does), which a client watchdog under 60 s would not survive; a faster
    /// profile is simulated with every timeout stretched to a 60 s client watchdog, and the times divided
    /// back (approximate: rounds are clamped to 1–10 s, so they do not stretch exactly).</summary>
    private static (Core.SafetyBudget Budget, double Slowdown) SimulatedBudget(Core.SafetyBudget budget)
    {
        if (budget.WatchdogClientTimeoutSeconds >= 60) return (budget, 1);
        double k = 60.0 / budget.WatchdogClientTimeoutSeconds;
        int Stretch(int seconds) => (int)Math.Ceiling(seconds * k);
        return (Core.SafetyBudget.Derived(60, Stretch(budget.WatchdogDeviceTimeoutSeconds), Stretch(budget.ClockSkewMarginSeconds),
            Stretch(budget.MuxTickSeconds)), k);
    }

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex NodeName();

    public static IEnumerable<string> Describe(JsonObject result)
    {
        yield return "If " + string.Join(" and ", result["events"]!.AsArray().Select(e => (string)e!)) + " (simulated, nothing was changed):";
        var services = result["services"]!.AsArray();
        if (services.Count == 0) yield return "  no service would be affected.";
        foreach (var s in services)
        {
            string sid = (string)s!["sid"]!, from = (string)s["from"]!, to = (string)s["to"]!, state = (string)s["state"]!;
            string when = s["after_seconds"] is { } t ? $" after {(long)t} s" : "";
            yield return state == "recovery"
                ? $"  {sid} is stranded: fenced off {to}, in 'recovery' with no node its rules allow{when}"
                : from == to
                ? $"  {sid} stays on {to}, '{state}'{when}"
                : $"  {sid} moves {from} -> {to}, '{state}'{when}";
        }
        if (result["simulated_slower"] is { } k)
            yield return $"  (this profile's timeouts simulated {(double)k:0.#} times slower, the times divided back: approximate)";
    }

    private static string Command(Event e) => e.Kind switch
    {
        "fail" => $"power {e.Node} off",
        "shutdown" => $"shutdown {e.Node}",
        "maintenance" => $"crm {e.Node} enable-node-maintenance",
        "add-node" => $"power {e.Node} on",
        _ => throw new CliFailure($"unknown event '{e.Kind}'\n"),
    };

    [GeneratedRegex(@"^\S+\s+(\d+)\s+\S+: execute ")]
    private static partial Regex ExecuteLine();

    [GeneratedRegex(@"^\S+\s+(\d+)\s+\S+: service '([^']+)': state changed from")]
    private static partial Regex ChangeLine();

    private static long EventTime(string log) =>
        log.Split('\n').Select(l => ExecuteLine().Match(l)).Where(m => m.Success).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();

    [GeneratedRegex(@"^\S+\s+(\d+)\s+\S+: service '([^']+)': state changed from '[^']*' to '[^']*'\s+\(node = ([^,)]+)")]
    private static partial Regex PlacementLine();

    private static Dictionary<string, string> NodesAt(string log, long time)
    {
        var nodes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in log.Split('\n'))
            if (PlacementLine().Match(line) is { Success: true } m && long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < time)
                nodes[m.Groups[2].Value] = m.Groups[3].Value;
        return nodes;
    }

    private static Dictionary<string, long> LastChanges(string log)
    {
        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in log.Split('\n'))
            if (ChangeLine().Match(line) is { Success: true } m)
                last[m.Groups[2].Value] = long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return last;
    }
}

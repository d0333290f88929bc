using HaManager.Core.Environment;

namespace HaManager.Simulator.Fuzzing;

/// <summary>Sizes of generated clusters; null picks a random size per seed.</summary>
public sealed record FuzzOptions(int? Nodes = null, int? Services = null, int Steps = 12);

/// <summary>One generated run: a cluster and a timeline whose last batch heals every fault.</summary>
/// <param name="Seed">The seed that produced it.</param>
/// <param name="Input">The scenario; its command batches end with heal, wait, heal (<see cref="HealMarker"/>).</param>
public sealed record FuzzCase(ulong Seed, ScenarioInput Input)
{
    /// <summary>A batch holding only this word is replaced, when it runs, by the commands that heal the
    /// cluster as it is at that moment (see <see cref="InvariantChecker.HealCommands"/>).</summary>
    public const string HealMarker = "@heal";

    /// <summary>A copy with other command batches (for shrinking).</summary>
    public FuzzCase WithCommands(List<List<string>> commands)
    {
        var input = new ScenarioInput
        {
            Name = Input.Name, Hardware = Input.Hardware, Services = Input.Services, Datacenter = Input.Datacenter,
            RulesConfig = Input.RulesConfig, FenceConfig = Input.FenceConfig, StaticServiceStats = Input.StaticServiceStats,
            DynamicServiceStats = Input.DynamicServiceStats, JobDurations = Input.JobDurations, Commands = commands,
        };
        return this with { Input = input };
    }
}

/// <summary>
/// Generates a random but valid cluster and timeline from a seed (issue: faults and operator actions —
/// power, network, reboot, shutdown, LRM restart, CRM stop, cluster file system loss, failing resources,
/// service add/remove/start/stop/migrate/relocate, maintenance, disarm, locks and time gaps).
/// </summary>
public static class TimelineGenerator
{
    private static readonly string[] Policies = ["conditional", "freeze", "failover", "migrate"];

    /// <summary>The case for <paramref name="seed"/>.</summary>
    public static FuzzCase Generate(ulong seed, FuzzOptions options)
    {
        var rng = new FuzzRandom(seed);
        int nodeCount = options.Nodes ?? rng.Between(3, 5);
        int serviceCount = options.Services ?? rng.Between(2, 8);
        var input = new ScenarioInput { Name = $"fuzz-{seed}" };
        var nodes = Enumerable.Range(1, nodeCount).Select(i => $"node{i}").ToList();
        foreach (var node in nodes) input.Hardware[node] = new NodeHardwareInput();

        var configured = new List<string>();
        // Every sid ever used: a deleted resource may still run where it was (deleting does not stop it),
        // so adding the same id elsewhere would be the operator starting a second copy, not an HA fault.
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < serviceCount; i++)
        {
            string sid = NewSid(rng, 100 + i);
            var props = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["node"] = rng.Pick(nodes),
                ["state"] = rng.Chance(0.8) ? "started" : rng.Pick(["stopped", "disabled"]),
            };
            if (rng.Chance(0.3)) props["max_restart"] = rng.Between(0, 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (rng.Chance(0.3)) props["max_relocate"] = rng.Between(0, 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (input.Services.TryAdd(sid, props))
            {
                configured.Add(sid);
                used.Add(sid);
            }
        }
        var crs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (rng.Chance(0.3))
        {
            // Placement by load: capacities and statistics for the static/dynamic schedulers.
            crs["ha"] = rng.Pick(["static", "dynamic"]);
            if (rng.Chance(0.5)) crs["ha-rebalance-on-start"] = "1";
            if (rng.Chance(0.5)) crs["ha-auto-rebalance"] = "1";
            if (rng.Chance(0.5)) crs["ha-auto-rebalance-method"] = "topsis";
            foreach (var node in nodes)
            {
                input.Hardware[node].MaxCpu = rng.Pick([8, 16, 32, 64]);
                input.Hardware[node].MaxMem = rng.Pick([16, 64, 256]) * 1073741824.0;
            }
            input.StaticServiceStats = configured.ToDictionary(sid => sid,
                _ => new Dictionary<string, double> { ["maxcpu"] = rng.Between(1, 8), ["maxmem"] = rng.Between(1, 16) * 1073741824.0 },
                StringComparer.Ordinal);
            input.DynamicServiceStats = configured.ToDictionary(sid => sid,
                _ => new Dictionary<string, double> { ["cpu"] = rng.Between(0, 8) * 0.5, ["mem"] = rng.Between(0, 8) * 536870912.0 },
                StringComparer.Ordinal);
        }
        input.Datacenter = new DatacenterSettings(rng.Pick(Policies), crs);
        if (rng.Chance(0.4)) input.RulesConfig = RandomRules(rng, nodes, configured);

        var batches = new List<List<string>> { nodes.Select(n => $"power {n} on").ToList() };
        var locked = new HashSet<string>(StringComparer.Ordinal);
        var shuttingDown = new HashSet<string>(StringComparer.Ordinal);
        var restarting = new HashSet<string>(StringComparer.Ordinal);
        int nextSid = 900;
        for (int step = 0; step < options.Steps; step++)
        {
            var batch = new List<string>();
            int events = rng.Chance(0.3) ? 2 : 1;
            for (int e = 0; e < events; e++)
                batch.Add(NextEvent(rng, nodes, configured, used, locked, shuttingDown, restarting, ref nextSid));
            batches.Add(batch);
        }
        // Heal, let every consequence still in flight happen (watchdogs of nodes that lost quorum before
        // the heal fire up to two minutes later), then heal again: afterwards nothing is left broken.
        batches.Add([FuzzCase.HealMarker]);
        batches.Add(["delay 200"]);
        batches.Add([FuzzCase.HealMarker]);
        input.Commands = batches;
        // Drawn last, so the timelines of earlier seeds stay as they were: slow migrations, which keep a
        // job running (and the service where it was) across several LRM rounds.
        if (rng.Chance(0.3))
            input.JobDurations = configured.Where(_ => rng.Chance(0.5))
                .ToDictionary(sid => sid, _ => (long)rng.Pick([5, 15, 30, 60]), StringComparer.Ordinal);
        // Also drawn last: hardware fencing, with fence agents that start failing, hanging or working again.
        if (rng.Chance(0.3)) AddHardwareFencing(rng, input, nodes);
        return new FuzzCase(seed, input);
    }

    private static readonly string[] FenceAgents = ["fence_ipmilan", "fence_apc_snmp", "fence_ilo4"];

    /// <summary>One to three fence levels, each connected to some nodes (two parallel outlets now and then),
    /// mode <c>hardware</c> or <c>both</c>, and agent behaviour changes sprinkled over the fault batches.</summary>
    private static void AddHardwareFencing(FuzzRandom rng, ScenarioInput input, List<string> nodes)
    {
        var text = new System.Text.StringBuilder();
        int levels = rng.Between(1, 3);
        for (int level = 0; level < levels; level++)
        {
            string agent = FenceAgents[level];
            bool parallel = rng.Chance(0.3);
            text.Append($"device dev{level}:1 {agent} ip=10.0.{level}.1\n");
            if (parallel) text.Append($"device dev{level}:2 {agent} ip=10.0.{level}.2\n");
            foreach (var node in nodes.Where(_ => rng.Chance(0.8)))
            {
                text.Append($"connect dev{level}:1 node={node} plug={node}\n");
                if (parallel) text.Append($"connect dev{level}:2 node={node} plug={node}\n");
            }
        }
        input.FenceConfig = text.ToString();
        input.Datacenter = input.Datacenter with { FencingMode = rng.Chance(0.5) ? "hardware" : "both" };
        // Batch 0 powers the nodes on; the last three heal. The fault batches in between get the changes.
        for (int i = 1; i < input.Commands.Count - 3; i++)
            if (rng.Chance(0.25))
                input.Commands[i].Add($"fence-device {FenceAgents[rng.Between(0, levels - 1)]} {rng.Pick(["fail", "hang", "work", "work"])}");
    }

    /// <summary>A few node- and resource-affinity rules over the initial services (infeasible ones are
    /// dropped by the master, which is part of what is exercised).</summary>
    private static string RandomRules(FuzzRandom rng, List<string> nodes, List<string> services)
    {
        var text = new System.Text.StringBuilder();
        int count = rng.Between(1, 3);
        for (int i = 0; i < count && services.Count >= 2; i++)
        {
            var picked = services.Where(_ => rng.Chance(0.4)).Take(3).ToList();
            if (picked.Count == 0) picked.Add(rng.Pick(services));
            if (rng.Chance(0.5))
            {
                var ruleNodes = nodes.Where(_ => rng.Chance(0.5)).Select(n => rng.Chance(0.3) ? $"{n}:{rng.Between(1, 3)}" : n).ToList();
                if (ruleNodes.Count == 0) ruleNodes.Add(rng.Pick(nodes));
                text.Append($"node-affinity: na{i}\n\tnodes {string.Join(",", ruleNodes)}\n\tresources {string.Join(",", picked)}\n");
                if (rng.Chance(0.5)) text.Append("\tstrict 1\n");
            }
            else
            {
                if (picked.Count < 2) picked.Add(services.First(s => !picked.Contains(s)));
                text.Append($"resource-affinity: ra{i}\n\taffinity {(rng.Chance(0.5) ? "positive" : "negative")}\n\tresources {string.Join(",", picked)}\n");
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string NewSid(FuzzRandom rng, int number)
    {
        if (!rng.Chance(0.25)) return (rng.Chance(0.7) ? "vm:" : "ct:") + number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // fa:<a><b><c>[d]: b failed starts, c failed migrations, d≠0 stops never work.
        int a = number % 10, b = rng.Between(0, 2), c = rng.Between(0, 2);
        string d = rng.Chance(0.1) ? "1" : "";
        return $"fa:{number / 10 % 10}{a}{b}{c}{d}";
    }

    private static string NextEvent(FuzzRandom rng, List<string> nodes, List<string> configured, HashSet<string> used, HashSet<string> locked,
        HashSet<string> shuttingDown, HashSet<string> restarting, ref int nextSid)
    {
        string node = rng.Pick(nodes);
        string Service() => configured.Count > 0 ? rng.Pick(configured) : "vm:100";
        int kind = rng.Next(100);
        switch (kind)
        {
            case < 10:
                bool off = rng.Chance(0.5);
                // "power on" for a node that is on only clears its shutdown flag: a reboot in progress would
                // then end in an exit the simulator cannot place. Real nodes cannot be powered on twice.
                if (!off && shuttingDown.Contains(node)) return $"network {node} on";
                shuttingDown.Remove(node);
                // Only a power-off ends a pending LRM restart (it kills the LRM); "on" for a running node does not.
                if (off) restarting.Remove(node);
                return $"power {node} {(off ? "off" : "on")}";
            case < 20: return $"network {node} {(rng.Chance(0.55) ? "off" : "on")}";
            // Restarting an LRM while its node shuts down is a simulator limit ("not implemented"), not an
            // HA case: the generator never overlaps the two on one node until a power command resets it.
            case < 25:
                if (restarting.Contains(node)) return $"network {node} on";
                shuttingDown.Add(node);
                return $"{(rng.Chance(0.5) ? "reboot" : "shutdown")} {node}";
            case < 29:
                if (shuttingDown.Contains(node)) return $"network {node} on";
                restarting.Add(node);
                return $"restart-lrm {node}";
            case < 32: return $"crm {node} stop";
            case < 34: return $"crm {node} start";
            case < 40: return $"cfs {node} {(rng.Chance(0.5) ? "rw" : "update")} {(rng.Chance(0.5) ? "fail" : "work")}";
            case < 50: return configured.Count == 0 ? "delay 0" : $"service {Service()} {rng.Pick(["started", "started", "stopped", "disabled"])}";
            case < 58: return configured.Count == 0 ? "delay 0" : $"service {Service()} migrate {node}";
            case < 63: return configured.Count == 0 ? "delay 0" : $"service {Service()} relocate {node}";
            case < 66: return configured.Count == 0 ? "delay 0" : $"service {Service()} stop {rng.Pick(["0", "30"])}";
            case < 70:
                string sid = NewSid(rng, nextSid++);
                if (!used.Add(sid)) return "delay 0";
                configured.Add(sid);
                return $"service {sid} add {node} {rng.Pick(["started", "started", "stopped"])}";
            case < 73:
                if (configured.Count == 0) return "delay 0";
                string gone = Service();
                configured.Remove(gone);
                locked.Remove(gone);
                return $"service {gone} delete";
            case < 79: return $"crm {node} {(rng.Chance(0.6) ? "enable" : "disable")}-node-maintenance";
            case < 82: return rng.Chance(0.6) ? $"crm {node} disarm-ha {rng.Pick(["freeze", "ignore"])}" : $"crm {node} arm-ha";
            case < 85:
                if (configured.Count == 0) return "delay 0";
                string target = Service();
                if (locked.Add(target)) return $"service {target} lock {rng.Pick(["backup", "snapshot", "create"])}";
                locked.Remove(target);
                return $"service {target} unlock";
            case < 88: return $"skip-round {rng.Pick(["crm", "lrm"])} {rng.Between(1, 2)}";
            default: return $"delay {rng.Pick([20, 60, 120, 200, 300])}";
        }
    }
}

using FsCheck;
using FsCheck.Fluent;
using HaManager.Core.Crm;
using HaManager.Core.Environment;
using HaManager.Core.Lrm;
using HaManager.Core.Model;

namespace HaManager.Core.Tests.Properties;

/// <summary>
/// Goal: nothing the cluster store holds can throw out of a CRM (master) or LRM iteration: a corrupt
/// or hostile manager status, LRM statuses, configuration, rules, groups, CRM commands or datacenter
/// settings are logged and handled, as a daemon on every node must survive them. Method: FsCheck
/// builds random store contents — structurally valid objects with arbitrary values, as a store that
/// parsed hostile files would hand them over — and runs a master and an LRM for a few iterations.
/// </summary>
public class RoundPropertyTests
{
    private static readonly string[] Sids = ["vm:100", "vm:101", "ct:102", "fa:120", "vm:103"];
    private static readonly string[] Nodes = ["node1", "node2", "node3", "nodeX", ""];
    private static readonly string[] Words =
        ["started", "stopped", "disabled", "ignored", "enabled", "migrate", "relocate", "stop", "freeze", "ignore",
         "disarming", "disarmed", "active", "maintenance", "restart", "shutdown", "disarm", "unknown", "bogus", "", "0", "-1",
         "99999999999999999999", "node1", "node2", "vm:100"];

    private static Gen<string> Word => Gen.Elements(Words);
    private static Gen<string?> MaybeWord => Gen.Frequency((1, Gen.Constant<string?>(null)), (3, Word.Select(w => (string?)w)));
    private static Gen<string> Node => Gen.Frequency((4, Gen.Constant("node1")), (4, Gen.Elements(Nodes)));

    private static Gen<ServiceStatusEntry> Entry =>
        from state in Gen.Elements(Enum.GetValues<ServiceState>())
        from node in Node
        from uid in Gen.Elements("u1", "u2", "u3", "")
        from target in MaybeWord
        from timeout in MaybeWord
        from cmd in Gen.Frequency((3, Gen.Constant<QueuedCommand?>(null)),
            (1, Gen.Two(Word).Select(p => (QueuedCommand?)new QueuedCommand(p.Item1, p.Item2))))
        from failed in Gen.Frequency((2, Gen.Constant<List<string>?>(null)), (1, Gen.ListOf(Node).Select(l => (List<string>?)l.ToList())))
        from maintenance in MaybeWord
        from running in Gen.Elements(true, false)
        select new ServiceStatusEntry
        {
            State = state, Node = node, Uid = uid, Target = target, Timeout = timeout, Command = cmd,
            FailedNodes = failed, MaintenanceNode = maintenance, Running = running,
        };

    private static Gen<ServiceConfigEntry> ConfigEntry(string sid) =>
        from node in Node
        from state in Word
        from maxRestart in Gen.Elements(0, 1, 3, -1, int.MaxValue)
        from maxRelocate in Gen.Elements(0, 1, 3, -1, int.MaxValue)
        from failback in Gen.Elements(true, false)
        from groupName in MaybeWord
        select new ServiceConfigEntry
        {
            Node = node, State = state, Type = ServiceId.TypeOf(sid), MaxRestart = maxRestart, MaxRelocate = maxRelocate,
            Failback = failback, Group = groupName,
        };

    private static Gen<LrmStatus> Lrm =>
        from state in MaybeWord
        from mode in MaybeWord
        from results in Gen.ListOf(
            from uid in Gen.Elements("u1", "u2", "u3", "x")
            from sid in Gen.Elements(Sids)
            from word in Word
            from code in Gen.Elements(0, 1, 2, 3, 4, 5, 6, 7, -1, 255, int.MinValue)
            select (uid, new LrmResult(sid, word, code)))
        select new LrmStatus
        {
            State = state, Mode = mode, Timestamp = 1000,
            Results = results.GroupBy(r => r.uid).ToDictionary(g => g.Key, g => g.First().Item2, StringComparer.Ordinal),
        };

    private sealed record World(FakeEnvironment Env, string Text);

    private static Gen<World> Worlds =>
        from sids in Gen.SubListOf(Sids)
        from configs in Gen.CollectToList(sids, ConfigEntry)
        from statusSids in Gen.SubListOf(Sids)
        from entries in Gen.ListOf(Entry, statusSids.Count)
        from nodeStates in Gen.ListOf(Gen.Elements(Enum.GetValues<NodeState>()), 3)
        from online in Gen.ListOf(Gen.Elements(true, false), 3)
        from lrms in Gen.ListOf(Lrm, 3)
        from requests in Gen.Frequency((2, Gen.Constant<SortedDictionary<string, bool>?>(null)),
            (1, Gen.ListOf(Gen.Elements(true, false), 3).Select(b => (SortedDictionary<string, bool>?)new SortedDictionary<string, bool>(
                Enumerable.Range(0, 3).ToDictionary(i => $"node{i + 1}", i => b[i]), StringComparer.Ordinal))))
        from disarm in Gen.Frequency((3, Gen.Constant<DisarmInfo?>(null)),
            (1, Gen.Two(Word).Select(p => (DisarmInfo?)new DisarmInfo(p.Item1, p.Item2))))
        from commands in Gen.ListOf(Gen.Elements("migrate vm:100 node2", "relocate vm:101 nodeX", "stop vm:100 0",
            "stop ct:102 -5", "enable-node-maintenance node2", "disable-node-maintenance node9", "disarm-ha freeze",
            "disarm-ha ignore", "arm-ha", "garbage", "migrate vm:999 node1", "relocate vm:100 node1"))
        from rules in InputGen.For("node-affinity: na1\n\tnodes node1:2,node2\n\tresources vm:100,ct:102\n\tstrict 1\n\n" +
            "resource-affinity: ra1\n\taffinity negative\n\tresources vm:100,vm:101\n", "").Generator
        from groups in Gen.Elements<string?>(null, "group: g1\n\tnodes node1:1,node2\n\trestricted 1\n", "group: g1\n\tnodes nodeX\n")
        from crsMode in Gen.Elements("basic", "static", "dynamic", "topsis", "")
        from policy in MaybeWord
        from threshold in Gen.Elements("0.3", "-1", "NaN", "1e309", "x")
        select Build(sids, configs, statusSids, entries, nodeStates, online, lrms, requests, disarm, commands, rules, groups,
            crsMode, policy, threshold);

    private static World Build(IList<string> sids, IList<ServiceConfigEntry> configs, IList<string> statusSids,
        IList<ServiceStatusEntry> entries, IList<NodeState> nodeStates, IList<bool> online, IList<LrmStatus> lrms,
        SortedDictionary<string, bool>? requests, DisarmInfo? disarm, IList<string> commands, string rules, string? groups,
        string crsMode, string? policy, string threshold)
    {
        var env = new FakeEnvironment("node1");
        for (int i = 0; i < sids.Count; i++) env.Config[sids[i]] = configs[i];
        for (int i = 0; i < statusSids.Count; i++) env.Status.ServiceStatus[statusSids[i]] = entries[i];
        for (int i = 0; i < 3; i++)
        {
            string node = $"node{i + 1}";
            env.Status.NodeStatus[node] = nodeStates[i];
            env.Online[node] = online[i] || i == 0;
            env.LrmStatuses[node] = lrms[i];
        }
        env.Status.NodeRequest = requests;
        env.Status.Disarm = disarm;
        env.Commands = string.Concat(commands.Select(c => c + "\n"));
        env.Rules = rules;
        env.Groups = groups;
        env.Datacenter = new DatacenterSettings(policy, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ha"] = crsMode, ["ha-auto-rebalance"] = "1", ["ha-auto-rebalance-threshold"] = threshold, ["ha-rebalance-on-start"] = "1",
        });
        foreach (var sid in sids.Where((_, i) => i % 2 == 0)) env.Agent.Running.Add(sid);
        return new World(env, $"config [{string.Join(",", sids)}] status [{string.Join(",", statusSids.Select((s, i) => $"{s}={entries[i].State}@{entries[i].Node}"))}] commands [{string.Join(";", commands)}]");
    }

    [Test]
    public void No_store_content_throws_out_of_a_master_or_lrm_iteration()
    {
        int masters = 0, activeLrms = 0, cases = 0;
        Check.One(InputGen.Cases(10_000), Prop.ForAll(Worlds.ToArbitrary(), world =>
        {
            var env = world.Env;
            var crm = new CrmMachine(env.Node);
            var lrm = new LrmMachine(env.Node, new LrmStartupGate());
            bool master = false, active = false;
            for (int round = 0; round < 3; round++)
            {
                crm.DoOneIteration();
                lrm.DoOneIteration();
                master |= crm.State == CrmState.Master;
                active |= lrm.State == LrmState.Active;
                env.Now += 10;
            }
            cases++;
            if (master) masters++;
            if (active) activeLrms++;
            return true;
        }));
        // The property is only worth something if hostile data reaches the rounds it is meant to test.
        Assert.That(masters, Is.GreaterThan(cases / 3), $"{masters} of {cases} cases ran master rounds");
        Assert.That(activeLrms, Is.GreaterThan(cases / 10), $"{activeLrms} of {cases} cases ran active LRM rounds");
    }
}

using FsCheck;
using FsCheck.Fluent;
using HaManager.Core.Formats;
using HaManager.Core.Model;
using HaManager.Core.Rules;
using HaManager.Core.Scheduling;

namespace HaManager.Core.Tests.Properties;

/// <summary>
/// Goal: every parser of data that comes from the cluster store is total — whatever the bytes, it
/// returns (warning about what it ignored) or, where upstream refuses the whole file, throws its one
/// documented exception with a clear message; never anything else. Method: FsCheck, 10,000 cases per
/// parser of arbitrary text, token soup and mutated valid samples (<see cref="InputGen"/>).
/// </summary>
public class ParserPropertyTests
{
    private const string Resources = "vm: 100\n\tstate started\n\tmax_restart 2\n\tcomment a%20b\n\nct: 101\n\tstate disabled\n\tgroup g1\n\tfailback 0\n\tmax_relocate 0\n";
    private const string Rules = "node-affinity: na1\n\tnodes node1:2,node2\n\tresources vm:100,ct:101\n\tstrict 1\n\n" +
        "resource-affinity: ra1\n\taffinity negative\n\tresources vm:100,vm:102\n\tcomment keep apart\n\tdisable\n";
    private const string Groups = "group: g1\n\tnodes node1:1,node2:2\n\trestricted 1\n\tnofailback 0\n\tcomment x\n";
    private const string Datacenter = "keyboard: en-us\nha: shutdown_policy=migrate\ncrs: ha=static,ha-rebalance-on-start=1,ha-auto-rebalance-threshold=0.4\nmax_workers: 4\nfencing: watchdog\n";
    private const string Fence = "device ipmi:1 fence_ipmilan ip=10.0.0.1 username=root\nconnect ipmi:1 node=node1 ipport=623\n" +
        "device pdu fence_apc ip=10.0.0.9\nconnect pdu node=node1 plug=1\nconnect pdu node=node2 plug=2\n";
    private const string ManagerStatus = "{\"master_node\":\"node1\",\"node_status\":{\"node1\":\"online\",\"node2\":\"fence\"}," +
        "\"service_status\":{\"vm:100\":{\"node\":\"node1\",\"state\":\"migrate\",\"target\":\"node2\",\"uid\":\"u1\"," +
        "\"cmd\":[\"stop\",\"0\"],\"failed_nodes\":[\"node3\"],\"running\":1}},\"timestamp\":1700000000," +
        "\"node_request\":{\"node2\":{\"maintenance\":1}},\"disarm\":{\"mode\":\"freeze\",\"state\":\"disarming\"}}";
    private const string LrmStatus = "{\"state\":\"active\",\"mode\":\"active\",\"timestamp\":\"1700000000\"," +
        "\"results\":{\"u1\":{\"sid\":\"vm:100\",\"state\":\"started\",\"exit_code\":0}}}";
    private const string CrmCommands = "migrate vm:100 node2\nstop vm:101 0\ndisarm-ha freeze\narm-ha\nenable-node-maintenance node1\n";

    private static void Holds(Arbitrary<string> input, Func<string, bool> property) =>
        Check.One(InputGen.Cases(), Prop.ForAll(input, property));

    /// <summary>True iff <paramref name="parse"/> returns, or throws exactly <typeparamref name="TAllowed"/>
    /// with a message fit for an operator (no .NET type name, no stack trace).</summary>
    private static bool ReturnsOrRefuses<TAllowed>(Action parse) where TAllowed : Exception
    {
        try { parse(); return true; }
        catch (TAllowed e) { return IsClear(e.Message); }
    }

    private static bool IsClear(string message) =>
        message.Trim().Length > 0 && !message.Contains("System.", StringComparison.Ordinal)
        && !message.Contains("   at ", StringComparison.Ordinal);

    [Test]
    public void Resources_cfg_never_throws_and_its_runtime_view_neither() =>
        Holds(InputGen.For(Resources), text =>
        {
            var file = ResourcesConfig.Parse(text);
            ResourcesConfig.ToRuntime(file, _ => "node1");
            ResourcesConfig.Write(file);
            return file.Warnings.All(IsClear);
        });

    [Test]
    public void Rules_cfg_never_throws_and_compiles() =>
        Holds(InputGen.For(Rules), text =>
        {
            var rules = RulesConfig.Parse(text);
            RuleCompiler.Run(rules, ["node1", "node2", "node3"]);
            RulesConfig.Write(rules);
            return rules.Warnings.All(IsClear);
        });

    [Test]
    public void Groups_cfg_never_throws_and_converts() =>
        Holds(InputGen.For(Groups), text =>
        {
            var (groups, _) = GroupsConfig.Parse(text);
            var rules = RulesConfig.Parse(null);
            GroupConversion.AddGroupRules(rules, groups, new SortedMap<ServiceConfigEntry>(), includeMissingGroups: true);
            return true;
        });

    [Test]
    public void Datacenter_cfg_never_throws_and_its_crs_settings_neither() =>
        Holds(InputGen.For(Datacenter), text =>
        {
            var settings = DatacenterConfig.Parse(text);
            CrsSettings.From(settings);
            return settings.MaxWorkers is null or >= 0;
        });

    [Test]
    public void Fence_cfg_returns_or_refuses_the_whole_file_clearly() =>
        Holds(InputGen.For(Fence), text => ReturnsOrRefuses<FenceConfigException>(() =>
        {
            var config = FenceConfig.Parse(text, "fence.cfg");
            config.GetCommands("node1");
        }));

    [Test]
    public void Manager_status_returns_or_refuses_clearly() =>
        Holds(InputGen.For(ManagerStatus, "{}", ""), text => ReturnsOrRefuses<FormatException>(() =>
            StatusJson.Write(StatusJson.ParseManagerStatus(text))));

    [Test]
    public void Lrm_status_returns_or_refuses_clearly() =>
        Holds(InputGen.For(LrmStatus, "{}", ""), text => ReturnsOrRefuses<FormatException>(() =>
            StatusJson.Write(StatusJson.ParseLrmStatus(text))));

    [Test]
    public void Crm_command_lines_never_throw_and_round_trip() =>
        Holds(InputGen.For(CrmCommands), text => text.Split('\n').All(line =>
            CrmCommand.Parse(line) is not { } command || CrmCommand.Parse(command.Format()) == command));

    [Test]
    public void Node_priority_lists_parse_whenever_they_pass_the_check() =>
        Holds(InputGen.For("node1:2,node2", "node1", "node1:1 node2:2;node3"), text =>
            HaFormats.CheckHaNodeList(text) is not null || HaFormats.ParseHaNodes(text).Count >= 0);
}

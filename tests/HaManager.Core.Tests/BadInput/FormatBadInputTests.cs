using HaManager.Core.Formats;
using HaManager.Core.Model;

namespace HaManager.Core.Tests.BadInput;

/// <summary>
/// Goal: every malformed value in a file the daemons read from the cluster store gives upstream's
/// message, or a clear one naming the file, line and key — and the parser goes on (ignores the line,
/// drops the section) or refuses the whole file with one documented exception. Method: one case per
/// bad input, checked for its message; none may throw anything else or print a .NET type name.
/// </summary>
public class FormatBadInputTests
{
    private static void AssertClear(string message)
    {
        Assert.That(message, Does.Not.Contain("System."), "no .NET type names");
        Assert.That(message, Does.Not.Contain("   at "), "no stack trace");
    }

    [TestCase("vm: 100\n\tmax_restart 99999999999999999999\n", "line 2 (section 'vm:100') - unable to parse value of 'max_restart': value must have a maximum value of 2147483647")]
    [TestCase("vm: 100\n\tmax_restart 2147483648\n", "value must have a maximum value of 2147483647")]
    [TestCase("vm: 100\n\tmax_restart -1\n", "unable to parse value of 'max_restart': value must have a minimum value of 0")]
    [TestCase("vm: 100\n\tmax_relocate -99999999999999999999999\n", "value must have a minimum value of 0")]
    [TestCase("vm: 100\n\tmax_restart abc\n", "type check ('integer') failed - got 'abc'")]
    [TestCase("vm: 100\n\tmax_restart 1.5\n", "type check ('integer') failed - got '1.5'")]
    [TestCase("vm: 100\n\tstate bogus\n", "value 'bogus' does not have a value in the enumeration")]
    [TestCase("vm: 100\n\tfailback 2\n", "type check ('boolean') failed - got '2'")]
    [TestCase("vm: 100\n\tstate started\n\tstate stopped\n", "line 3 (section 'vm:100') - unable to parse value of 'state': duplicate attribute")]
    [TestCase("vm: 100\n\tgroup 1bad\n", "unable to parse value of 'group': invalid format - invalid configuration ID '1bad'")]
    [TestCase("vm: 100\n\tbogus 1\n", "unable to parse value of 'bogus'")]
    [TestCase("vm: abc\n\tstate started\n", "(skip section 'vm:abc'): invalid VMID")]
    [TestCase("vm: 1\n", "(skip section 'vm:1'): invalid VMID")]
    [TestCase("garbage line\n", "line 1 - ignore config line: garbage line")]
    [TestCase("vm: 100\n\tstate\n", "unable to parse value of 'state'")]
    public void Resources_cfg(string text, string expected)
    {
        var file = ResourcesConfig.Parse(text);
        Assert.That(file.Warnings, Has.Some.Contains(expected));
        Assert.That(file.Warnings, Has.All.Contains("file ha/resources.cfg line "));
        file.Warnings.ForEach(AssertClear);
        Assert.DoesNotThrow(() => ResourcesConfig.ToRuntime(file, _ => "node1"));
    }

    [TestCase("ocf: web\n\tstate started\n", "(skip section 'ocf:web'): missing value for required option 'agent'")]
    [TestCase("ocf: web\n\tagent Dummy\n", "value does not look like an OCF agent (provider:type)")]
    [TestCase("ocf: web\n\tagent heartbeat:Dummy\n\tparams state\n", "value does not look like OCF parameters (name=value,name=value)")]
    [TestCase("ocf: web\n\tagent heartbeat:Dummy\n\ttimeout-start 0\n", "value must have a minimum value of 1")]
    [TestCase("ocf: web\n\tagent heartbeat:Dummy\n\ttimeout-stop 86401\n", "value must have a maximum value of 86400")]
    [TestCase("ocf: -web\n\tagent heartbeat:Dummy\n", "(skip section 'ocf:-web'): invalid OCF resource name")]
    [TestCase("service: /etc/passwd\n", "(skip section 'service:/etc/passwd'): invalid unit name")]
    [TestCase("vm: 100\n\tagent heartbeat:Dummy\n", "unable to parse value of 'agent': unexpected property 'agent'")]
    public void Resources_cfg_own_types(string text, string expected) => Resources_cfg(text, expected);

    [Test]
    public void Resources_cfg_ocf_and_service_options_reach_the_runtime_view()
    {
        var file = ResourcesConfig.Parse("ocf: web\n\tagent heartbeat:Dummy\n\tparams state=/tmp/s,fake=1\n\ttimeout-start 30\n\tmax_restart 2\n\n" +
            "service: nginx.service\n\tstate stopped\n\ttimeout-stop 20\n");
        Assert.That(file.Warnings, Is.Empty);
        var runtime = ResourcesConfig.ToRuntime(file, _ => "node1");
        Assert.That(runtime["ocf:web"].Options, Is.EqualTo(new Dictionary<string, string>
        {
            ["agent"] = "heartbeat:Dummy", ["params"] = "state=/tmp/s,fake=1", ["timeout-start"] = "30",
        }));
        Assert.That(runtime["ocf:web"].MaxRestart, Is.EqualTo(2));
        Assert.That(runtime["service:nginx.service"].Options["timeout-stop"], Is.EqualTo("20"));
        Assert.That(runtime["service:nginx.service"].State, Is.EqualTo("stopped"));
    }

    [TestCase("vm: 100\n\tcomment ", 5000, "value may only be 4096 characters long")]
    public void Resources_cfg_overlong_comment(string head, int length, string expected) =>
        Assert.That(ResourcesConfig.Parse(head + new string('x', length) + "\n").Warnings, Has.Some.Contains(expected));

    [TestCase("node-affinity: r1\n\tnodes node1\n", "missing value for required option 'resources'")]
    [TestCase("node-affinity: r1\n\tresources vm:100\n", "missing value for required option 'nodes'")]
    [TestCase("node-affinity: r1\n\tresources vm:100\n\tnodes node1:-1\n", "value does not look like a valid ha node")]
    [TestCase("node-affinity: r1\n\tresources vm:100\n\tnodes node1:99999999999\n", "value does not look like a valid ha node")]
    [TestCase("node-affinity: r1\n\tresources vm100\n\tnodes node1\n", "value does not look like a valid ha resource id")]
    [TestCase("node-affinity: r1\n\tresources vm:100\n\tnodes node1\n\tstrict 5\n", "type check ('boolean') failed - got '5'")]
    [TestCase("resource-affinity: r1\n\tresources vm:100,vm:101\n\taffinity maybe\n", "value 'maybe' does not have a value in the enumeration")]
    [TestCase("foo: r1\n\tresources vm:100\n", "unsupported type 'foo'")]
    [TestCase("node-affinity: 1bad\n\tresources vm:100\n\tnodes node1\n", "invalid configuration ID '1bad'")]
    [TestCase("node-affinity: r1\n\tresources vm:100\n\tnodes node1\n\taffinity positive\n", "unable to parse value of 'affinity'")]
    public void Rules_cfg(string text, string expected)
    {
        var rules = RulesConfig.Parse(text);
        Assert.That(rules.Warnings, Has.Some.Contains(expected));
        Assert.That(rules.Warnings, Has.All.Contains("file ha/rules.cfg line "));
        rules.Warnings.ForEach(AssertClear);
        Assert.DoesNotThrow(() => HaManager.Core.Rules.RuleCompiler.Run(rules, ["node1", "node2"]));
    }

    [TestCase("group: g1\n\trestricted 1\n", "missing value for required option 'nodes'")]
    [TestCase("group: g1\n\tnodes node1\n\trestricted 7\n", "type check ('boolean') failed - got '7'")]
    [TestCase("group: -g\n\tnodes node1\n", "invalid configuration ID '-g'")]
    [TestCase("group: g1\n\tnodes node1:x\n", "value does not look like a valid ha node")]
    [TestCase("group g1\n\tnodes node1\n", "ignore config line: group g1")]
    public void Groups_cfg(string text, string expected)
    {
        Assert.DoesNotThrow(() => GroupsConfig.Parse(text));
        var file = SectionConfig.Parse(text, GroupsConfig.Schema);
        Assert.That(file.Warnings, Has.Some.Contains(expected));
        file.Warnings.ForEach(AssertClear);
    }

    [TestCase("max_workers: -1\n")]
    [TestCase("max_workers: 0\n")]
    [TestCase("max_workers: 99999999999\n")]
    [TestCase("max_workers: many\n")]
    public void Datacenter_cfg_bad_max_workers_keep_the_default(string text) =>
        Assert.That(DatacenterConfig.Parse(text).MaxWorkers, Is.Null);

    [TestCase("crs: ha=static,ha-auto-rebalance-threshold=abc\n", 0.3)]
    [TestCase("crs: ha=static,ha-auto-rebalance-threshold=\n", 0.3)]
    public void Datacenter_cfg_bad_numbers_keep_the_default(string text, double threshold) =>
        Assert.That(HaManager.Core.Scheduling.CrsSettings.From(DatacenterConfig.Parse(text)).Threshold, Is.EqualTo(threshold));

    [TestCase("device bad:99999999999 fence_x ip=1\n", "line 1: invalid device name 'bad:99999999999'")]
    [TestCase("connect pdu node=node1 plug=1\n", "line 1: device 'pdu' must be declared before you can connect to it")]
    [TestCase("device a fence_x ip=1\ndevice a fence_x ip=2\n", "line 2: device 'a:1' already declared")]
    [TestCase("device a fence_x ip=1\nconnect a nodename plug=1\n", "line 2: node=nodename needed to connect device 'a' to node")]
    [TestCase("device a fence_x ip=1\nconnect a:2 node=n1 plug=1\n", "line 2: No parallel device 'a:2' found")]
    [TestCase("device a fence_x ip=1\nconnect a node=n1 plug=1\nconnect a node=n1 plug=2\n", "line 3: node 'n1' already connected to device 'a:1'")]
    public void Fence_cfg_errors_refuse_the_file_listing_every_line(string text, string expected)
    {
        var e = Assert.Throws<FenceConfigException>(() => FenceConfig.Parse(text, "fence.cfg"))!;
        Assert.That(e.Message, Does.Contain("Encountered error(s) on parsing 'fence.cfg':"));
        Assert.That(e.Message, Does.Contain(expected));
        AssertClear(e.Message);
    }

    [Test]
    public void Fence_cfg_ignores_a_garbage_line_with_a_warning() =>
        Assert.That(FenceConfig.Parse("what is this\n", "fence.cfg").Warnings, Is.EqualTo(new[] { "fence.cfg ignore line 1: what is this" }));

    [TestCase("{", "manager_status: not valid JSON")]
    [TestCase("[]", "manager_status: not a JSON object")]
    [TestCase("\"text\"", "manager_status: not a JSON object")]
    [TestCase("{\"node_status\":{\"node1\":\"sleeping\"}}", "manager_status: node_status: unknown node state 'sleeping' for node 'node1'")]
    [TestCase("{\"node_status\":{\"node1\":7}}", "unknown node state '7' for node 'node1'")]
    [TestCase("{\"service_status\":{\"vm:100\":{\"state\":\"dancing\"}}}", "service 'vm:100' has unknown state 'dancing'")]
    [TestCase("{\"service_status\":{\"vm:100\":{}}}", "service 'vm:100' has unknown state ''")]
    [TestCase("{\"a\":1,}", "manager_status: not valid JSON")]
    public void Manager_status(string json, string expected)
    {
        var e = Assert.Throws<FormatException>(() => StatusJson.ParseManagerStatus(json))!;
        Assert.That(e.Message, Does.Contain(expected));
        AssertClear(e.Message);
    }

    [TestCase("{\"timestamp\":1e999}")]
    [TestCase("{\"timestamp\":\"soon\"}")]
    [TestCase("{\"timestamp\":99999999999999999999999999}")]
    public void Manager_status_numbers_of_any_size_read_as_absent(string json) =>
        Assert.That(StatusJson.ParseManagerStatus(json).Timestamp, Is.Null);

    [TestCase("[", "lrm_status: not valid JSON")]
    [TestCase("5", "lrm_status: not a JSON object")]
    public void Lrm_status(string json, string expected)
    {
        var e = Assert.Throws<FormatException>(() => StatusJson.ParseLrmStatus(json))!;
        Assert.That(e.Message, Does.Contain(expected));
        AssertClear(e.Message);
    }

    [TestCase("{\"results\":{\"u\":{\"sid\":\"vm:1\",\"state\":\"started\",\"exit_code\":99999999999}}}")]
    [TestCase("{\"results\":{\"u\":{\"sid\":\"vm:1\",\"state\":\"started\",\"exit_code\":\"x\"}}}")]
    public void Lrm_status_exit_codes_out_of_range_read_as_failed_to_execute(string json) =>
        Assert.That(StatusJson.ParseLrmStatus(json).Results["u"].ExitCode, Is.AnyOf(ExitCodes.Crashed, 0));

    [TestCase("migrate vm:100")]
    [TestCase("stop vm:100")]
    [TestCase("disarm-ha sometimes")]
    [TestCase("enable-node-maintenance")]
    [TestCase("arm-ha please")]
    public void Crm_commands_upstream_rejects_do_not_parse(string line) => Assert.That(CrmCommand.Parse(line), Is.Null);
}

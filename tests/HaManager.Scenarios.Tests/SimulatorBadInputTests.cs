using HaManager.TestSupport;
using HaManager.Simulator;

namespace HaManager.Scenarios.Tests;

/// <summary>
/// Goal: whatever a new user types or feeds it, ha-simulator answers with a clear one-line message and
/// its documented exit code — never a stack trace, never a .NET type name, never a file it was not
/// asked to write. Method: the command line in process, one case per bad input, in a scratch folder
/// whose contents are compared before and after.
/// </summary>
public class SimulatorBadInputTests
{
    private string _dir = "";

    [SetUp]
    public void CreateScratch() => _dir = Directory.CreateTempSubdirectory("hasim-bad-").FullName;

    [TearDown]
    public void RemoveScratch() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var before = Snapshot();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = SimulatorCli.Execute(args, stdout, stderr);
        Assert.That(Snapshot(), Is.EqualTo(before), "nothing written");
        string all = stdout + "\n" + stderr;
        Assert.That(all, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(all, Does.Not.Contain("System."), "no .NET type name");
        Assert.That(all, Does.Not.Contain("Exception"), "no exception name");
        return (code, stdout.ToString(), stderr.ToString());
    }

    private List<string> Snapshot() =>
        Directory.EnumerateFileSystemEntries(_dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    private string Yaml(string name, string text)
    {
        string path = Path.Combine(_dir, name + ".yaml");
        File.WriteAllText(path, text);
        return path;
    }

    private string ScenarioDir(string name, Dictionary<string, string> files)
    {
        string dir = Path.Combine(_dir, name);
        Directory.CreateDirectory(dir);
        foreach (var (file, text) in files) File.WriteAllText(Path.Combine(dir, file), text);
        return dir;
    }

    // ---- The command line.

    [Test]
    public void Fuzz_with_default_sizes_simulates_real_clusters()
    {
        // Regression: absent --nodes/--services once read as 0, so every seed "passed" on an empty cluster.
        var (code, stdout, _) = Run("fuzz", "--seeds", "3", "--quiet");
        Assert.That(code, Is.Zero);
        var m = System.Text.RegularExpressions.Regex.Match(stdout, @"^3 seeds, 0 violations, (\d+) commands simulated$", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.That(m.Success, Is.True, stdout);
        Assert.That(int.Parse(m.Groups[1].Value), Is.GreaterThan(3 * 10), "each seed powers nodes on, adds faults and heals");
    }

    [TestCase(new string[0], "Required command was not provided")]
    [TestCase(new[] { "bogus" }, "Unrecognized command or argument 'bogus'")]
    [TestCase(new[] { "run" }, "Required argument missing for command: 'run'")]
    [TestCase(new[] { "run", "a", "b" }, "Unrecognized command or argument 'b'")]
    [TestCase(new[] { "run", "--bogus", "a" }, "Unrecognized command or argument 'a'")]
    [TestCase(new[] { "test" }, "Required argument missing for command: 'test'")]
    [TestCase(new[] { "rules" }, "Required argument missing for command: 'rules'")]
    [TestCase(new[] { "rules", "a", "b", "c" }, "Unrecognized command or argument 'c'")]
    [TestCase(new[] { "fuzz" }, "Option '--seeds' is required")]
    [TestCase(new[] { "fuzz", "--seeds" }, "Required argument missing for option: '--seeds'")]
    [TestCase(new[] { "fuzz", "--seeds", "0" }, "--seeds needs a whole number from 1 to 10000000, got '0'")]
    [TestCase(new[] { "fuzz", "--seeds", "-5" }, "--seeds needs a whole number")]
    [TestCase(new[] { "fuzz", "--seeds", "ten" }, "--seeds needs a whole number from 1 to 10000000, got 'ten'")]
    [TestCase(new[] { "fuzz", "--seeds=99999999999999999999" }, "--seeds needs a whole number")]
    [TestCase(new[] { "fuzz", "--seeds", "1", "--nodes", "30" }, "--nodes needs a whole number from 1 to 29, got '30'")]
    [TestCase(new[] { "fuzz", "--seeds", "1", "--nodes=0" }, "--nodes needs a whole number from 1 to 29, got '0'")]
    [TestCase(new[] { "fuzz", "--seeds", "1", "--services", "1e3" }, "--services needs a whole number")]
    [TestCase(new[] { "fuzz", "--seeds", "1", "--steps", "0" }, "--steps needs a whole number from 1 to 2000, got '0'")]
    [TestCase(new[] { "fuzz", "--seeds", "1", "--start", "-1" }, "--start needs a whole number")]
    [TestCase(new[] { "fuzz", "--seeds", "2", "--start", "18446744073709551615" }, "runs past the largest seed")]
    [TestCase(new[] { "fuzz", "--seeds", "1", "--bogus", "1" }, "Unrecognized command or argument '--bogus'")]
    [TestCase(new[] { "fuzz", "--seeds", "1", "--out", " " }, "--out needs a directory path")]
    [TestCase(new[] { "fuzz", "--seeds", "1", "extra" }, "Unrecognized command or argument 'extra'")]
    [TestCase(new[] { "help", "bogus" }, "no such command 'bogus'")]
    [TestCase(new[] { "rules", "/nonexistent/rules.cfg", "" }, "the node list is empty")]
    [TestCase(new[] { "rules", "/nonexistent/rules.cfg", "node1,no de" }, "is not a node name")]
    public void Usage_errors_exit_2(string[] args, string expected)
    {
        var (code, _, err) = Run(args);
        Assert.That(code, Is.EqualTo(ExitCode.Usage), err);
        Assert.That(err, Does.Contain(expected));
    }

    [TestCase("help")]
    [TestCase("--help")]
    [TestCase("-h")]
    [TestCase("help fuzz")]
    [TestCase("run --help")]
    public void Help_goes_to_stdout_with_exit_0(string args)
    {
        var (code, stdout, err) = Run(args.Split(' '));
        Assert.That(code, Is.EqualTo(ExitCode.Ok), err);
        Assert.That(stdout, Does.Contain("Usage:"));
        Assert.That(err, Is.Empty);
    }

    // ---- Inputs that cannot be loaded.

    [TestCase("commands:\n  - [power node1 on]\nbogus: 1\n", "line 3, column 1: unknown key 'bogus' (known keys:")]
    [TestCase("nodes:\n  node1: { maxcpu: abc }\ncommands: []\n", "line 2, column 20: 'abc' is not a valid number for key 'maxcpu'")]
    [TestCase("nodes:\n  node1: { bogus: 1 }\ncommands: []\n", "unknown key 'bogus' here")]
    [TestCase("nodes: [\ncommands: []\n", "line 1")]
    [TestCase("commands: 5\n", "'5' does not have the right shape for key 'commands'")]
    [TestCase("services:\n  vm:101: { node: node1 }\n", "'commands' is required")]
    [TestCase("services:\n  vm:101: { node: node9 }\ncommands: []\n", "service 'vm:101' is on node 'node9', which the scenario does not declare")]
    [TestCase("services:\n  vm:101: { state: started }\ncommands: []\n", "service 'vm:101' without assigned node!")]
    [TestCase("services:\n  web: { node: node1 }\ncommands: []\n", "unsupported service id 'web'")]
    [TestCase("job_durations:\n  vm:101: -5\ncommands: []\n", "a job duration is a whole number of seconds from 0 to 3600")]
    [TestCase("job_durations:\n  vm:101: 99999999999999999999999\ncommands: []\n", "is not a valid number for key 'vm:101'")]
    [TestCase("running:\n  node7: [vm:101]\ncommands: []\n", "services are running on node 'node7', which the scenario does not declare")]
    [TestCase("manager_status: '{'\ncommands: []\n", "manager_status: not valid JSON")]
    [TestCase("manager_status: '{\"node_status\":{\"node1\":\"zzz\"}}'\ncommands: []\n", "unknown node state 'zzz'")]
    [TestCase("\t- broken\n", "line 1")]
    public void Bad_yaml_scenarios_exit_3(string yaml, string expected)
    {
        var (code, _, err) = Run("run", Yaml("bad", yaml));
        Assert.That(code, Is.EqualTo(ExitCode.BadInput), err);
        Assert.That(err, Does.Contain(expected));
    }

    public static IEnumerable<TestCaseData> BadDirectories()
    {
        yield return new TestCaseData(new Dictionary<string, string>(), "missing file").SetName("Dir_without_cmdlist");
        yield return new TestCaseData(new Dictionary<string, string> { ["cmdlist"] = "[[" }, "cmdlist:").SetName("Dir_cmdlist_not_json");
        yield return new TestCaseData(new Dictionary<string, string> { ["cmdlist"] = "{}" }, "cmdlist:").SetName("Dir_cmdlist_not_a_list");
        yield return new TestCaseData(new Dictionary<string, string> { ["cmdlist"] = "[]", ["hardware_status"] = "{" }, "hardware_status:").SetName("Dir_hardware_not_json");
        yield return new TestCaseData(new Dictionary<string, string> { ["cmdlist"] = "[]", ["service_config"] = "[1]" }, "service_config:").SetName("Dir_services_not_an_object");
        yield return new TestCaseData(new Dictionary<string, string> { ["cmdlist"] = "[]", ["datacenter.cfg"] = "ha: x" }, "datacenter.cfg:").SetName("Dir_datacenter_not_json");
        yield return new TestCaseData(new Dictionary<string, string> { ["cmdlist"] = "[]", ["job_durations"] = "{\"vm:101\":\"slow\"}" }, "job_durations:").SetName("Dir_job_duration_not_a_number");
        yield return new TestCaseData(new Dictionary<string, string> { ["cmdlist"] = "[]", ["static_service_stats"] = "{" }, "static_service_stats:").SetName("Dir_stats_not_json");
        yield return new TestCaseData(new Dictionary<string, string> { ["cmdlist"] = "[]", ["hardware_status"] = "{\"node1\":{\"power\":\"off\",\"network\":\"off\"}}", ["service_config"] = "{\"vm:101\":{\"node\":\"node2\"}}" }, "does not declare").SetName("Dir_service_on_undeclared_node");
    }

    [TestCaseSource(nameof(BadDirectories))]
    public void Bad_scenario_directories_exit_3(Dictionary<string, string> files, string expected)
    {
        var (code, _, err) = Run("run", ScenarioDir("bad", files));
        Assert.That(code, Is.EqualTo(ExitCode.BadInput), err);
        Assert.That(err, Does.Contain(expected));
    }

    [Test]
    public void A_missing_scenario_exits_3() =>
        Assert.That(Run("run", Path.Combine(_dir, "nope.yaml")) is var (code, _, err) && code == ExitCode.BadInput && err.Contains("no such scenario"));

    [Test]
    public void A_missing_rules_file_exits_3()
    {
        var (code, _, err) = Run("rules", Path.Combine(_dir, "nope.cfg"));
        Assert.That(code, Is.EqualTo(ExitCode.BadInput));
        Assert.That(err, Does.Contain("no such file"));
    }

    [Test]
    public void A_directory_with_upstreams_defaults_is_announced()
    {
        var (code, _, err) = Run("run", ScenarioDir("defaults", new() { ["cmdlist"] = "[]" }));
        Assert.That(code, Is.EqualTo(ExitCode.Ok), err);
        Assert.That(err, Does.Contain("warning: defaults: no service_config: using upstream's default services"));
        Assert.That(err, Does.Contain("warning: defaults: no hardware_status"));
    }

    // ---- Commands that fail while the simulation runs: the log records the error, run exits 1.

    [TestCase("delay 99999999999999999999", "delay '99999999999999999999' is out of range")]
    [TestCase("skip-round crm 0", "skip-round count '0' is out of range")]
    [TestCase("skip-round lrm 99999999999", "skip-round count '99999999999' is out of range")]
    [TestCase("service vm:101 stop abc", "timeout 'abc' for 'stop' command is not a whole number")]
    [TestCase("service vm:101 stop -1", "timeout '-1' for 'stop' command is not a whole number")]
    [TestCase("service vm:101 set-static-stats maxcpu -1", "'-1' is not a valid value for 'set-static-stats maxcpu'")]
    [TestCase("service vm:101 set-dynamic-stats mem NaN", "'NaN' is not a valid value for 'set-dynamic-stats mem'")]
    [TestCase("service vm:101 set-static-stats maxmem 1e308", "'1e308' is not a valid value for 'set-static-stats maxmem'")]
    [TestCase("service vm:101 set-static-stats cores 4", "unknown target stat 'cores'")]
    [TestCase("service vm:999 started", "no such service 'vm:999'")]
    [TestCase("service vm:101 dance", "unknown service action 'dance'")]
    [TestCase("crm node1 disarm-ha sometimes", "unknown resource mode 'sometimes'")]
    [TestCase("power node9 on", "no such node 'node9'")]
    [TestCase("reboot", "no node or service for command specified")]
    [TestCase("service web started", "value does not look like a valid ha resource id")]
    public void Commands_that_fail_end_the_run_with_exit_1_and_the_log(string command, string expected)
    {
        string path = Yaml("cmd", $"services:\n  vm:101: {{ node: node1, state: started }}\ncommands:\n  - [power node1 on]\n  - [\"{command}\"]\n");
        var (code, stdout, err) = Run("run", path);
        Assert.That(code, Is.EqualTo(ExitCode.Failed), err);
        Assert.That(stdout, Does.Contain("hardware: starting simulation"), "the log is printed");
        Assert.That(stdout, Does.Contain(expected));
        Assert.That(err, Does.Contain("the simulation ended in an error"));
    }

    [Test]
    public void Test_reports_a_bad_scenario_as_fail_and_goes_on()
    {
        string bad = Yaml("bad", "commands: 5\n");
        string good = Path.Combine(RepoPaths.OwnScenarios, "migrate.yaml");
        var (code, stdout, _) = Run("test", bad, good);
        Assert.That(code, Is.EqualTo(ExitCode.Failed));
        Assert.That(stdout, Does.Contain("FAIL bad.yaml: cannot load:"));
        Assert.That(stdout, Does.Contain("PASS migrate.yaml"));
        Assert.That(stdout, Does.Contain("1 passed, 1 failed"));
    }
}

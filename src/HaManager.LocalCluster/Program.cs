using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using HaManager.LocalCluster;

// ha-local-cluster. Exit codes: 0 ok; 1 the demo did not recover every service or saw an overlap, a campaign or a check found a violation; 2 usage or an unreadable folder.
var dirOption = new Option<string>("--dir") { Description = "The cluster directory (default ./ha-local-cluster).", DefaultValueFactory = _ => "ha-local-cluster" };
var nodesOption = new Option<int>("--nodes") { Description = "How many nodes (2 to 9, default 3).", DefaultValueFactory = _ => 3 };
nodesOption.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 2 or > 9) r.AddError("--nodes must be from 2 to 9"); });
var scaleOption = new Option<double>("--time-scale") { Description = "Every HA timeout divided by this (1 to 100).", DefaultValueFactory = _ => 1 };
scaleOption.Validators.Add(r => { if (r.GetValueOrDefault<double>() is < 1 or > 100) r.AddError("--time-scale must be from 1 to 100"); });
var storeOption = new Option<string>("--store") { Description = "Where the cluster keeps its data: directory (default) or etcd (a 3-member etcd on loopback, started here; needs Debian's etcd-server).", DefaultValueFactory = _ => "directory" };
storeOption.AcceptOnlyFromAmong("directory", "etcd");
int EtcdMembers(ParseResult p) => p.GetValue(storeOption) == "etcd" ? 3 : 0;
var nodeArgument = new Argument<string>("node") { Description = "A node name (node1, node2, …)." };

var root = new Command("ha-local-cluster", "A cluster of real HaManager node processes on this machine.") { new HelpOption() };

var fencingOption = new Option<string>("--fencing")
{
    Description = "watchdog (default): nodes fence themselves; hardware: the master also powers failed nodes off through fence_hamanager_local.",
    DefaultValueFactory = _ => "watchdog",
};
fencingOption.AcceptOnlyFromAmong("watchdog", "hardware");
var up = new Command("up", "Start the nodes and supervise them in the foreground (Ctrl-C, SIGTERM or 'down' stops).") { dirOption, nodesOption, scaleOption, storeOption, fencingOption };
up.SetAction(p =>
{
    string dir = Path.GetFullPath(p.GetValue(dirOption)!);
    var timing = ClusterTiming.For(p.GetValue(scaleOption)) with { Etcd = EtcdMembers(p) > 0 };
    using var supervisor = new Supervisor(dir, Enumerable.Range(1, p.GetValue(nodesOption)).Select(i => $"node{i}").ToList(), timing,
        line => Console.WriteLine($"{DateTime.Now:HH:mm:ss} {line}"), EtcdMembers(p));
    using var stop = new CancellationTokenSource();
    using var signals = Signals.StopOn(stop.Cancel);
    if (p.GetValue(fencingOption) == "hardware") supervisor.EnableHardwareFencing();
    supervisor.BootAll();
    Console.WriteLine($"up: {supervisor.Nodes.Count} nodes in {dir}; 'ha-local-cluster status|crash|cut|heal|pause|resume|down --dir {dir}' from another shell");
    Console.WriteLine($"up: for ha-manager: export HAMANAGER_STORE={supervisor.StoreAddress} HAMANAGER_NODE=node1 "
        + $"HAMANAGER_TIME_SCALE={timing.Scale.ToString(CultureInfo.InvariantCulture)}");
    while (!stop.IsCancellationRequested && !supervisor.StopRequested)
    {
        supervisor.Tick();
        Thread.Sleep(100);
    }
    supervisor.Down();
    Console.WriteLine("down");
    return 0;
});

Command Control(string name, string description, bool withNode)
{
    var command = new Command(name, description) { dirOption };
    if (withNode) command.Arguments.Add(nodeArgument);
    command.SetAction(p =>
    {
        var layout = new ClusterLayout(Path.GetFullPath(p.GetValue(dirOption)!));
        if (!File.Exists(layout.State))
        {
            Console.Error.WriteLine($"ha-local-cluster: no cluster is up in {layout.Root}");
            return 2;
        }
        string node = withNode ? p.GetValue(nodeArgument)! : "";
        File.WriteAllText(Path.Combine(layout.Control, withNode ? $"{name}-{node}" : name), "");
        Console.WriteLine(withNode ? $"{name} {node}: sent" : $"{name}: sent");
        return 0;
    });
    return command;
}

var status = new Command("status", "Show the nodes and the services.") { dirOption };
status.SetAction(p =>
{
    var layout = new ClusterLayout(Path.GetFullPath(p.GetValue(dirOption)!));
    if (!File.Exists(layout.State))
    {
        Console.Error.WriteLine($"ha-local-cluster: no cluster is up in {layout.Root}");
        return 2;
    }
    Console.WriteLine(File.ReadAllText(layout.State));
    using (var store = Supervisor.OpenStore(layout, "node1")) Console.WriteLine("manager: " + Demo.ManagerView(store));
    Console.WriteLine("running (agents' records): " + string.Join(", ",
        Records.Running(Records.Read(layout.Record)).Select(kv => $"ocf:{kv.Key} on {kv.Value}")));
    return 0;
});

var keepOption = new Option<bool>("--keep") { Description = "Keep the cluster directory (logs) afterwards." };
var demoDir = new Option<string?>("--dir") { Description = "The cluster directory (default: a new temporary one, removed afterwards)." };
var demoScale = new Option<double>("--time-scale") { Description = "Every HA timeout divided by this (default 10: about a minute).", DefaultValueFactory = _ => 10 };
demoScale.Validators.Add(r => { if (r.GetValueOrDefault<double>() is < 1 or > 100) r.AddError("--time-scale must be from 1 to 100"); });
var demo = new Command("demo", "Three nodes, three services, crash the node running two of them, watch them recover.")
    { demoDir, nodesOption, demoScale, keepOption, storeOption };
demo.SetAction(p => Demo.Run(p.GetValue(demoDir) is { } d ? Path.GetFullPath(d) : null, p.GetValue(nodesOption), p.GetValue(demoScale),
    p.GetValue(keepOption), Console.Out, EtcdMembers(p)));

var runsOption = new Option<int>("--runs") { Description = "Runs (default 1); run r uses seed S + r.", DefaultValueFactory = _ => 1 };
var seedOption = new Option<ulong>("--seed") { Description = "The first run's seed (default 1).", DefaultValueFactory = _ => 1 };
var stepsOption = new Option<int>("--steps") { Description = "Faults per run (default 10).", DefaultValueFactory = _ => 10 };
var servicesOption = new Option<int>("--services") { Description = "Demo services per cluster (default 3).", DefaultValueFactory = _ => 3 };
var chaosScale = new Option<double>("--time-scale") { Description = "Every HA timeout divided by this (default 10).", DefaultValueFactory = _ => 10 };
var faultsOption = new Option<string>("--faults")
{
    Description = $"Comma-separated fault kinds to draw from (default all: {string.Join(",", Chaos.AllFaults)}).",
    DefaultValueFactory = _ => string.Join(",", Chaos.AllFaults),
};
var breakOption = new Option<bool>("--break-fencing") { Description = "Break the masters' fencing on purpose: the checker must report violations." };
var dryRunOption = new Option<bool>("--dry-run") { Description = "Print each run's fault schedule and run nothing." };
var keepDirOption = new Option<string>("--keep-dir") { Description = "Where violating runs are kept (default ./chaos-failures).", DefaultValueFactory = _ => "chaos-failures" };
runsOption.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 10000) r.AddError("--runs must be from 1 to 10000"); });
stepsOption.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 1000) r.AddError("--steps must be from 1 to 1000"); });
servicesOption.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 50) r.AddError("--services must be from 1 to 50"); });
chaosScale.Validators.Add(r => { if (r.GetValueOrDefault<double>() is < 1 or > 100) r.AddError("--time-scale must be from 1 to 100"); });
faultsOption.Validators.Add(r =>
{
    var unknown = (r.GetValueOrDefault<string>() ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Except(Chaos.AllFaults).ToList();
    if (unknown.Count > 0) r.AddError($"unknown fault(s) {string.Join(", ", unknown)} (known: {string.Join(", ", Chaos.AllFaults)})");
});
var chaos = new Command("chaos", "Seeded fault campaigns on fresh local clusters, checked from the agents' own records; "
    + "last line: 'chaos: R runs, V violations, F faults injected'.")
    { runsOption, seedOption, stepsOption, storeOption, nodesOption, servicesOption, chaosScale, faultsOption, breakOption, keepDirOption, dryRunOption };
chaos.SetAction(p =>
{
    var faults = p.GetValue(faultsOption)!.Split(',', StringSplitOptions.RemoveEmptyEntries);
    var options = new ChaosOptions(p.GetValue(runsOption), p.GetValue(seedOption), p.GetValue(stepsOption), EtcdMembers(p),
        p.GetValue(nodesOption), p.GetValue(servicesOption), p.GetValue(chaosScale), faults.Length > 0 ? faults : Chaos.AllFaults,
        p.GetValue(breakOption), Path.GetFullPath(p.GetValue(keepDirOption)!));
    if (p.GetValue(dryRunOption))
    {
        for (int r = 0; r < options.Runs; r++)
            foreach (var (step, i) in Chaos.Schedule(options, options.Seed + (ulong)r).Select((s, i) => (s, i)))
                Console.WriteLine($"seed {options.Seed + (ulong)r} step {i + 1}: {step.Fault} {step.Victim} (service s{step.Sid[1..]}, "
                    + $"target {step.Target}), then {step.WaitLockLifetimes:0.0} lock lifetimes");
        return 0;
    }
    var result = Chaos.Run(options, Console.Out);
    return result.Violations == 0 ? 0 : 1;
});

var checkDir = new Argument<string>("dir") { Description = "A kept run's folder (chaos-failures/chaos-seed-S) or a cluster directory." };
var check = new Command("check", "Check a cluster folder's records again: no two copies of a service at once, every start by an armed LRM "
    + "(exit 0 clean, 1 violation).") { checkDir, chaosScale };
check.SetAction(p =>
{
    string dir = Path.GetFullPath(p.GetValue(checkDir)!);
    try
    {
        string? violation = Chaos.Recheck(dir, p.GetValue(chaosScale));
        Console.WriteLine(violation is null ? $"check: {dir}: no violation" : $"check: {dir}: VIOLATION {violation}");
        return violation is null ? 0 : 1;
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
    {
        Console.Error.WriteLine($"ha-local-cluster: {e.Message}");
        return 2;
    }
});

root.Subcommands.Add(up);
root.Subcommands.Add(chaos);
root.Subcommands.Add(check);
root.Subcommands.Add(status);
root.Subcommands.Add(Control("crash", "Power-cut a node now; it boots again later.", true));
root.Subcommands.Add(Control("cut", "Cut a node's network: it loses quorum and fences itself.", true));
root.Subcommands.Add(Control("heal", "Restore a node's network.", true));
root.Subcommands.Add(Control("pause", "Freeze a whole node, as a paused VM (its watchdog timer freezes too).", true));
root.Subcommands.Add(Control("resume", "Let a paused node run on from where it stopped.", true));
root.Subcommands.Add(Control("down", "Stop every node and the supervisor.", false));
root.Subcommands.Add(demo);

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var e in parsed.Errors) Console.Error.WriteLine($"ha-local-cluster: {e.Message}");
    return 2;
}
return parsed.Invoke();

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using HaManager.Benchmarks;
using HaManager.Core.Lrm;
using HaManager.Core.Master;
using HaManager.Core.Model;
using HaManager.Core.Scheduling;
using HaManager.Simulator;

// Usage: dotnet run -c Release --project tests/HaManager.Benchmarks -- [--quick] [--only <word>] [--bdn]
//   --quick  fewer iterations (the whole run stays under 3 minutes on 2 cores)
//   --only   run only the sections whose name contains the word (manager, lrm, crs, replay, config, fuzz, cli, watchdog;
//            cluster, failover, etcd — real processes, minutes — run only when named)
//   --bdn    run the BenchmarkDotNet micro-benchmarks instead (slow, statistically rigorous)
if (args.Contains("--bdn"))
{
    BenchmarkDotNet.Running.BenchmarkRunner.Run<MicroBenchmarks>(args: args.Where(a => a != "--bdn").ToArray());
    return 0;
}
bool quick = args.Contains("--quick");
int onlyAt = Array.IndexOf(args, "--only");
string? only = onlyAt >= 0 && onlyAt + 1 < args.Length ? args[onlyAt + 1] : null;
bool Run(string section) => only is null || section.Contains(only, StringComparison.OrdinalIgnoreCase);
int Iterations(int full, int fast) => quick ? fast : full;

var figures = new List<Figure>();
void Report(Figure f)
{
    figures.Add(f);
    Console.Error.WriteLine($"  {f.Benchmark} [{f.Size}]: {Harness.FormatMs(f.MedianMs)} ms, {Harness.FormatBytes(f.AllocatedBytes)}");
}

int[] nodeCounts = [3, 16, 64];
int[] serviceCounts = [100, 1000, 10000];

if (Run("manager"))
{
    foreach (int nodes in nodeCounts)
        foreach (int services in serviceCounts)
        {
            var sim = new Simulation(Fixtures.Cluster(nodes, services));
            var manager = new BenchMaster(sim);
            manager.Round();
            Report(Harness.Measure("manager round, steady state", $"{nodes} nodes × {services}",
                () => manager, m => m.Round(), Iterations(20, services >= 10000 ? 5 : 10)));
        }
    foreach (int nodes in nodeCounts)
        foreach (int services in serviceCounts)
        {
            var input = Fixtures.Cluster(nodes, services, failedNode: nodes - 1);
            Report(Harness.Measure("manager round after a node failure", $"{nodes} nodes × {services}",
                () => new BenchMaster(new Simulation(input)), m => m.Round(),
                Iterations(10, services >= 10000 ? 3 : 5)));
        }
}

if (Run("lrm"))
{
    var sim = new Simulation(Fixtures.Cluster(1, 1000));
    var node = sim.Cluster.Nodes[0];
    var lrm = new LrmMachine(node.LrmEnv.CreateNode(new SimJobRunner(node.LrmEnv)), new LrmStartupGate());
    // One second per iteration, as the simulator's main loop would move the clock (without its
    // 300 s check: the first round starts all 1000 services at once).
    void Tick()
    {
        sim.Cluster.Time += 1;
        node.LrmEnv.ForceTimeUpdate();
    }
    Tick();
    lrm.DoOneIteration();
    Tick();
    lrm.DoOneIteration();
    int round = 0;
    Report(Harness.Measure("LRM round, every service re-checked", "1 node × 1000", () =>
    {
        // What a master does every round: a fresh request (uid) for each started service.
        var status = sim.Cluster.ReadManagerStatus();
        round++;
        foreach (var (sid, sd) in status.ServiceStatus) sd.Uid = $"r{round}-{sid}";
        sim.Cluster.WriteManagerStatus(status);
        Tick();
        return lrm;
    }, l => l.DoOneIteration(), Iterations(30, 10)));
}

if (Run("crs"))
{
    foreach (string mode in new[] { "static", "dynamic" })
    {
        var sim = new Simulation(Fixtures.Cluster(64, 10000, crs: mode));
        var env = sim.Cluster.Nodes[0].CrmEnv;
        var status = env.ReadManagerStatus().ServiceStatus;
        var online = status.Values.Select(s => s.Node).Distinct().Order(StringComparer.Ordinal).ToList();
        var usage = UsageBuilder.Build(mode, online, status, env.GetServiceStats(),
            dynamic => dynamic ? env.GetDynamicNodeStats() : env.GetStaticNodeStats(), env.Write);
        var recovering = new ServiceStatusEntry { State = ServiceState.Recovery, Node = "node1", Uid = "x" };
        Report(Harness.Measure($"node selection (best score), {mode}", "64 nodes × 10000",
            () => usage, u => NodeSelection.Select(Fixtures.Sid(0), recovering, true, SelectionPreference.BestScore, u,
                NoPlacementRules.Instance, status), Iterations(50, 20)));
        foreach (string method in new[] { "bruteforce", "topsis" })
            Report(Harness.Measure($"auto-rebalance pass, {mode} {method}", "64 nodes × 10000", () => usage, u =>
            {
                var candidates = Rebalancing.Candidates(status, NoPlacementRules.Instance, u);
                u.BestBalancingMigration(candidates, method);
            }, Iterations(5, 2)));
    }
}

if (Run("config"))
{
    string text = Fixtures.ResourcesCfg(10000);
    Report(Harness.Measure("resources.cfg parse", "10000 services", () => text, t => ResourcesConfigBench.Parse(t), Iterations(20, 5)));
    var parsed = ResourcesConfigBench.Parse(text);
    Report(Harness.Measure("resources.cfg write", "10000 services", () => parsed, p => ResourcesConfigBench.Write(p), Iterations(20, 5)));
}

if (Run("replay"))
{
    string conformance = Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "conformance", "pve-ha-manager"));
    if (Directory.Exists(conformance))
    {
        var dirs = Directory.GetDirectories(conformance, "test-*").Order(StringComparer.Ordinal).ToList();
        Report(Harness.Measure("simulator: replay every upstream scenario", $"{dirs.Count} scenarios", () => dirs, ds =>
        {
            foreach (var d in ds) Simulation.Run(ScenarioDirectory.Load(d));
        }, Iterations(3, 1), warmup: quick ? 0 : 1));
    }
    var failover = Fixtures.FailoverReplay(25, 3000);
    Report(Harness.Measure("simulator: 25-node failover replay, in process", "25 nodes × 3000", () => failover,
        f =>
        {
            // A figure for a run that ended early would flatter: the replay must reach its normal end.
            string log = Simulation.Run(f);
            if (!log.EndsWith("exit simulation - done\n", StringComparison.Ordinal))
                throw new InvalidOperationException("the failover replay did not end normally: " + log.TrimEnd().Split('\n')[^1]);
        }, Iterations(3, 1), warmup: 0));
    string dir = Fixtures.WriteScenarioDirectory(failover);
    string dll = typeof(HaManager.Simulator.SimulatorCli).Assembly.Location;
    Report(Harness.Measure("simulator: 25-node failover replay, whole process", "25 nodes × 3000", () => dir, d =>
    {
        var psi = new ProcessStartInfo("dotnet", $"\"{dll}\" run \"{d}\"") { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
    }, Iterations(3, 1), warmup: 0) with { Note = "wall time of `ha-simulator run` incl. start-up" });
}

if (Run("cli"))
    foreach (var f in CliBench.Run(Iterations(9, 5))) Report(f);

if (Run("watchdog"))
    foreach (var figure in WatchdogMuxBench.Run(RepoRoot(), quick ? 10 : 60)) Report(figure);

if (Run("fuzz"))
{
    int seeds = quick ? 1000 : 5000;
    var fuzzer = new HaManager.Simulator.Fuzzing.Fuzzer(new HaManager.Simulator.Fuzzing.FuzzOptions());
    var figure = Harness.Measure("fuzzer: seeds (generate, simulate, check)", $"{seeds} seeds", () => fuzzer, f =>
    {
        for (ulong seed = 1; seed <= (ulong)seeds; seed++) f.RunSeed(seed);
    }, 1, warmup: 0);
    Report(figure with { Note = $"{seeds / (figure.MedianMs / 1000):0} seeds/s" });
}

if (only is not null && "cluster".Contains(only, StringComparison.OrdinalIgnoreCase))
    foreach (var figure in ClusterBench.Run(quick)) Report(figure);

if (only is not null && "etcd".Contains(only, StringComparison.OrdinalIgnoreCase))
    foreach (var figure in EtcdScaleBench.Run(quick)) Report(figure);

if (only is not null && "failover".Contains(only, StringComparison.OrdinalIgnoreCase))
    foreach (var figure in FailoverBench.Run(quick)) Report(figure);

// Chaos campaigns on real processes: how many faults a minute a campaign injects, checks included.
if (only is not null && "chaos".Contains(only, StringComparison.OrdinalIgnoreCase))
    foreach (int etcd in new[] { 0, 3 })
    {
        var clock = Stopwatch.StartNew();
        var result = HaManager.LocalCluster.Chaos.Run(new HaManager.LocalCluster.ChaosOptions(quick ? 1 : 3, 1, 10, etcd, 3, 3, 10,
            HaManager.LocalCluster.Chaos.AllFaults, false, Path.Combine(Path.GetTempPath(), "hamanager-chaos-bench")), TextWriter.Null);
        double perFault = clock.Elapsed.TotalMilliseconds / Math.Max(1, result.Faults);
        Report(new Figure($"chaos campaign, {(etcd > 0 ? "etcd" : "directory store")}, time scale 10, whole runs", $"{result.Runs} runs × 10 faults",
            perFault, 0, $"{60000 / perFault:0.0} faults per minute, {result.Violations} violations"));
    }

Console.WriteLine($"Machine: {MachineDescription()}; .NET {Environment.Version}; {(quick ? "--quick" : "full")} run");
Console.WriteLine();
Console.WriteLine("| benchmark | size | median | allocated per op |");
Console.WriteLine("|---|---|---:|---:|");
foreach (var f in figures)
    Console.WriteLine($"| {f.Benchmark}{(f.Note.Length > 0 ? $" ({f.Note})" : "")} | {f.Size} | {Harness.FormatMs(f.MedianMs)} ms | {Harness.FormatBytes(f.AllocatedBytes)} |");
return 0;

static string RepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "HaManager.sln"))) return dir.FullName;
    return Directory.GetCurrentDirectory();
}

static string MachineDescription()
{
    string cpu = "unknown CPU";
    try
    {
        cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
            ?.Split(':', 2)[1].Trim() ?? cpu;
    }
    catch (IOException) { }
    return $"{cpu}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}";
}

/// <summary>Keeps the format calls in one place for the config benchmarks.</summary>
internal static class ResourcesConfigBench
{
    public static HaManager.Core.Formats.SectionConfigFile Parse(string text) => HaManager.Core.Formats.ResourcesConfig.Parse(text);
    public static string Write(HaManager.Core.Formats.SectionConfigFile file) => HaManager.Core.Formats.ResourcesConfig.Write(file);
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HaManager.Core.Environment;

namespace HaManager.Simulator.Fuzzing;

/// <summary>The outcome of one seed.</summary>
/// <param name="Case">The case that ran (after shrinking, if it failed).</param>
/// <param name="Violation">The first violation, or null.</param>
/// <param name="Log">The run's log.</param>
/// <param name="ExecutedBatches">The batches as executed (heal expanded): the repro's cmdlist.</param>
public sealed record FuzzResult(FuzzCase Case, Violation? Violation, string Log, IReadOnlyList<List<string>> ExecutedBatches);

/// <summary>
/// Seeded fault simulation: generates a case per seed, replays it in the simulator under the
/// <see cref="InvariantChecker"/>, shrinks a failing timeline and writes it as an upstream-format scenario
/// directory. The same seed gives the same log on every machine.
/// </summary>
public sealed class Fuzzer(FuzzOptions options, Func<HaNode, HaNode>? decorate = null)
{
    /// <summary>Upper bound of replays spent shrinking one failure.</summary>
    public int ShrinkBudget { get; init; } = 150;

    /// <summary>Runs one case.</summary>
    public FuzzResult Run(FuzzCase fuzzCase)
    {
        var checker = new InvariantChecker();
        var sim = new Simulation(fuzzCase.Input, new SimulationOptions
        {
            Observer = checker, DecorateNode = decorate, MaxSimulatedSeconds = MaxSimulatedSeconds(fuzzCase.Input),
        });
        sim.Run();
        checker.CheckLiveness(sim);
        return new FuzzResult(fuzzCase, checker.Violation, sim.LogText, sim.ExecutedBatches);
    }

    /// <summary>Generates and runs one seed (no shrinking).</summary>
    public FuzzResult RunSeed(ulong seed) => Run(TimelineGenerator.Generate(seed, options));

    /// <summary>Removes batches, then single commands, while the same invariant still breaks.</summary>
    public FuzzResult Shrink(FuzzResult failing)
    {
        // The same failure: same invariant, and for a simulation error the same error (a shrunk timeline
        // must not trade the original failure for one it created, e.g. a command on a removed service).
        var original = failing.Violation!;
        bool Same(Violation? v) => v is not null && v.Invariant == original.Invariant
            && (original.Invariant != "simulation-error" || v.Detail == original.Detail);
        int budget = ShrinkBudget;
        var best = failing;
        bool progress = true;
        while (progress && budget > 0)
        {
            progress = false;
            var batches = best.Case.Input.Commands;
            // Batch 0 powers the cluster on and the last three heal it: they stay.
            for (int i = batches.Count - 4; i >= 1 && budget > 0; i--)
            {
                var candidate = batches.Where((_, k) => k != i).ToList();
                if (TryKeep(candidate)) break;
            }
            for (int i = best.Case.Input.Commands.Count - 4; i >= 1 && budget > 0 && !progress; i--)
                for (int j = best.Case.Input.Commands[i].Count - 1; j >= 0 && budget > 0; j--)
                {
                    if (best.Case.Input.Commands[i].Count < 2) break;
                    var candidate = best.Case.Input.Commands.Select((b, k) => k == i ? b.Where((_, c) => c != j).ToList() : b).ToList();
                    if (TryKeep(candidate)) break;
                }

            bool TryKeep(List<List<string>> candidate)
            {
                budget--;
                var result = Run(best.Case.WithCommands(candidate));
                if (!Same(result.Violation)) return false;
                best = result;
                progress = true;
                return true;
            }
        }
        return best;
    }

    /// <summary>Writes a failing run as a scenario directory that <c>ha-simulator run</c> replays to the same log.</summary>
    public static string WriteScenario(FuzzResult result, string outputDir)
    {
        var input = result.Case.Input;
        string dir = Path.Combine(outputDir, $"fuzz-seed-{result.Case.Seed.ToString(CultureInfo.InvariantCulture)}");
        Directory.CreateDirectory(dir);
        // JSON trees, not reflection: the simulator is part of ha-manager (what-if), which is compiled ahead of time.
        var options = new JsonSerializerOptions { WriteIndented = true };
        void Write(string file, JsonNode node) => File.WriteAllText(Path.Combine(dir, file), node.ToJsonString(options));
        static JsonObject Map<T>(IEnumerable<KeyValuePair<string, T>> items, Func<T, JsonNode?> value) =>
            new(items.Select(kv => KeyValuePair.Create(kv.Key, value(kv.Value))));
        Write("hardware_status", Map(input.Hardware, hw =>
        {
            var node = new JsonObject { ["power"] = hw.Power, ["network"] = hw.Network };
            if (hw.MaxCpu is { } cpu) node["maxcpu"] = cpu;
            if (hw.MaxMem is { } mem) node["maxmem"] = mem;
            return node;
        }));
        if (input.RulesConfig is { } rules) File.WriteAllText(Path.Combine(dir, "rules_config"), rules);
        if (input.FenceConfig is { } fence) File.WriteAllText(Path.Combine(dir, "fence.cfg"), fence);
        if (input.JobDurations is { } jd) Write("job_durations", Map(jd, v => v));
        if (input.StaticServiceStats is { } st) Write("static_service_stats", Map(st, s => Map(s, v => v)));
        if (input.DynamicServiceStats is { } dy) Write("dynamic_service_stats", Map(dy, s => Map(s, v => v)));
        Write("service_config", Map(input.Services, props => Map(props, v => v)));
        File.WriteAllText(Path.Combine(dir, "manager_status"), "{}");
        var datacenter = new JsonObject();
        if (input.Datacenter.ShutdownPolicy is { } policy) datacenter["ha"] = new JsonObject { ["shutdown_policy"] = policy };
        if (input.Datacenter.Crs.Count > 0) datacenter["crs"] = Map(input.Datacenter.Crs, v => v);
        if (input.Datacenter.FencingMode is { } fencing) datacenter["fencing"] = fencing;
        Write("datacenter.cfg", datacenter);
        Write("cmdlist", new JsonArray(result.ExecutedBatches.Select(b => (JsonNode?)new JsonArray(b.Select(c => (JsonNode?)c).ToArray())).ToArray()));
        File.WriteAllText(Path.Combine(dir, "log.expect"), result.Log);
        File.WriteAllText(Path.Combine(dir, "README"), new StringBuilder()
            .Append("Found by: ha-simulator fuzz (seed ").Append(result.Case.Seed.ToString(CultureInfo.InvariantCulture)).Append(")\n")
            .Append("Violation: ").Append(result.Violation).Append('\n')
            .Append("log.expect is the failing run's log; replay with: ha-simulator run <this directory>\n").ToString());
        return dir;
    }

    /// <summary>Runs seeds [start, start + count), reporting each violation; returns the violations.</summary>
    public List<FuzzResult> RunSeeds(ulong start, int count, TextWriter report, string? outputDir,
        Action<ulong, int>? progress = null)
    {
        var failures = new List<FuzzResult>();
        ulong ran = 0;
        long commands = 0;
        // Counting up from 0 cannot wrap, whatever the start: the last seed is start + count - 1.
        for (ulong i = 0; i < (ulong)count; i++)
        {
            ulong seed = start + i;
            var result = RunSeed(seed);
            ran++;
            commands += result.ExecutedBatches.Sum(b => b.Count);
            if (result.Violation is not null)
            {
                var shrunk = Shrink(result);
                failures.Add(shrunk);
                report.WriteLine($"seed {seed}: {shrunk.Violation}");
                if (outputDir is not null) report.WriteLine($"  wrote {WriteScenario(shrunk, outputDir)}");
            }
            progress?.Invoke(ran, failures.Count);
        }
        // The command count shows the seeds did simulate something (a run of empty clusters also "passes").
        report.WriteLine($"{ran} seeds, {failures.Count} violations, {commands} commands simulated");
        return failures;
    }

    /// <summary>The time limit of a fuzz run: upstream's 10,000 s, or longer for a long timeline, so a long
    /// run is never reported as a violation merely for being long (each batch slot is 100 s, delays add).</summary>
    public static long MaxSimulatedSeconds(ScenarioInput input)
    {
        long delays = input.Commands.SelectMany(b => b)
            .Select(c => c.StartsWith("delay ", StringComparison.Ordinal) && long.TryParse(c[6..], out long d) ? d : 0).Sum();
        return Math.Max(10000, 1000 + 100L * input.Commands.Count + delays + 1000);
    }
}

namespace HaManager.Simulator;

/// <summary>The <c>ha-simulator</c> command line: <c>run DIR</c> and <c>test DIR…</c>.</summary>
public static class SimulatorCli
{
    private const string Usage = """
        usage: ha-simulator run <scenario-dir|scenario.yaml>
               ha-simulator test <scenario-dir|scenario.yaml>...
               ha-simulator rules <rules.cfg> [node,node,...]
               ha-simulator fuzz --seeds N [--start S] [--nodes K] [--services M] [--steps T] [--out DIR]
        run    replays one scenario and prints its log
        test   replays each scenario and compares it with its expected log
        rules  checks, canonicalises and compiles a rules.cfg (default nodes node1,node2,node3)
        fuzz   random faults against checked invariants; failing runs are written to DIR (default fuzz-failures)
        """;

    /// <summary>Entry point; returns the process exit code.</summary>
    public static int Execute(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length < 2 || args[0] is not ("run" or "test" or "rules" or "fuzz"))
        {
            stderr.WriteLine(Usage);
            return 2;
        }
        try
        {
            return args[0] switch
            {
                "run" => RunOne(args[1], stdout),
                "rules" => Rules(args[1], args.Length > 2 ? args[2] : "node1,node2,node3", stdout, stderr),
                "fuzz" => Fuzz(args.Skip(1).ToArray(), stdout, stderr),
                _ => TestAll(args.Skip(1), stdout),
            };
        }
        catch (ScenarioLoadException e)
        {
            stderr.WriteLine($"ha-simulator: {e.Message}");
            return 1;
        }
    }

    /// <summary>Loads a scenario from a directory (upstream format) or a YAML file (ours).</summary>
    public static ScenarioInput Load(string path)
    {
        if (Directory.Exists(path)) return ScenarioDirectory.Load(path);
        if (File.Exists(path)) return YamlScenario.Load(path);
        throw new ScenarioLoadException($"no such scenario '{path}'");
    }

    private static int Fuzz(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                stderr.WriteLine($"ha-simulator fuzz: unexpected argument '{args[i]}'");
                return 2;
            }
            values[args[i][2..]] = args[i + 1];
        }
        int? Int(string key) => !values.TryGetValue(key, out var v) ? null
            : int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0
                ? n
                : throw new FormatException($"--{key} needs a positive whole number, got '{v}'");
        try
        {
            int seeds = Int("seeds") ?? throw new FormatException("--seeds is required");
            ulong start = !values.TryGetValue("start", out var s) ? 1
                : ulong.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong first)
                    ? first
                    : throw new FormatException($"--start needs a whole number, got '{s}'");
            // Beyond 29 nodes a simulated loop would outlast the watchdog timeout (simulator §5.1).
            if (Int("nodes") > 29) throw new FormatException("--nodes must be at most 29");
            var fuzzer = new Fuzzing.Fuzzer(new Fuzzing.FuzzOptions(Int("nodes"), Int("services"), Int("steps") ?? 12));
            var failures = fuzzer.RunSeeds(start, seeds, stdout, values.GetValueOrDefault("out", "fuzz-failures"));
            return failures.Count == 0 ? 0 : 1;
        }
        catch (FormatException e)
        {
            stderr.WriteLine($"ha-simulator fuzz: {e.Message}");
            return 2;
        }
    }

    private static int Rules(string path, string nodes, TextWriter stdout, TextWriter stderr)
    {
        if (!File.Exists(path))
        {
            stderr.WriteLine($"ha-simulator: no such file '{path}'");
            return 1;
        }
        var nodeList = nodes.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        stdout.Write(Reports.RulesReport.Build(File.ReadAllText(path), nodeList));
        return 0;
    }

    private static int RunOne(string path, TextWriter stdout)
    {
        var input = Load(path);
        Simulation.Run(input, stdout);
        return 0;
    }

    private static int TestAll(IEnumerable<string> paths, TextWriter stdout)
    {
        int passed = 0, failed = 0;
        foreach (var path in paths)
        {
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
            string? difference;
            try
            {
                var input = Load(path);
                if (input.ExpectedLog is null) difference = "no expected log";
                else difference = LogDiff.FirstDifference(input.ExpectedLog, Simulation.Run(input));
            }
            catch (ScenarioLoadException e)
            {
                difference = $"cannot load: {e.Message}";
            }
            if (difference is null)
            {
                passed++;
                stdout.WriteLine($"PASS {name}");
            }
            else
            {
                failed++;
                stdout.WriteLine($"FAIL {name}: {difference}");
            }
        }
        stdout.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}

/// <summary>Compares logs byte for byte and describes the first difference.</summary>
public static class LogDiff
{
    /// <summary>Null when equal; otherwise the first differing line of each.</summary>
    public static string? FirstDifference(string expected, string actual)
    {
        if (expected == actual) return null;
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<end of log>";
            string al = i < a.Length ? a[i] : "<end of log>";
            if (el != al) return $"line {i + 1}: expected '{el}', got '{al}'";
        }
        return "logs differ in line endings";
    }
}

using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace HaManager.Simulator;

/// <summary>The documented exit codes of <c>ha-simulator</c>.</summary>
public static class ExitCode
{
    /// <summary>Success: the run ended normally, every scenario passed, no invariant broke.</summary>
    public const int Ok = 0;
    /// <summary><c>run</c>: the simulation ended in an error its log records; <c>test</c>: a scenario failed;
    /// <c>fuzz</c>: an invariant broke.</summary>
    public const int Failed = 1;
    /// <summary>The command line is wrong: unknown command or option, missing or extra argument, bad number.</summary>
    public const int Usage = 2;
    /// <summary>An input cannot be read or is invalid: scenario, rules file.</summary>
    public const int BadInput = 3;
    /// <summary>A bug in ha-simulator; the one-line message says what failed.</summary>
    public const int Internal = 4;
}

/// <summary>The <c>ha-simulator</c> command line (System.CommandLine): <c>run</c>, <c>test</c>, <c>rules</c>,
/// <c>fuzz</c>, <c>serve</c> and <c>help</c>. Every error is one line on stderr with a documented exit code.</summary>
public static class SimulatorCli
{
    private const string ExitCodes = """

        Exit codes: 0 success; 1 the run ended in an error (run), a scenario failed (test) or an invariant
        broke (fuzz); 2 usage error; 3 an input cannot be read or is invalid; 4 internal error.
        """;

    /// <summary>Entry point; returns the process exit code.</summary>
    public static int Execute(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = BuildCommand(stdout, stderr);
        ParseResult parsed;
        try { parsed = root.Parse(args); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            stderr.WriteLine($"ha-simulator: internal error - {e.Message}");
            return ExitCode.Internal;
        }
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) stderr.WriteLine($"ha-simulator: {error.Message}");
            stderr.WriteLine("Try 'ha-simulator help' for usage.");
            return ExitCode.Usage;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (ScenarioLoadException e)
        {
            stderr.WriteLine($"ha-simulator: {e.Message}");
            return ExitCode.BadInput;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"ha-simulator: {e.Message}");
            return ExitCode.Usage;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            stderr.WriteLine($"ha-simulator: internal error - {e.Message.ReplaceLineEndings(" ").Trim()}");
            return ExitCode.Internal;
        }
    }

    /// <summary>A command line that parsed but cannot be carried out as given.</summary>
    private sealed class UsageException(string message) : Exception(message);

    private static Command BuildCommand(TextWriter stdout, TextWriter stderr)
    {
        // A plain command named as the user types it (a RootCommand takes the assembly's name for its usage line).
        var root = new Command("ha-simulator", "The HaManager HA stack on a simulated cluster in virtual time." + ExitCodes)
        {
            new HelpOption(),
        };

        var scenario = new Argument<string>("scenario") { Description = "An upstream-format scenario directory or one of our YAML files." };
        var run = new Command("run", "Replay one scenario and print its log.") { scenario };
        run.SetAction(p => RunOne(p.GetValue(scenario)!, stdout, stderr));

        var scenarios = new Argument<string[]>("scenarios") { Description = "Scenario directories or YAML files.", Arity = ArgumentArity.OneOrMore };
        var test = new Command("test", "Replay each scenario and compare its log with the expected one; go on after a failure.") { scenarios };
        test.SetAction(p => TestAll(p.GetValue(scenarios)!, stdout, stderr));

        var rulesFile = new Argument<string>("rules.cfg") { Description = "The rules.cfg to check." };
        var nodes = new Argument<string>("nodes") { Description = "Comma-separated node list.", DefaultValueFactory = _ => "node1,node2,node3" };
        var rules = new Command("rules", "Check, canonicalise and compile a rules.cfg; report what was dropped and why.") { rulesFile, nodes };
        rules.SetAction(p => Rules(p.GetValue(rulesFile)!, p.GetValue(nodes)!, stdout, stderr));

        var seeds = Number<int>("--seeds", "How many seeds to run.", 1, 10_000_000, required: true);
        var start = Number<ulong>("--start", "The first seed (default 1).", 0, ulong.MaxValue);
        var nodeCount = Number<int>("--nodes", "Nodes per cluster (default: 3 to 5 at random). At most 29.", 1, 29);
        var services = Number<int>("--services", "Services per cluster (default: 2 to 8 at random).", 1, 500);
        var steps = Number<int>("--steps", "Fault and operator steps per timeline (default 12).", 1, 2000);
        var output = new Option<string>("--out") { Description = "Where failing runs are written as scenarios (default fuzz-failures)." };
        output.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } v && v.Trim().Length == 0) r.AddError("--out needs a directory path");
        });
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines on stderr." };
        var fuzz = new Command("fuzz", "Random faults against checked invariants; failing runs are shrunk and written as scenarios.")
            { seeds, start, nodeCount, services, steps, output, quiet };
        // An absent value option reads as 0, not null: "not given" must come from the parse result, or every
        // cluster would have 0 nodes and 0 services and every seed would pass without simulating anything.
        int? Given(Option<int> option, ParseResult p) => p.GetResult(option) is null ? null : p.GetValue(option);
        fuzz.SetAction(p => Fuzz(p.GetValue(seeds), p.GetResult(start) is null ? 1 : p.GetValue(start), Given(nodeCount, p),
            Given(services, p), Given(steps, p), p.GetValue(output) ?? "fuzz-failures", !p.GetValue(quiet), stdout, stderr));

        var serveScenario = new Argument<string?>("scenario")
        {
            Description = "A scenario directory or YAML file to start with (default: three nodes, six services).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var port = Number("--port", "TCP port (default 8080; 0 picks a free one).", 0, 65535);
        var listen = new Option<string>("--listen") { Description = "Address to listen on (default 127.0.0.1: this machine only)." };
        var serve = new Command("serve", "The interactive simulator in the browser: nodes, services, rules, the log and a timeline.")
            { serveScenario, port, listen };
        serve.SetAction(p => Serve(p.GetValue(serveScenario), p.GetResult(port) is null ? 8080 : p.GetValue(port),
            p.GetValue(listen) ?? "127.0.0.1", stdout, stderr));

        var topic = new Argument<string?>("command") { Description = "Show the help of this command.", Arity = ArgumentArity.ZeroOrOne };
        var help = new Command("help", "Show help (of a command).") { topic };
        help.SetAction(p =>
        {
            string? name = p.GetValue(topic);
            string[] helpArgs = name is null ? ["--help"] : [name, "--help"];
            if (name is not null && root.Subcommands.All(c => c.Name != name))
                throw new UsageException($"no such command '{name}'");
            return root.Parse(helpArgs).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        });

        root.Subcommands.Add(run);
        root.Subcommands.Add(test);
        root.Subcommands.Add(rules);
        root.Subcommands.Add(fuzz);
        root.Subcommands.Add(serve);
        root.Subcommands.Add(help);
        return root;
    }

    /// <summary>A numeric option whose value must be a whole number in [min, max]; anything else is a
    /// usage error naming the option.</summary>
    private static Option<T> Number<T>(string name, string description, T min, T max, bool required = false)
        where T : struct, IBinaryInteger<T>
    {
        return new Option<T>(name)
        {
            Description = description,
            Required = required,
            CustomParser = result =>
            {
                string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (T.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
                    return value;
                result.AddError($"{name} needs a whole number from {min} to {max}, got '{text}'");
                return default;
            },
        };
    }

    private static int Serve(string? scenarioPath, int port, string listen, TextWriter stdout, TextWriter stderr)
    {
        if (!System.Net.IPAddress.TryParse(listen, out var address))
            throw new UsageException($"--listen needs an IP address, got '{listen}'");
        var session = scenarioPath is null
            ? Web.SimulatorSession.Start(Web.SimulatorSession.DemoScenario(), "the demo cluster")
            : Web.SimulatorSession.Start(Load(scenarioPath), Path.GetFullPath(scenarioPath));
        Web.SimulatorServer server;
        try
        {
            server = Web.SimulatorServer.StartAsync(session, address, port).GetAwaiter().GetResult();
        }
        catch (IOException e)
        {
            stderr.WriteLine($"ha-simulator: cannot listen on {listen}:{port}: {e.Message}");
            return ExitCode.BadInput;
        }
        stdout.WriteLine($"HaManager simulator on {server.Address} (Ctrl-C stops it)");
        stdout.Flush();
        server.WaitForShutdownAsync().GetAwaiter().GetResult();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return ExitCode.Ok;
    }

    /// <summary>Loads a scenario from a directory (upstream format) or a YAML file (ours).</summary>
    public static ScenarioInput Load(string path)
    {
        if (Directory.Exists(path)) return ScenarioDirectory.Load(path);
        if (File.Exists(path)) return YamlScenario.Load(path);
        throw new ScenarioLoadException($"no such scenario '{path}'");
    }

    private static void PrintWarnings(ScenarioInput input, TextWriter stderr)
    {
        foreach (var warning in input.Warnings) stderr.WriteLine($"ha-simulator: warning: {input.Name}: {warning}");
    }

    private static int RunOne(string path, TextWriter stdout, TextWriter stderr)
    {
        var input = Load(path);
        PrintWarnings(input, stderr);
        var sim = new Simulation(input, stdout);
        sim.Run();
        if (sim.FatalError is null) return ExitCode.Ok;
        stderr.WriteLine($"ha-simulator: the simulation ended in an error: {sim.FatalError.Trim()}");
        return ExitCode.Failed;
    }

    private static int TestAll(IEnumerable<string> paths, TextWriter stdout, TextWriter stderr)
    {
        int passed = 0, failed = 0;
        foreach (var path in paths)
        {
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
            string? difference;
            try
            {
                var input = Load(path);
                PrintWarnings(input, stderr);
                if (input.ExpectedLog is null) difference = "no expected log";
                else difference = LogDiff.FirstDifference(input.ExpectedLog, Simulation.Run(input));
            }
            catch (ScenarioLoadException e)
            {
                difference = $"cannot load: {e.Message}";
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A crash in one scenario is that scenario's failure; the others still run.
                difference = $"crashed: {e.Message.ReplaceLineEndings(" ").Trim()}";
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
        return failed == 0 ? ExitCode.Ok : ExitCode.Failed;
    }

    private static int Rules(string path, string nodes, TextWriter stdout, TextWriter stderr)
    {
        var nodeList = nodes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Order(StringComparer.Ordinal).ToList();
        if (nodeList.Count == 0) throw new UsageException("the node list is empty");
        foreach (var node in nodeList)
            if (HaManager.Core.Formats.HaFormats.CheckHaNodeList(node) is not null || node.Contains(':') || node.Any(char.IsWhiteSpace))
                throw new UsageException($"'{node}' is not a node name");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioLoadException(File.Exists(path) || Directory.Exists(path)
                ? $"cannot read '{path}': {e.Message}" : $"no such file '{path}'");
        }
        // Lines the parser ignored are part of "what was dropped and why"; the report keeps upstream's format.
        foreach (var warning in HaManager.Core.Formats.RulesConfig.Parse(text).Warnings)
            stderr.WriteLine($"ha-simulator: warning: {warning}");
        stdout.Write(Reports.RulesReport.Build(text, nodeList));
        return ExitCode.Ok;
    }

    private static int Fuzz(int seeds, ulong start, int? nodes, int? services, int? steps, string output, bool progress,
        TextWriter stdout, TextWriter stderr)
    {
        // The summary must count seeds that ran: a range that wraps past the largest seed is refused.
        if (start > ulong.MaxValue - (ulong)seeds + 1)
            throw new UsageException($"--start {start} with --seeds {seeds} runs past the largest seed {ulong.MaxValue}");
        var options = new Fuzzing.FuzzOptions(nodes, services, steps ?? 12);
        var fuzzer = new Fuzzing.Fuzzer(options);
        Action<ulong, int>? report = null;
        if (progress)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            long lastReport = 0;
            report = (done, failures) =>
            {
                if (clock.ElapsedMilliseconds - lastReport < 5000 && done != (ulong)seeds) return;
                lastReport = clock.ElapsedMilliseconds;
                stderr.WriteLine($"fuzz: {done}/{seeds} seeds, {failures} violations, {clock.Elapsed.TotalSeconds:F0} s");
            };
        }
        var failures = fuzzer.RunSeeds(start, seeds, stdout, output, report);
        return failures.Count == 0 ? ExitCode.Ok : ExitCode.Failed;
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

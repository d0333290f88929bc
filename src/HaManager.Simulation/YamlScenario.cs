using System.Text;
using HaManager.Core.Environment;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace HaManager.Simulator;

/// <summary>
/// Our own scenario format: one YAML file per scenario. Keys (all but <c>commands</c> optional):
/// <code>
/// description: what the scenario shows and why
/// nodes:            # node → {power, network, version, maxcpu, maxmem}; default three nodes, all off
///   node1: { power: off, network: off, maxcpu: 32, maxmem: 137438953472 }
/// services:         # sid → properties as in service_config (node required)
///   vm:101: { node: node1, state: started }
/// datacenter:       # the HA parts of datacenter.cfg
///   shutdown_policy: migrate
///   fencing: both    # watchdog, hardware or both
///   crs: { ha: basic }
/// running:          # node → services already running there at start
///   node1: [vm:101]
/// rules: |          # rules.cfg text
///   node-affinity: prefer-node1
///   	nodes node1
///   	resources vm:101
/// groups: |         # groups.cfg text (legacy)
/// static_stats:     # sid → {maxcpu, maxmem (bytes)}; default 4 cores / 4 GiB per service
///   vm:101: { maxcpu: 2, maxmem: 4294967296 }
/// dynamic_stats:    # sid → {cpu, mem (bytes)}; default 2 cores / 2 GiB per static entry
///   vm:101: { cpu: 1.5, mem: 2147483648 }
/// fence_cfg: |      # fence.cfg text: hardware fencing (fence-device AGENT work|fail|hang steers the agents)
///   device ipmi fence_ipmilan ip=10.0.0.1
///   connect ipmi node=node3 ipmiport=3
/// job_durations:    # sid → seconds its migrate/relocate jobs take (default: they finish at once)
///   vm:101: 30
/// manager_status: '{"...": "..."}'   # pre-seeded manager status JSON
/// expected_fatal: loop took too long   # only for a scenario that shows a run ending in an error
/// loops_per_batch: 1   # loops between batch slots (default 5); 1 in runs recorded by the browser simulator
/// commands:         # batches; batch k runs at 20 + 100·(k−1) s unless delays intervene
///   - [power node1 on, power node2 on, power node3 on]
///   - [network node3 off]
/// expected_log: |   # must stay the last key (golden updates rewrite from here)
///   info      0     hardware: starting simulation
/// </code>
/// </summary>
public static class YamlScenario
{
    /// <summary>The key that starts the golden log; everything after it belongs to it.</summary>
    public const string ExpectedLogKey = "expected_log:";

    private sealed class Document
    {
        public string? Description { get; set; }
        public Dictionary<string, NodeDto?>? Nodes { get; set; }
        public Dictionary<string, Dictionary<string, string>>? Services { get; set; }
        public DatacenterDto? Datacenter { get; set; }
        public Dictionary<string, List<string>>? Running { get; set; }
        public string? ManagerStatus { get; set; }
        public string? Rules { get; set; }
        public string? Groups { get; set; }
        public string? FenceCfg { get; set; }
        public Dictionary<string, Dictionary<string, double>>? StaticStats { get; set; }
        public Dictionary<string, Dictionary<string, double>>? DynamicStats { get; set; }
        public Dictionary<string, long>? JobDurations { get; set; }
        public string? ExpectedFatal { get; set; }
        public List<List<string>>? Commands { get; set; }
        public int? LoopsPerBatch { get; set; }
        public string? ExpectedLog { get; set; }
    }

    private sealed class NodeDto
    {
        public string? Power { get; set; }
        public string? Network { get; set; }
        public string? Version { get; set; }
        public double? Maxcpu { get; set; }
        public double? Maxmem { get; set; }
    }

    private sealed class DatacenterDto
    {
        public string? ShutdownPolicy { get; set; }
        public Dictionary<string, string>? Crs { get; set; }
        public string? Fencing { get; set; }
    }

    // Built on first use, not in a static initializer: ha-manager (Native AOT) links the simulator but never
    // reads YAML scenarios, and the reflection-based deserializer must stay out of its reach.
    private static IDeserializer? _deserializer;

    private static IDeserializer Deserializer => _deserializer ??= new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    /// <summary>Loads a YAML scenario file.</summary>
    public static ScenarioInput Load(string path) =>
        Parse(File.ReadAllText(path), Path.GetFileNameWithoutExtension(path));

    /// <summary>Parses YAML scenario text.</summary>
    public static ScenarioInput Parse(string yaml, string name)
    {
        // A constant false in a Native AOT build (ha-manager links the simulator for what-if): the compiler then
        // drops the reflection-based deserializer below, which AOT cannot run.
        if (!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported)
            throw new ScenarioLoadException($"{name}: YAML scenarios need ha-simulator, not an ahead-of-time compiled program");
        Document doc;
        try { doc = Deserializer.Deserialize<Document>(yaml) ?? new Document(); }
        catch (YamlException e)
        {
            throw new ScenarioLoadException($"{name}: {Describe(e, yaml)}");
        }
        if (doc.Commands is null) throw new ScenarioLoadException($"{name}: 'commands' is required");
        if (doc.LoopsPerBatch is < 1 or > 5)
            throw new ScenarioLoadException($"{name}: loops_per_batch is a whole number from 1 to 5");

        var input = new ScenarioInput
        {
            Name = name, Commands = doc.Commands, ExpectedLog = doc.ExpectedLog, ExpectedFatal = doc.ExpectedFatal,
            LoopsPerBatch = doc.LoopsPerBatch ?? 5,
        };
        if (doc.Nodes is { Count: > 0 })
        {
            input.Hardware = new SortedDictionary<string, NodeHardwareInput>(StringComparer.Ordinal);
            foreach (var (node, hw) in doc.Nodes)
                input.Hardware[node] = new NodeHardwareInput
                {
                    Power = hw?.Power ?? "off", Network = hw?.Network ?? "off", Version = hw?.Version,
                    MaxCpu = hw?.Maxcpu, MaxMem = hw?.Maxmem,
                };
        }
        else input.Hardware = ScenarioInput.DefaultHardware();

        input.Services = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (sid, props) in doc.Services ?? [])
            input.Services[sid] = new SortedDictionary<string, string>(props, StringComparer.Ordinal);
        if (doc.Datacenter is { } dc)
            input.Datacenter = new DatacenterSettings(dc.ShutdownPolicy,
                new Dictionary<string, string>(dc.Crs ?? [], StringComparer.Ordinal)) { FencingMode = dc.Fencing };
        foreach (var (node, sids) in doc.Running ?? [])
            input.Running[node] = sids.ToDictionary(s => s, _ => true, StringComparer.Ordinal);
        input.ManagerStatusJson = doc.ManagerStatus;
        input.RulesConfig = doc.Rules;
        input.GroupsConfig = doc.Groups;
        input.FenceConfig = doc.FenceCfg;
        input.StaticServiceStats = doc.StaticStats;
        input.DynamicServiceStats = doc.DynamicStats;
        if (doc.JobDurations is { } durations)
        {
            foreach (var (sid, seconds) in durations)
                if (seconds is < 0 or > 3600)
                    throw new ScenarioLoadException($"{name}: job_durations: '{sid}': a job duration is a whole number of seconds from 0 to 3600");
            input.JobDurations = new Dictionary<string, long>(durations, StringComparer.Ordinal);
        }
        return input;
    }

    private static readonly string[] KnownKeys =
    [
        "description", "nodes", "services", "datacenter", "running", "rules", "groups", "static_stats", "dynamic_stats",
        "fence_cfg", "job_durations", "manager_status", "expected_fatal", "loops_per_batch", "commands", "expected_log",
    ];

    /// <summary>What is wrong where, in the file's terms: line, column, the key and what it needs — never a
    /// .NET type name.</summary>
    private static string Describe(YamlException e, string yaml)
    {
        long line = e.Start.Line, column = e.Start.Column;
        string where = $"line {line}, column {column}";
        var lines = yaml.Split('\n');
        string source = line >= 1 && line <= lines.Length ? lines[line - 1].TrimEnd('\r') : "";
        string? inner = e.InnerException?.Message;
        var unknown = System.Text.RegularExpressions.Regex.Match(inner ?? e.Message, "Property '([^']+)' not found");
        if (unknown.Success)
        {
            string key = unknown.Groups[1].Value;
            bool topLevel = source.Length > 0 && !char.IsWhiteSpace(source[0]);
            return topLevel
                ? $"{where}: unknown key '{key}' (known keys: {string.Join(", ", KnownKeys)})"
                : $"{where}: unknown key '{key}' here";
        }
        string? keyName = KeyAt(lines, (int)line, (int)column);
        string value = ValueAt(source, (int)column);
        string inKey = keyName is null ? "" : $" for key '{keyName}'";
        if (e.InnerException is FormatException or OverflowException)
            return $"{where}: '{value}' is not a valid number{inKey}";
        if (e.InnerException is InvalidCastException or InvalidOperationException || (inner?.Contains("cast", StringComparison.OrdinalIgnoreCase) ?? false))
            return $"{where}: '{value}' does not have the right shape{inKey}"
                + (keyName == "commands" ? " (a list of batches, each a list of commands)" : "");
        // A syntax error: YamlDotNet's own words, without its position suffix (given above).
        string message = System.Text.RegularExpressions.Regex.Replace(inner ?? e.Message, @"\s*\(at Line: .*\)\.?$", "");
        return $"{where}: {message.TrimEnd('.')}";
    }

    /// <summary>The key a position belongs to: the last <c>key:</c> before it on its line, else the nearest
    /// less-indented key above.</summary>
    private static string? KeyAt(string[] lines, int line, int column)
    {
        if (line < 1 || line > lines.Length) return null;
        string here = lines[line - 1];
        string before = here[..Math.Clamp(column - 1, 0, here.Length)];
        var onLine = System.Text.RegularExpressions.Regex.Matches(before, @"([\w:.-]+?)\s*:\s");
        if (onLine.Count > 0) return onLine[^1].Groups[1].Value;
        int indent = here.Length - here.TrimStart().Length;
        for (int i = line - 2; i >= 0; i--)
        {
            string above = lines[i];
            int aboveIndent = above.Length - above.TrimStart().Length;
            var m = System.Text.RegularExpressions.Regex.Match(above, @"^\s*([\w:.-]+?)\s*:(\s|$)");
            if (m.Success && aboveIndent < indent) return m.Groups[1].Value;
        }
        return null;
    }

    private static string ValueAt(string line, int column)
    {
        if (column < 1 || column > line.Length) return line.Trim();
        string rest = line[(column - 1)..];
        int end = rest.IndexOfAny([',', '}', ']', '#']);
        return (end < 0 ? rest : rest[..end]).Trim();
    }

    /// <summary>Writes a scenario in this format: <paramref name="input"/>'s set-up (its starting state, not
    /// where a run took it), the given batches and, when given, the golden log. Parse gives the same set-up back.</summary>
    public static string Write(ScenarioInput input, IReadOnlyList<IReadOnlyList<string>> batches, int loopsPerBatch,
        string description, string? expectedLog)
    {
        var sb = new StringBuilder();
        sb.Append("description: ").Append(Quote(description)).Append('\n');
        sb.Append("nodes:\n");
        foreach (var (node, hw) in input.Hardware)
        {
            sb.Append("  ").Append(Quote(node)).Append(": { power: ").Append(Quote(hw.Power))
                .Append(", network: ").Append(Quote(hw.Network));
            if (hw.Version is { } version) sb.Append(", version: ").Append(Quote(version));
            if (hw.MaxCpu is { } cpu) sb.Append(", maxcpu: ").Append(Number(cpu));
            if (hw.MaxMem is { } mem) sb.Append(", maxmem: ").Append(Number(mem));
            sb.Append(" }\n");
        }
        sb.Append(input.Services.Count == 0 ? "services: {}\n" : "services:\n");
        foreach (var (sid, props) in input.Services)
            sb.Append("  ").Append(Quote(sid)).Append(": ").Append(FlowMap(props, Quote)).Append('\n');
        var dc = input.Datacenter;
        if (dc.ShutdownPolicy is not null || dc.Crs.Count > 0 || dc.FencingMode is not null)
        {
            sb.Append("datacenter:\n");
            if (dc.ShutdownPolicy is { } policy) sb.Append("  shutdown_policy: ").Append(Quote(policy)).Append('\n');
            if (dc.FencingMode is { } fencing) sb.Append("  fencing: ").Append(Quote(fencing)).Append('\n');
            if (dc.Crs.Count > 0) sb.Append("  crs: ").Append(FlowMap(dc.Crs, Quote)).Append('\n');
        }
        var running = input.Running.Where(kv => kv.Value.Any(r => r.Value)).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        if (running.Count > 0)
        {
            sb.Append("running:\n");
            foreach (var (node, sids) in running)
                sb.Append("  ").Append(Quote(node)).Append(": [")
                    .AppendJoin(", ", sids.Where(r => r.Value).Select(r => Quote(r.Key)).Order(StringComparer.Ordinal)).Append("]\n");
        }
        Block(sb, "rules", input.RulesConfig);
        Block(sb, "groups", input.GroupsConfig);
        Block(sb, "fence_cfg", input.FenceConfig);
        StatsMap(sb, "static_stats", input.StaticServiceStats);
        StatsMap(sb, "dynamic_stats", input.DynamicServiceStats);
        if (input.JobDurations is { Count: > 0 } durations)
        {
            sb.Append("job_durations:\n");
            foreach (var (sid, seconds) in durations.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                sb.Append("  ").Append(Quote(sid)).Append(": ").Append(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }
        if (input.ManagerStatusJson is { } status) sb.Append("manager_status: ").Append(Quote(status)).Append('\n');
        if (input.ExpectedFatal is { } fatal) sb.Append("expected_fatal: ").Append(Quote(fatal)).Append('\n');
        if (loopsPerBatch != 5) sb.Append("loops_per_batch: ").Append(loopsPerBatch.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(batches.Count == 0 ? "commands: []\n" : "commands:\n");
        foreach (var batch in batches) sb.Append("  - [").AppendJoin(", ", batch.Select(Quote)).Append("]\n");
        string yaml = sb.ToString();
        return expectedLog is null ? yaml : WithExpectedLog(yaml, expectedLog);
    }

    private static void StatsMap(StringBuilder sb, string key, Dictionary<string, Dictionary<string, double>>? stats)
    {
        if (stats is null) return;
        sb.Append(key).Append(stats.Count == 0 ? ": {}\n" : ":\n");
        foreach (var (sid, values) in stats.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sb.Append("  ").Append(Quote(sid)).Append(": ").Append(FlowMap(values, Number)).Append('\n');
    }

    private static string FlowMap<T>(IEnumerable<KeyValuePair<string, T>> map, Func<T, string> value) =>
        "{ " + string.Join(", ", map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{Quote(kv.Key)}: {value(kv.Value)}")) + " }";

    private static string Number(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A literal block that gives back exactly <paramref name="text"/>: the chomping indicator keeps
    /// its final newlines as they are, an indentation indicator guards a first line that starts with a blank.</summary>
    private static void Block(StringBuilder sb, string key, string? text)
    {
        if (text is null) return;
        if (text.Length == 0 || text.Contains('\r') || text.Split('\n').Any(l => l.Length > 0 && l.Trim().Length == 0))
        {
            sb.Append(key).Append(": ").Append(Quote(text)).Append('\n');
            return;
        }
        string body = text.TrimEnd('\n');
        int finalNewlines = text.Length - body.Length;
        string chomp = finalNewlines switch { 0 => "-", 1 => "", _ => "+" };
        string indent = body.Length > 0 && char.IsWhiteSpace(body[0]) ? "2" : "";
        sb.Append(key).Append(": |").Append(indent).Append(chomp).Append('\n');
        foreach (var line in body.Split('\n')) sb.Append(line.Length == 0 ? "" : "  ").Append(line).Append('\n');
        for (int i = 1; i < finalNewlines; i++) sb.Append('\n');
    }

    /// <summary>A plain scalar where YAML reads it back as the same string, else a double-quoted one (JSON's
    /// escapes are YAML's).</summary>
    private static string Quote(string value)
    {
        bool plain = value.Length > 0
            && System.Text.RegularExpressions.Regex.IsMatch(value, @"^[A-Za-z0-9_./@-][A-Za-z0-9_./@:~+ -]*$")
            && !value.EndsWith(' ') && !value.Contains(": ", StringComparison.Ordinal) && !value.EndsWith(':')
            && !System.Text.RegularExpressions.Regex.IsMatch(value,
                @"^(?i:y|n|yes|no|true|false|on|off|null|~|[-+]?[0-9][0-9_.eE+-]*|0x[0-9a-f]+|0o[0-7]+|\.inf|\.nan)$");
        return plain ? value
            : "\"" + System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping.Encode(value) + "\"";
    }

    /// <summary>Replaces the expected log of a scenario file with <paramref name="log"/> (golden update).</summary>
    public static string WithExpectedLog(string yaml, string log)
    {
        int at = yaml.IndexOf("\n" + ExpectedLogKey, StringComparison.Ordinal);
        string head = at < 0 ? yaml.TrimEnd('\n') + "\n" : yaml[..(at + 1)];
        var sb = new StringBuilder(head).Append(ExpectedLogKey).Append(" |\n");
        foreach (var line in log.TrimEnd('\n').Split('\n')) sb.Append("  ").Append(line).Append('\n');
        return sb.ToString();
    }
}

using System.Text.Json;
using HaManager.Core.Environment;
using HaManager.Core.Formats;

namespace HaManager.Simulator;

/// <summary>Loads an upstream-format scenario directory (simulator §2.1): <c>cmdlist</c>,
/// <c>hardware_status</c>, <c>service_config</c>, <c>manager_status</c>, <c>datacenter.cfg</c> (JSON),
/// <c>service_status_&lt;node&gt;</c>, <c>rules_config</c>, <c>groups</c>, <c>log.expect</c>.</summary>
public static class ScenarioDirectory
{
    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = false };

    /// <summary>Reads the directory; throws <see cref="ScenarioLoadException"/> on bad input.</summary>
    public static ScenarioInput Load(string dir)
    {
        var input = new ScenarioInput { Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)) };
        string? Text(string file) => File.Exists(Path.Combine(dir, file)) ? File.ReadAllText(Path.Combine(dir, file)) : null;

        string cmdlist = Text("cmdlist") ?? throw new ScenarioLoadException($"missing file '{Path.Combine(dir, "cmdlist")}'");
        input.Commands = ParseJson(cmdlist, "cmdlist", root => root.EnumerateArray()
            .Select(batch => batch.EnumerateArray().Select(c => c.GetString() ?? "").ToList()).ToList());

        if (Text("hardware_status") is { } hw) input.Hardware = ParseJson(hw, "hardware_status", ParseHardware);
        else
        {
            input.Hardware = ScenarioInput.DefaultHardware();
            input.Warnings.Add("no hardware_status: using upstream's default of three nodes node1..node3, all off");
        }
        if (Text("service_config") is { } sc) input.Services = ParseJson(sc, "service_config", ParseServices);
        else
        {
            input.Services = ScenarioInput.DefaultServices();
            input.Warnings.Add("no service_config: using upstream's default services vm:101..vm:106 on node1..node3, all disabled");
        }
        input.ManagerStatusJson = Text("manager_status");
        if (Text("datacenter.cfg") is { } dc) input.Datacenter = ParseJson(dc, "datacenter.cfg", ParseDatacenter);
        input.RulesConfig = Text("rules_config");
        input.FenceConfig = Text("fence.cfg");
        if (Text("job_durations") is { } jd) input.JobDurations = ParseJson(jd, "job_durations", ParseJobDurations);
        if (Text("static_service_stats") is { } st) input.StaticServiceStats = ParseJson(st, "static_service_stats", ParseStats);
        if (Text("dynamic_service_stats") is { } dy) input.DynamicServiceStats = ParseJson(dy, "dynamic_service_stats", ParseStats);
        input.GroupsConfig = Text("groups");
        input.ExpectedLog = Text("log.expect");
        foreach (var node in input.Hardware.Keys)
            if (Text($"service_status_{node}") is { } running)
                input.Running[node] = ParseJson(running, $"service_status_{node}", root => root.EnumerateObject()
                    .ToDictionary(p => p.Name, p => StatusJson.Scalar(p.Value) is { } v && v != "0", StringComparer.Ordinal));
        return input;
    }

    private static T ParseJson<T>(string text, string file, Func<JsonElement, T> read)
    {
        try
        {
            using var doc = JsonDocument.Parse(text, Options);
            return read(doc.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ScenarioLoadException($"{file}: {e.Message}");
        }
    }

    private static DatacenterSettings ParseDatacenter(JsonElement root)
    {
        string? policy = null;
        if (root.TryGetProperty("ha", out var ha) && ha.ValueKind == JsonValueKind.Object
            && ha.TryGetProperty("shutdown_policy", out var p)) policy = p.GetString();
        var crs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("crs", out var c) && c.ValueKind == JsonValueKind.Object)
            foreach (var kv in c.EnumerateObject())
                if (StatusJson.Scalar(kv.Value) is { } v) crs[kv.Name] = v;
        string? fencing = root.TryGetProperty("fencing", out var f) ? f.GetString() : null;
        return new DatacenterSettings(policy, crs) { FencingMode = fencing };
    }

    private static SortedDictionary<string, NodeHardwareInput> ParseHardware(JsonElement root)
    {
        var nodes = new SortedDictionary<string, NodeHardwareInput>(StringComparer.Ordinal);
        foreach (var p in root.EnumerateObject())
        {
            var node = new NodeHardwareInput();
            if (p.Value.TryGetProperty("power", out var power)) node.Power = power.GetString() ?? "off";
            if (p.Value.TryGetProperty("network", out var network)) node.Network = network.GetString() ?? "off";
            if (p.Value.TryGetProperty("pve-manager-version", out var version)) node.Version = version.GetString();
            if (p.Value.TryGetProperty("maxcpu", out var maxcpu)) node.MaxCpu = maxcpu.GetDouble();
            if (p.Value.TryGetProperty("maxmem", out var maxmem)) node.MaxMem = maxmem.GetDouble();
            nodes[p.Name] = node;
        }
        return nodes;
    }

    private static Dictionary<string, long> ParseJobDurations(JsonElement root)
    {
        var durations = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var p in root.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt64(out long seconds) || seconds < 0 || seconds > 3600)
                throw new FormatException($"'{p.Name}': a job duration is a whole number of seconds from 0 to 3600");
            durations[p.Name] = seconds;
        }
        return durations;
    }

    private static Dictionary<string, Dictionary<string, double>> ParseStats(JsonElement root)
    {
        var stats = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        foreach (var p in root.EnumerateObject())
            stats[p.Name] = p.Value.EnumerateObject().Where(kv => kv.Value.ValueKind == JsonValueKind.Number)
                .ToDictionary(kv => kv.Name, kv => kv.Value.GetDouble(), StringComparer.Ordinal);
        return stats;
    }

    private static SortedDictionary<string, SortedDictionary<string, string>> ParseServices(JsonElement root)
    {
        var services = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var p in root.EnumerateObject())
        {
            var props = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var kv in p.Value.EnumerateObject())
                if (StatusJson.Scalar(kv.Value) is { } v) props[kv.Name] = v;
            services[p.Name] = props;
        }
        return services;
    }
}

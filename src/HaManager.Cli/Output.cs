using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace HaManager.Cli;

/// <summary><c>--output-format text|json|json-pretty|yaml</c>: the option, and the structured forms of a result.</summary>
public static class Output
{
    public static Option<string> FormatOption()
    {
        var option = new Option<string>("--output-format") { Description = "text (default), json, json-pretty or yaml.", DefaultValueFactory = _ => "text" };
        option.AcceptOnlyFromAmong("text", "json", "json-pretty", "yaml");
        return option;
    }

    /// <summary>Writes <paramref name="node"/> as JSON (compact or indented) or YAML.</summary>
    public static void Write(JsonNode node, string format, TextWriter stdout)
    {
        if (format == "yaml")
        {
            stdout.Write(new SerializerBuilder().Build().Serialize(Plain(node)));
            return;
        }
        stdout.Write(node.ToJsonString(new JsonSerializerOptions { WriteIndented = format == "json-pretty" }) + "\n");
    }

    /// <summary>JSON as plain maps, lists and scalars, for YamlDotNet.</summary>
    private static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(kv => kv.Key, kv => Plain(kv.Value)),
        JsonArray a => a.Select(Plain).ToList(),
        JsonValue v when v.TryGetValue(out long l) => l,
        JsonValue v when v.TryGetValue(out bool b) => b,
        JsonValue v when v.TryGetValue(out string? s) => s,
        var other => other.ToJsonString(),
    };
}

using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

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
            var emitter = new Emitter(stdout);
            emitter.Emit(new StreamStart());
            emitter.Emit(new DocumentStart(null, null, isImplicit: true));
            Emit(emitter, node);
            emitter.Emit(new DocumentEnd(isImplicit: true));
            emitter.Emit(new StreamEnd());
            return;
        }
        stdout.Write(node.ToJsonString(new JsonSerializerOptions { WriteIndented = format == "json-pretty" }) + "\n");
    }

    /// <summary>JSON as YAML events, straight to YamlDotNet's emitter (no reflection-based serializer: ha-manager is
    /// compiled ahead of time): maps and lists in block style, scalars plain unless they need quotes.</summary>
    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                emitter.Emit(new MappingStart(null, null, isImplicit: true, MappingStyle.Any));
                foreach (var (key, value) in o)
                {
                    Scalar(emitter, key);
                    Emit(emitter, value);
                }
                emitter.Emit(new MappingEnd());
                break;
            case JsonArray a:
                emitter.Emit(new SequenceStart(null, null, isImplicit: true, SequenceStyle.Any));
                foreach (var item in a) Emit(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case null: Scalar(emitter, ""); break;
            case JsonValue v when v.TryGetValue(out string? s): Scalar(emitter, s); break;
            case JsonValue v when v.TryGetValue(out bool b): Scalar(emitter, b ? "true" : "false"); break;
            default: Scalar(emitter, node.ToJsonString()); break;
        }
    }

    private static void Scalar(IEmitter emitter, string value) =>
        emitter.Emit(new YamlDotNet.Core.Events.Scalar(null, null, value, ScalarStyle.Any, isPlainImplicit: true, isQuotedImplicit: true));
}

using System.Text.Json;
using System.Text.Json.Nodes;
using HaManager.Core.Environment;

namespace HaManager.Store.Directory;

/// <summary>
/// Cluster membership as pmxcfs publishes it in <c>.members</c>: the cluster name and quorum, and per node
/// its id, online flag and address. Each node reads its own view: <c>nodes/&lt;node&gt;/.members</c> when
/// present (how <c>ha-local-cluster</c> cuts a node off), otherwise the shared <c>.members</c>.
/// </summary>
/// <param name="ClusterName">The cluster's name.</param>
/// <param name="Quorate">Whether this view is quorate.</param>
/// <param name="Nodes">Node name → online flag, in ordinal order.</param>
public sealed record Members(string ClusterName, bool Quorate, IReadOnlyDictionary<string, bool> Nodes)
{
    /// <summary>A one-node cluster of <paramref name="node"/>, quorate: the embedded store's start.</summary>
    public static Members Single(string node) =>
        new("local", true, new SortedDictionary<string, bool>(StringComparer.Ordinal) { [node] = true });

    /// <summary>Parses the pmxcfs JSON; throws <see cref="HaEnvironmentException"/> naming the file when
    /// it is not that.</summary>
    public static Members Parse(string json, string file)
    {
        try
        {
            var root = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("not a JSON object");
            var cluster = root["cluster"] as JsonObject;
            string name = cluster?["name"]?.GetValue<JsonElement>().ToString() ?? "local";
            bool quorate = Truthy(cluster?["quorate"]);
            var nodes = new SortedDictionary<string, bool>(StringComparer.Ordinal);
            if (root["nodelist"] is JsonObject list)
                foreach (var (node, info) in list) nodes[node] = Truthy((info as JsonObject)?["online"]);
            return new Members(name, quorate, nodes);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new HaEnvironmentException($"unable to read {file} - {e.Message}");
        }
    }

    private static bool Truthy(JsonNode? value) => value?.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.Number => value.GetValue<JsonElement>().TryGetInt64(out long n) && n != 0,
        JsonValueKind.String => value.GetValue<string>() is { Length: > 0 } s && s != "0",
        _ => false,
    };

    /// <summary>The pmxcfs JSON of this view, as seen by <paramref name="localNode"/>.</summary>
    public string ToJson(string localNode)
    {
        var list = new JsonObject();
        int id = 1;
        foreach (var (node, online) in Nodes) list[node] = new JsonObject { ["id"] = id++, ["online"] = online ? 1 : 0, ["ip"] = "127.0.0.1" };
        var root = new JsonObject
        {
            ["nodename"] = localNode,
            ["version"] = 1,
            ["cluster"] = new JsonObject { ["name"] = ClusterName, ["version"] = 1, ["nodes"] = Nodes.Count, ["quorate"] = Quorate ? 1 : 0 },
            ["nodelist"] = list,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>The core's view: every member with its online flag, all offline while not quorate.</summary>
    public NodeInfo ToNodeInfo() => new(
        Nodes.ToDictionary(kv => kv.Key, kv => Quorate && kv.Value, StringComparer.Ordinal), Quorate);
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using HaManager.Core.Model;

namespace HaManager.Core.Formats;

/// <summary>
/// Reads and writes the JSON status files: <c>manager_status</c> (crm-manager §3.1) and
/// <c>lrm_status</c> (lrm-watchdog-env §1.2). Writing is compact and ordinal; reading accepts any
/// key order, numbers given as strings, and ignores unknown keys (config-cli §8.1).
/// </summary>
public static class StatusJson
{
    private static readonly JsonDocumentOptions ReadOptions = new() { AllowTrailingCommas = false };

    /// <summary>Parses a manager status; empty text reads as an empty status. Throws
    /// <see cref="FormatException"/> (naming the file and what is wrong) and nothing else.</summary>
    public static ManagerStatus ParseManagerStatus(string json)
    {
        var status = new ManagerStatus();
        if (string.IsNullOrWhiteSpace(json)) return status;
        using var doc = ParseDocument(json, "manager_status");
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("manager_status: not a JSON object");

        if (root.TryGetProperty("master_node", out var master) && master.ValueKind == JsonValueKind.String)
            status.MasterNode = master.GetString();
        if (root.TryGetProperty("timestamp", out var ts)) status.Timestamp = AsLong(ts);
        if (root.TryGetProperty("node_status", out var nodes) && nodes.ValueKind == JsonValueKind.Object)
            foreach (var p in nodes.EnumerateObject())
                if (StateNames.TryParseNode(Scalar(p.Value), out var ns)) status.NodeStatus[p.Name] = ns;
                else throw new FormatException($"manager_status: node_status: unknown node state '{p.Value}' for node '{p.Name}'");
        if (root.TryGetProperty("service_status", out var services) && services.ValueKind == JsonValueKind.Object)
            foreach (var p in services.EnumerateObject()) status.ServiceStatus[p.Name] = ParseEntry(p.Name, p.Value);
        if (root.TryGetProperty("node_request", out var requests) && requests.ValueKind == JsonValueKind.Object)
        {
            status.NodeRequest = new SortedDictionary<string, bool>(StringComparer.Ordinal);
            foreach (var p in requests.EnumerateObject())
                status.NodeRequest[p.Name] = p.Value.ValueKind == JsonValueKind.Object
                    && p.Value.TryGetProperty("maintenance", out var m) && IsTruthy(m);
        }
        if (root.TryGetProperty("disarm", out var disarm) && disarm.ValueKind == JsonValueKind.Object)
            status.Disarm = new DisarmInfo(AsString(disarm, "mode") ?? "", AsString(disarm, "state") ?? DisarmInfo.Disarming);
        return status;
    }

    private static ServiceStatusEntry ParseEntry(string sid, JsonElement e)
    {
        string? stateWord = AsString(e, "state");
        if (!StateNames.TryParseService(stateWord, out var state))
            throw new FormatException($"manager_status: service_status: service '{sid}' has unknown state '{stateWord}'");
        var entry = new ServiceStatusEntry
        {
            State = state,
            Node = AsString(e, "node") ?? "",
            Uid = AsString(e, "uid") ?? "",
            Target = AsString(e, "target"),
            Timeout = AsString(e, "timeout"),
            MaintenanceNode = AsString(e, "maintenance_node"),
            Running = e.TryGetProperty("running", out var running) && IsTruthy(running),
        };
        if (e.TryGetProperty("cmd", out var cmd) && cmd.ValueKind == JsonValueKind.Array && cmd.GetArrayLength() >= 2)
            entry.Command = new QueuedCommand(Scalar(cmd[0]) ?? "", Scalar(cmd[1]) ?? "");
        if (e.TryGetProperty("failed_nodes", out var failed) && failed.ValueKind == JsonValueKind.Array)
            entry.FailedNodes = failed.EnumerateArray().Select(n => Scalar(n) ?? "").ToList();
        return entry;
    }

    /// <summary>Parses an LRM status; empty text reads as an empty status. Throws
    /// <see cref="FormatException"/> (naming the file and what is wrong) and nothing else.</summary>
    public static LrmStatus ParseLrmStatus(string json)
    {
        var status = new LrmStatus();
        if (string.IsNullOrWhiteSpace(json)) return status;
        using var doc = ParseDocument(json, "lrm_status");
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("lrm_status: not a JSON object");
        status.State = AsString(root, "state");
        status.Mode = AsString(root, "mode");
        if (root.TryGetProperty("timestamp", out var ts)) status.Timestamp = AsLong(ts);
        if (root.TryGetProperty("results", out var results) && results.ValueKind == JsonValueKind.Object)
            foreach (var p in results.EnumerateObject())
                status.Results[p.Name] = new LrmResult(AsString(p.Value, "sid") ?? "", AsString(p.Value, "state") ?? "",
                    ExitCodeOf(p.Value));
        return status;
    }

    /// <summary>Compact JSON of a manager status, keys in a fixed order.</summary>
    public static string Write(ManagerStatus status)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (status.MasterNode is not null) w.WriteString("master_node", status.MasterNode);
            w.WriteStartObject("node_status");
            foreach (var (node, state) in status.NodeStatus) w.WriteString(node, StateNames.Of(state));
            w.WriteEndObject();
            w.WriteStartObject("service_status");
            foreach (var (sid, sd) in status.ServiceStatus) WriteEntry(w, sid, sd);
            w.WriteEndObject();
            if (status.Timestamp is { } t) w.WriteNumber("timestamp", t);
            if (status.NodeRequest is not null)
            {
                w.WriteStartObject("node_request");
                foreach (var (node, maintenance) in status.NodeRequest)
                {
                    w.WriteStartObject(node);
                    if (maintenance) w.WriteNumber("maintenance", 1);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            if (status.Disarm is { } d)
            {
                w.WriteStartObject("disarm");
                w.WriteString("mode", d.Mode);
                w.WriteString("state", d.State);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteEntry(Utf8JsonWriter w, string sid, ServiceStatusEntry sd)
    {
        w.WriteStartObject(sid);
        w.WriteString("state", StateNames.Of(sd.State));
        w.WriteString("node", sd.Node);
        w.WriteString("uid", sd.Uid);
        if (sd.Target is not null) w.WriteString("target", sd.Target);
        if (sd.Timeout is not null) w.WriteString("timeout", sd.Timeout);
        if (sd.Command is { } cmd)
        {
            w.WriteStartArray("cmd");
            w.WriteStringValue(cmd.Verb);
            w.WriteStringValue(cmd.Argument);
            w.WriteEndArray();
        }
        if (sd.FailedNodes is not null)
        {
            w.WriteStartArray("failed_nodes");
            foreach (var n in sd.FailedNodes) w.WriteStringValue(n);
            w.WriteEndArray();
        }
        if (sd.MaintenanceNode is not null) w.WriteString("maintenance_node", sd.MaintenanceNode);
        if (sd.Running) w.WriteNumber("running", 1);
        w.WriteEndObject();
    }

    /// <summary>Compact JSON of an LRM status.</summary>
    public static string Write(LrmStatus status)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (status.State is not null) w.WriteString("state", status.State);
            if (status.Mode is not null) w.WriteString("mode", status.Mode);
            w.WriteStartObject("results");
            foreach (var (uid, r) in status.Results.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.WriteStartObject(uid);
                w.WriteString("sid", r.Sid);
                w.WriteString("state", r.State);
                w.WriteNumber("exit_code", r.ExitCode);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            if (status.Timestamp is { } t) w.WriteNumber("timestamp", t);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string? AsString(JsonElement obj, string key) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(key, out var v) ? Scalar(v) : null;

    /// <summary>A JSON scalar as text (numbers in their literal form); null for null or non-scalars.</summary>
    public static string? Scalar(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.GetRawText(),
        JsonValueKind.True => "1",
        JsonValueKind.False => "0",
        _ => null,
    };

    private static JsonDocument ParseDocument(string json, string file)
    {
        try { return JsonDocument.Parse(json, ReadOptions); }
        catch (JsonException e) { throw new FormatException($"{file}: not valid JSON - {e.Message}"); }
        catch (ArgumentException) { throw new FormatException($"{file}: not valid text (broken UTF-16/UTF-8)"); }
    }

    /// <summary>An integer of any spelling; null when absent, not a number, or beyond a long (a number of
    /// any size is data, never a crash).</summary>
    private static long? AsLong(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number when v.TryGetInt64(out long l) => l,
        JsonValueKind.Number when v.TryGetDouble(out double d) && double.IsFinite(d) && Math.Abs(d) < 9.2e18 => (long)d,
        JsonValueKind.String when long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) => l,
        _ => null,
    };

    /// <summary>A result's exit code; one outside the range of exit codes reads as "failed to execute".</summary>
    private static int ExitCodeOf(JsonElement result)
    {
        if (!result.TryGetProperty("exit_code", out var code)) return 0;
        return AsLong(code) is { } n && n is >= int.MinValue and <= int.MaxValue ? (int)n : ExitCodes.Crashed;
    }

    private static bool IsTruthy(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.Number => !v.TryGetDouble(out double d) || d != 0,
        JsonValueKind.String => v.GetString() is { Length: > 0 } s && s != "0",
        _ => false,
    };
}

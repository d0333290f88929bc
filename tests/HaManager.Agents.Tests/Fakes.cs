using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Agents.Tests;

internal sealed class ListLog : IHaLog
{
    public List<string> Lines { get; } = [];
    public void Write(LogLevel level, string message) { lock (Lines) Lines.Add($"{LogLevels.Name(level)}: {message}"); }
    public void SendFenceNotification(string prefix, string subject, string fencedNode) { }
}

internal sealed class FakeHomes : IServiceHomes
{
    public Dictionary<string, string> Nodes { get; } = new(StringComparer.Ordinal);
    public string? NodeOf(string sid) => Nodes.GetValueOrDefault(sid);
    public void Move(string sid, string fromNode, string toNode)
    {
        if (Nodes.GetValueOrDefault(sid) != fromNode) throw new HaEnvironmentException($"'{sid}' is not on {fromNode}");
        Nodes[sid] = toNode;
    }
}

/// <summary>A stand-in command: a shell script that records its arguments and answers as told.</summary>
internal sealed class StandIn
{
    public string Path { get; }
    public string CallLog { get; }

    public StandIn(string dir, string name, string body)
    {
        Path = System.IO.Path.Combine(dir, name);
        CallLog = System.IO.Path.Combine(dir, name + ".calls");
        File.WriteAllText(Path, $"#!/bin/sh\necho \"$*\" >> '{CallLog}'\n{body}\n");
        File.SetUnixFileMode(Path, (UnixFileMode)0b111_101_101);
    }

    public string[] Calls => File.Exists(CallLog) ? File.ReadAllLines(CallLog) : [];
}

internal static class Config
{
    public static Func<string, ServiceConfigEntry?> Of(Dictionary<string, ServiceConfigEntry> entries) => sid => entries.GetValueOrDefault(sid);

    public static ServiceConfigEntry Ocf(string agent, string? parameters = null, params (string Key, string Value)[] more)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal) { ["agent"] = agent };
        if (parameters is not null) options["params"] = parameters;
        foreach (var (k, v) in more) options[k] = v;
        return new ServiceConfigEntry { Node = "node1", Type = "ocf", State = "started", Options = options };
    }
}

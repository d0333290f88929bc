using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace HaManager.Core.Formats;

/// <summary>A fence.cfg that could not be parsed: every error, one <c>line N: …</c> each.</summary>
public sealed class FenceConfigException(string message) : Exception(message);

/// <summary>One fence command for a node: the agent and its <c>key[=value]</c> parameters.</summary>
/// <param name="Agent">The fence agent program.</param>
/// <param name="SubDevice">The parallel sub-device number.</param>
/// <param name="Parameters">Device parameters followed by the node's.</param>
public sealed record FenceCommand(string Agent, int SubDevice, IReadOnlyList<string> Parameters)
{
    /// <summary>The command line: <c>-k value</c> for one-letter keys, <c>--key=value</c> otherwise, values
    /// shell-quoted (crm-manager §12.2).</summary>
    public override string ToString() => Format(redact: false);

    /// <summary>The command line with secret values (keys <c>p</c> or containing <c>passw</c>) shown as
    /// <c>***</c>: what may go to a log.</summary>
    public string ToRedactedString() => Format(redact: true);

    /// <summary>True iff the parameter key names a secret.</summary>
    public static bool IsSecret(string key) => key == "p" || key.Contains("passw", StringComparison.OrdinalIgnoreCase);

    private string Format(bool redact)
    {
        var words = new List<string> { Agent };
        foreach (var parameter in Parameters)
        {
            var parts = parameter.Split('=');
            string key = parts[0];
            string? value = parts.Length > 1 ? parts[1] : null; // Text between the first and second '='.
            if (redact && value is not null && IsSecret(key)) value = "***";
            if (key.Length == 1)
            {
                words.Add("-" + key);
                if (value is not null) words.Add(FenceConfig.ShellQuote(value));
            }
            else words.Add(value is null ? "--" + key : $"--{key}={FenceConfig.ShellQuote(value)}");
        }
        return string.Join(" ", words);
    }
}

/// <summary>
/// fence.cfg (crm-manager §12, dormant: the manager fences by agent lock): <c>device name[:n] agent args…</c>
/// declares a (parallel sub-)device, <c>connect name[:n] node=&lt;node&gt; args…</c> attaches a node with its
/// own arguments. Devices are tried in declaration priority; all sub-devices of one device run in parallel.
/// </summary>
public sealed partial class FenceConfig
{
    private sealed class Device
    {
        public int? Priority { get; set; }
        public SortedDictionary<int, (string Agent, List<string> Args, Dictionary<string, List<string>> Nodes)> SubDevices { get; } = new();
    }

    private readonly Dictionary<string, Device> _devices = new(StringComparer.Ordinal);

    [GeneratedRegex(@"^(device|connect)\s+(\S+)\s+(\S+)\s+(.+)$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex LinePattern();

    [GeneratedRegex(@"^(\w+)(?::(\d+))?$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^node=(\w+)$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex NodePattern();

    /// <summary>Warnings about ignored lines (<c>&lt;file&gt; ignore line N: …</c>).</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>Parses the text; throws <see cref="FenceConfigException"/> listing every error.</summary>
    public static FenceConfig Parse(string text, string fileName)
    {
        var config = new FenceConfig();
        var errors = new StringBuilder();
        int priorityCounter = 0;
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim(' ', '\t', '\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var m = LinePattern().Match(line);
            if (!m.Success)
            {
                config.Warnings.Add($"{fileName} ignore line {i + 1}: {line}");
                continue;
            }
            string? error = m.Groups[1].Value == "device"
                ? config.Declare(m.Groups[2].Value, m.Groups[3].Value, SplitWords(m.Groups[4].Value), ref priorityCounter)
                : config.Connect(m.Groups[2].Value, m.Groups[3].Value, SplitWords(m.Groups[4].Value));
            if (error is not null) errors.Append("line ").Append(i + 1).Append(": ").Append(error).Append('\n');
        }
        if (errors.Length > 0) throw new FenceConfigException($"Encountered error(s) on parsing '{fileName}':\n{errors}");
        return config;
    }

    private static (string Name, int SubDevice)? SplitName(string text)
    {
        var m = NamePattern().Match(text);
        if (!m.Success) return null;
        int sub = 1;
        if (m.Groups[2].Success && !int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out sub))
            return null;
        return (m.Groups[1].Value, sub == 0 ? 1 : sub);
    }

    private string? Declare(string nameText, string agent, List<string> args, ref int priorityCounter)
    {
        if (SplitName(nameText) is not var (name, sub)) return $"invalid device name '{nameText}'";
        if (!_devices.TryGetValue(name, out var device)) _devices[name] = device = new Device();
        if (device.SubDevices.ContainsKey(sub)) return $"device '{name}:{sub}' already declared";
        // Upstream quirk kept on purpose: a device whose priority is 0 (the first one declared) takes a new
        // priority with its next sub-device line.
        if (device.Priority is null or 0) device.Priority = priorityCounter++;
        device.SubDevices[sub] = (agent, args, new Dictionary<string, List<string>>(StringComparer.Ordinal));
        return null;
    }

    private string? Connect(string nameText, string target, List<string> args)
    {
        if (SplitName(nameText) is not var (name, sub)) return $"invalid device name '{nameText}'";
        if (!_devices.TryGetValue(name, out var device)) return $"device '{name}' must be declared before you can connect to it";
        if (!device.SubDevices.TryGetValue(sub, out var subDevice)) return $"No parallel device '{name}:{sub}' found";
        if (NodePattern().Match(target) is not { Success: true } m) return $"node=nodename needed to connect device '{name}' to node";
        string node = m.Groups[1].Value;
        if (!subDevice.Nodes.TryAdd(node, args)) return $"node '{node}' already connected to device '{name}:{sub}'";
        return null;
    }

    /// <summary>The commands to run for <paramref name="node"/> at try <paramref name="attempt"/>: each device
    /// connected to the node uses one try; an empty list when all are used up (crm-manager §12.2).</summary>
    public IReadOnlyList<FenceCommand> GetCommands(string node, int attempt = 0)
    {
        int remaining = Math.Max(0, attempt);
        foreach (var device in _devices.Values.OrderBy(d => d.Priority))
        {
            var commands = device.SubDevices
                .Where(s => s.Value.Nodes.ContainsKey(node))
                .Select(s => new FenceCommand(s.Value.Agent, s.Key, [.. s.Value.Args, .. s.Value.Nodes[node]]))
                .ToList();
            if (commands.Count == 0) continue;
            if (remaining-- == 0) return commands;
        }
        return [];
    }

    /// <summary>How many devices can fence <paramref name="node"/>.</summary>
    public int CountDevices(string node) =>
        _devices.Values.Count(d => d.SubDevices.Values.Any(s => s.Nodes.ContainsKey(node)));

    /// <summary>Splits arguments like a POSIX shell: blanks separate words; single quotes are literal;
    /// in double quotes a backslash escapes <c>" \ $ `</c>; outside quotes it escapes any character.</summary>
    public static List<string> SplitWords(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is ' ' or '\t')
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            inWord = true;
            if (c == '\'')
            {
                int end = text.IndexOf('\'', i + 1);
                if (end < 0) end = text.Length;
                word.Append(text, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '"')
            {
                for (i++; i < text.Length && text[i] != '"'; i++)
                {
                    if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`') i++;
                    word.Append(text[i]);
                }
            }
            else if (c == '\\' && i + 1 < text.Length) word.Append(text[++i]);
            else word.Append(c);
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }

    /// <summary>Quotes one word for a shell as upstream's String::ShellQuote does (crm-manager §12.2).</summary>
    public static string ShellQuote(string word)
    {
        if (word.Length == 0) return "''";
        bool safe = !word.Contains('=') && Encoding.UTF8.GetBytes(word).All(b =>
            b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
            || "_!%+,-./:=@^".Contains((char)b));
        if (safe) return word;
        string escaped = word.Replace("'", "'\\''", StringComparison.Ordinal);
        // Runs of two or more escaped quotes read better as one double-quoted run.
        escaped = Regex.Replace(escaped, @"(?:'\\''){2,}", m => "'\"" + new string('\'', m.Length / 4) + "\"'");
        string quoted = "'" + escaped + "'";
        if (quoted.StartsWith("''", StringComparison.Ordinal)) quoted = quoted[2..];
        if (quoted.EndsWith("''", StringComparison.Ordinal) && quoted.Length >= 2) quoted = quoted[..^2];
        return quoted;
    }

    /// <summary>Upstream's fence-config unit-test report (crm-manager §12.3) for nodes node1..node3.</summary>
    public static string Report(string text, string fileName)
    {
        FenceConfig config;
        try { config = Parse(text, fileName); }
        catch (FenceConfigException e)
        {
            return "[FenceConfig] " + e.Message.TrimEnd('\n') + "\n";
        }
        var sb = new StringBuilder();
        string[] nodes = ["node1", "node2", "node3"];
        for (int attempt = 0; ; attempt++)
        {
            sb.Append("[try] ").Append(attempt).Append('\n');
            bool any = false;
            foreach (var node in nodes)
            {
                var commands = config.GetCommands(node, attempt);
                if (commands.Count == 0) sb.Append('[').Append(node).Append("-cmd] none\n");
                foreach (var command in commands.OrderBy(c => c.SubDevice))
                    sb.Append('[').Append(node).Append("-cmd] ").Append(command).Append('\n');
                any |= commands.Count > 0;
            }
            if (!any) return sb.ToString();
        }
    }
}

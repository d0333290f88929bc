using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using HaManager.Core.Environment;
using HaManager.Core.Formats;

namespace HaManager.Agents;

/// <summary>
/// What a fence agent says about its options (<c>&lt;agent&gt; -o metadata</c>, the fence-agents XML): each
/// parameter's name — the key of the stdin protocol — and its command-line spellings (<c>-a, --ip=[ip]</c>), so
/// a fence.cfg written with short or long options (upstream's <c>ipport=3</c>, <c>l=admin</c>) reaches the
/// agent under the name it reads on stdin.
/// </summary>
public sealed partial class FenceAgentMetadata
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);

    [GeneratedRegex(@"(?:^|,\s*)--?([A-Za-z0-9][\w-]*)")]
    private static partial Regex OptionPattern();

    /// <summary>Reads the metadata XML (anything an agent printed around it — Python warnings — is skipped);
    /// throws <see cref="FormatException"/> when it is not fence-agent metadata.</summary>
    public static FenceAgentMetadata Parse(string output)
    {
        int start = output.IndexOf("<resource-agent", StringComparison.Ordinal);
        int end = output.LastIndexOf("</resource-agent>", StringComparison.Ordinal);
        if (start < 0 || end < start) throw new FormatException("no <resource-agent> element");
        XDocument doc;
        try
        {
            doc = XDocument.Parse(output[start..(end + "</resource-agent>".Length)]);
        }
        catch (XmlException e)
        {
            throw new FormatException($"not XML: {e.Message}");
        }
        if (doc.Root?.Name.LocalName != "resource-agent") throw new FormatException("no <resource-agent> element");
        var metadata = new FenceAgentMetadata();
        // Current names first: a deprecated alias (fence_ipmilan's "login") shares its spelling ("-l") with them.
        foreach (var parameter in doc.Root.Descendants("parameter").OrderBy(p => p.Attribute("deprecated")?.Value == "1"))
        {
            if (parameter.Attribute("name")?.Value is not { Length: > 0 } name) continue;
            metadata._names.Add(name);
            string mixed = parameter.Element("getopt")?.Attribute("mixed")?.Value ?? "";
            foreach (Match m in OptionPattern().Matches(mixed)) metadata._options.TryAdd(m.Groups[1].Value, name);
        }
        if (metadata._names.Count == 0) throw new FormatException("no parameters");
        return metadata;
    }

    /// <summary>The stdin name of a fence.cfg key (<c>a</c>, <c>ip</c>, <c>status-file</c>, <c>status_file</c>),
    /// or null when the agent has no such option.</summary>
    public string? NameOf(string key)
    {
        if (_names.Contains(key)) return key;
        if (_options.TryGetValue(key, out var name)) return name;
        string underscored = key.Replace('-', '_');
        return _names.Contains(underscored) ? underscored : null;
    }

    /// <summary>The agent's stdin text for <paramref name="parameters"/> (<c>key[=value]</c> as fence.cfg holds
    /// them; a bare key is a flag, sent as <c>1</c>) and <paramref name="action"/>, which comes last so no
    /// parameter can override it. Without metadata, long keys go as they are and short ones are refused.</summary>
    /// <exception cref="ArgumentException">An option the agent does not know, or a value with a line break.</exception>
    public static string StdinFor(FenceAgentMetadata? metadata, string agent, IEnumerable<string> parameters, string action)
    {
        var text = new StringBuilder();
        foreach (var parameter in parameters)
        {
            int eq = parameter.IndexOf('=');
            string key = (eq < 0 ? parameter : parameter[..eq]).TrimStart('-');
            string value = eq < 0 ? "1" : parameter[(eq + 1)..];
            if (value.Contains('\n') || value.Contains('\r')) throw new ArgumentException($"the value of '{key}' contains a line break");
            string? name = metadata is not null ? metadata.NameOf(key) : key.Length > 1 ? key.Replace('-', '_') : null;
            if (name is null) throw new ArgumentException($"fence agent '{agent}' has no option '{key}'");
            if (name == "action") continue;
            text.Append(name).Append('=').Append(value).Append('\n');
        }
        return text.Append("action=").Append(action).Append('\n').ToString();
    }
}

/// <summary>
/// Runs the fence agents of one fence level for the master (<see cref="IFenceDevices"/>): each command as its
/// own process with action <c>off</c> and the parameters on standard input (the fence-agents stdin protocol —
/// passwords never appear on a command line), all in parallel, each killed after <see cref="Timeout"/>. The
/// node counts as off only when every agent exited with 0. Agent names without a path are looked up in
/// <c>/usr/sbin</c>, <c>/sbin</c> and <c>PATH</c>; each agent's metadata is read once.
/// </summary>
public sealed class FenceAgentRunner(IHaLog log, Action? finished = null) : IFenceDevices
{
    private readonly ConcurrentQueue<FenceOutcome> _finished = new();
    private readonly ConcurrentDictionary<string, FenceAgentMetadata?> _metadata = new(StringComparer.Ordinal);

    /// <summary>How long one agent may run before it is killed and the level counts as failed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <inheritdoc/>
    public void Start(FenceRequest request) => Task.Run(() =>
    {
        FenceOutcome outcome;
        try
        {
            var results = request.Commands.Select(c => Task.Run(() => RunOne(request.Node, c))).ToArray();
            Task.WaitAll(results);
            var failed = results.Select(r => r.Result).FirstOrDefault(r => r is not null);
            outcome = new FenceOutcome(request.Node, request.Level, failed is null,
                failed ?? string.Join(", ", request.Commands.Select(c => $"{c.Agent} exited with 0")));
        }
        catch (Exception e)
        {
            // Whatever went wrong, the master must hear about it: an unreported level would stall the ladder.
            outcome = new FenceOutcome(request.Node, request.Level, false, $"fence runner failed: {e.Message}");
        }
        _finished.Enqueue(outcome);
        finished?.Invoke();
    });

    /// <inheritdoc/>
    public IReadOnlyList<FenceOutcome> CollectFinished()
    {
        var done = new List<FenceOutcome>();
        while (_finished.TryDequeue(out var outcome)) done.Add(outcome);
        return done;
    }

    /// <summary>Runs one agent; null on success, else why it failed.</summary>
    private string? RunOne(string node, FenceCommand command)
    {
        string shown = command.ToRedactedString();
        if (Resolve(command.Agent) is not { } path) return $"fence agent '{command.Agent}' not found";
        string input;
        try
        {
            input = FenceAgentMetadata.StdinFor(MetadataOf(path), command.Agent, command.Parameters, "off");
        }
        catch (ArgumentException e)
        {
            return $"command '{shown}' not run: {e.Message}";
        }
        var result = AgentProcess.Run(path, [], null, Timeout, log, $"fence '{node}'", input);
        return result.ExitCode switch
        {
            0 => null,
            AgentProcess.TimedOut => $"command '{shown}' timed out after {Timeout.TotalSeconds:0.#} s",
            AgentProcess.NotStarted => $"command '{shown}' could not be started",
            _ => $"command '{shown}' exited with '{result.ExitCode}'"
                + (result.Output.LastOrDefault(l => l.Trim().Length > 0) is { } last ? $": {last.Trim()}" : ""),
        };
    }

    private FenceAgentMetadata? MetadataOf(string path) => _metadata.GetOrAdd(path, p =>
    {
        var result = AgentProcess.Run(p, ["-o", "metadata"], null, TimeSpan.FromSeconds(10), log, "fence metadata", quiet: true);
        try
        {
            return result.ExitCode == 0 ? FenceAgentMetadata.Parse(string.Join("\n", result.Output)) : null;
        }
        catch (FormatException e)
        {
            log.Write(LogLevel.Warning, $"fence agent '{p}' gave no usable metadata ({e.Message}) - passing its options as written");
            return null;
        }
    });

    /// <summary>The agent's executable: a path as given, else the first of /usr/sbin, /sbin and PATH that has it.</summary>
    public static string? Resolve(string agent)
    {
        if (agent.Contains('/')) return File.Exists(agent) ? agent : null;
        var dirs = new List<string> { "/usr/sbin", "/sbin" };
        dirs.AddRange((System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        return dirs.Select(d => Path.Combine(d, agent)).FirstOrDefault(File.Exists);
    }
}

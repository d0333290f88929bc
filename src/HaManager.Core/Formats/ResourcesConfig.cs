using System.Globalization;
using System.Text.RegularExpressions;
using HaManager.Core.Model;

namespace HaManager.Core.Formats;

/// <summary><c>resources.cfg</c> (config-cli §3): the HA resources and their options.</summary>
public static partial class ResourcesConfig
{
    [GeneratedRegex(@"^[1-9][0-9]+$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex VmidPattern();

    private static readonly PropertySchema[] Options =
    [
        new("state", PropertyKind.Enumeration, Values: ["started", "stopped", "enabled", "disabled", "ignored"]),
        new("failback", PropertyKind.Boolean),
        new("max_restart", PropertyKind.Integer, Minimum: 0),
        new("max_relocate", PropertyKind.Integer, Minimum: 0),
        // Format errors end in a newline upstream (config-cli §2.2).
        new("group", PropertyKind.String, Format: g => HaFormats.CheckConfigId(g) is { } error ? error + "\n" : null),
        new("comment", PropertyKind.String, MaxLength: 4096),
    ];

    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex OcfNamePattern();

    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9_.@\\-]*$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex UnitNamePattern();

    [GeneratedRegex(@"^[a-zA-Z0-9_.-]+:[a-zA-Z0-9_.-]+$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex OcfAgentPattern();

    [GeneratedRegex(@"^[a-zA-Z_][a-zA-Z0-9_]*=[^,]*$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex OcfParamPattern();

    private static string? CheckVmid(string name) => VmidPattern().IsMatch(name) ? null : "invalid VMID";

    /// <summary>A per-action timeout in seconds (1 s to a day).</summary>
    private static PropertySchema Timeout(string name) => new(name, PropertyKind.Integer, Minimum: 1, Maximum: 86400);

    /// <summary>
    /// <c>ocf: &lt;name&gt;</c> — any OCF resource agent: <c>agent provider:type</c> (required, e.g.
    /// <c>heartbeat:Dummy</c>), <c>params k=v,k=v</c> (passed as <c>OCF_RESKEY_k</c>; values without
    /// commas), <c>timeout-start</c>/<c>timeout-stop</c>/<c>timeout-monitor</c> in seconds.
    /// </summary>
    private static readonly PropertySchema[] OcfOptions =
    [
        .. Options,
        new("agent", PropertyKind.String, Required: true,
            Format: v => OcfAgentPattern().IsMatch(v) ? null : "value does not look like an OCF agent (provider:type)"),
        new("params", PropertyKind.String, MaxLength: 4096,
            Format: v => v.Split(',').All(p => OcfParamPattern().IsMatch(p)) ? null : "value does not look like OCF parameters (name=value,name=value)"),
        Timeout("timeout-start"), Timeout("timeout-stop"), Timeout("timeout-monitor"),
    ];

    /// <summary><c>service: &lt;unit&gt;</c> — a systemd unit: <c>timeout-start</c>/<c>timeout-stop</c> in seconds.</summary>
    private static readonly PropertySchema[] UnitOptions = [.. Options, Timeout("timeout-start"), Timeout("timeout-stop")];

    /// <summary>The keys every type shares; the rest of a section is its type's <see cref="ServiceConfigEntry.Options"/>.</summary>
    private static readonly HashSet<string> CommonKeys = [.. Options.Select(o => o.Name)];

    /// <summary>The schema of <c>ha/resources.cfg</c>: upstream's <c>vm</c> and <c>ct</c>, and our <c>ocf</c>
    /// (OCF resource agents) and <c>service</c> (systemd units).</summary>
    public static SectionConfigSchema Schema { get; } = new("ha/resources.cfg",
        [
            new SectionTypeSchema("vm", Options, CheckVmid), new SectionTypeSchema("ct", Options, CheckVmid),
            new SectionTypeSchema("ocf", OcfOptions, n => OcfNamePattern().IsMatch(n) ? null : "invalid OCF resource name"),
            new SectionTypeSchema("service", UnitOptions, n => UnitNamePattern().IsMatch(n) ? null : "invalid unit name"),
        ],
        SectionIdIncludesType: true, LowerCaseType: true);

    /// <summary>Parses the file text.</summary>
    public static SectionConfigFile Parse(string text) => SectionConfig.Parse(text, Schema);

    /// <summary>Writes the file text.</summary>
    public static string Write(SectionConfigFile file) => SectionConfig.Write(file, Schema);

    /// <summary>
    /// The runtime view (config-cli §3.4): defaults applied, <c>enabled</c> read as <c>started</c>, and
    /// <c>node</c> taken from where the guest lives. Resources whose guest is not found are left out.
    /// </summary>
    /// <param name="file">The parsed file.</param>
    /// <param name="locate">sid → node of the guest, or null when it does not exist.</param>
    /// <param name="defaultState">Requested state when none is configured (<c>started</c> on a real cluster).</param>
    public static SortedMap<ServiceConfigEntry> ToRuntime(SectionConfigFile file, Func<string, string?> locate,
        string defaultState = RequestedStates.Started)
    {
        var result = new SortedMap<ServiceConfigEntry>();
        foreach (var id in file.IdsInOrder())
        {
            if (locate(id) is not { } node) continue;
            var props = file.Sections[id].Properties;
            string state = props.TryGetValue("state", out var s) ? s : defaultState;
            if (state == RequestedStates.Enabled) state = RequestedStates.Started;
            result[id] = new ServiceConfigEntry
            {
                Node = node,
                State = state,
                Type = file.Sections[id].Type,
                Failback = !props.TryGetValue("failback", out var fb) || fb != "0",
                MaxRestart = props.TryGetValue("max_restart", out var mr) ? int.Parse(mr, CultureInfo.InvariantCulture) : 1,
                MaxRelocate = props.TryGetValue("max_relocate", out var ml) ? int.Parse(ml, CultureInfo.InvariantCulture) : 1,
                Group = props.GetValueOrDefault("group"),
                Comment = props.GetValueOrDefault("comment"),
                Options = props.Where(kv => !CommonKeys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            };
        }
        return result;
    }
}

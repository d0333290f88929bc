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

    private static string? CheckVmid(string name) => VmidPattern().IsMatch(name) ? null : "invalid VMID";

    /// <summary>The schema of <c>ha/resources.cfg</c>: types <c>vm</c> and <c>ct</c>, no required options.</summary>
    public static SectionConfigSchema Schema { get; } = new("ha/resources.cfg",
        [new SectionTypeSchema("vm", Options, CheckVmid), new SectionTypeSchema("ct", Options, CheckVmid)],
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
            };
        }
        return result;
    }
}

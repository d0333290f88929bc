using System.Text.RegularExpressions;

namespace HaManager.Core.Model;

/// <summary>Splitting and checking service ids (<c>vm:101</c>), lrm-watchdog-env §11.</summary>
public static partial class ServiceId
{
    [GeneratedRegex(@"^(\S+):(\S+)$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex SplitPattern();

    [GeneratedRegex(@"^[a-z]+:\S+$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex ResourceIdPattern();

    /// <summary>Splits a sid into type and name; throws the upstream message if it has no colon.</summary>
    public static (string Type, string Name) Parse(string sid)
    {
        var m = SplitPattern().Match(sid);
        if (!m.Success) throw new FormatException($"unable to parse service id '{sid}'\n");
        return (m.Groups[1].Value, m.Groups[2].Value);
    }

    /// <summary>The type part of a sid (everything before the first colon).</summary>
    public static string TypeOf(string sid)
    {
        int colon = sid.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? sid : sid[..colon];
    }

    /// <summary>True iff the text has the HA resource id format <c>^[a-z]+:\S+$</c>.</summary>
    public static bool LooksValid(string sid) => ResourceIdPattern().IsMatch(sid);
}

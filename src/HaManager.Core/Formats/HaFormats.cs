using System.Text;
using System.Text.RegularExpressions;

namespace HaManager.Core.Formats;

/// <summary>Shared value formats of the HA config files (config-cli §2.5).</summary>
public static partial class HaFormats
{
    [GeneratedRegex(@"^[a-z][a-z0-9_-]+$", RegexOptions.IgnoreCase, Constants.NoRegexTimeout)]
    private static partial Regex ConfigIdPattern();

    [GeneratedRegex(@"^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)(:(\d+))?$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex HaNodePattern();

    [GeneratedRegex(@"\s+", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex Blanks();

    /// <summary>Null if <paramref name="id"/> is a config id (group or rule id), else the error.</summary>
    public static string? CheckConfigId(string id) => ConfigIdPattern().IsMatch(id) ? null : $"invalid configuration ID '{id}'";

    /// <summary>Splits a list value: NUL-separated, or on commas, semicolons and blanks (config-cli §2.5).</summary>
    public static IReadOnlyList<string> SplitList(string value)
    {
        if (value.Contains('\0')) return value.Split('\0');
        string spaced = value.Replace(',', ' ').Replace(';', ' ').TrimStart();
        return spaced.Length == 0 ? [] : Blanks().Split(spaced).Where(s => s.Length > 0).ToArray();
    }

    /// <summary>Error for a bad HA node list item, or null.</summary>
    public static string? CheckHaNodeList(string value) =>
        SplitList(value).Any(item => HaNodePattern().Match(item) is not { Success: true } m
            || (m.Groups[4].Success && !int.TryParse(m.Groups[4].Value, System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out _)))
            ? "value does not look like a valid ha node" : null;

    /// <summary>Error for a bad resource list item, or null.</summary>
    public static string? CheckResourceList(string value) =>
        SplitList(value).Any(item => !Model.ServiceId.LooksValid(item)) ? "value does not look like a valid ha resource id" : null;

    /// <summary>Parses an HA node list into (node, priority) in order; priority defaults to 0.</summary>
    public static List<(string Node, int Priority)> ParseHaNodes(string value)
    {
        var nodes = new List<(string, int)>();
        foreach (var item in SplitList(value))
        {
            var m = HaNodePattern().Match(item);
            if (!m.Success) continue;
            int prio = 0;
            // A priority too large for the scheduler counts as the largest (the list check refuses it first).
            if (m.Groups[4].Success && !int.TryParse(m.Groups[4].Value, System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out prio)) prio = int.MaxValue;
            nodes.Add((m.Groups[1].Value, prio));
        }
        return nodes;
    }

    /// <summary>Percent-encodes a rule comment: bytes outside 0x20–0x24, 0x26–0x39, 0x3B–0x7E become %XX.</summary>
    public static string EncodeComment(string text)
    {
        var sb = new StringBuilder();
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            bool literal = b is >= 0x20 and <= 0x24 or >= 0x26 and <= 0x39 or >= 0x3B and <= 0x7E;
            if (literal) sb.Append((char)b);
            else sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Decodes %XX sequences and reads the bytes as UTF-8.</summary>
    public static string DecodeComment(string text)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '%' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else bytes.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}

using System.Text;
using System.Text.RegularExpressions;
using HaManager.Core.Formats;

namespace HaManager.Cli;

/// <summary>Option values checked with a file's own section-config schema: what its parser would refuse
/// to read, a command refuses to write (as <c>param: message</c> pairs for a 400 error).</summary>
internal static partial class SchemaCheck
{
    public static List<(string Param, string Message)> ValueErrors(SectionConfigSchema schema, string header,
        IEnumerable<KeyValuePair<string, string>> options)
    {
        var text = new StringBuilder(header).Append('\n');
        foreach (var (k, v) in options) text.Append('\t').Append(k).Append(' ').Append(v).Append('\n');
        return SectionConfig.Parse(text.ToString(), schema).Warnings
            .Select(w => ValueError().Match(w)).Where(m => m.Success)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value.TrimEnd())).ToList();
    }

    [GeneratedRegex(@"unable to parse value of '([^']+)': (.*)$")]
    private static partial Regex ValueError();
}

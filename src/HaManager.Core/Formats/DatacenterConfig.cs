using System.Globalization;
using HaManager.Core.Environment;

namespace HaManager.Core.Formats;

/// <summary>
/// The HA-related keys of a real <c>/etc/pve/datacenter.cfg</c> (config-cli §7): <c>key: value</c> lines,
/// where <c>ha</c> and <c>crs</c> are property strings <c>k=v,k=v</c>. Everything else is ignored.
/// </summary>
public static class DatacenterConfig
{
    /// <summary>Parses the text; unknown keys and malformed lines are skipped, missing ones keep defaults.</summary>
    public static DatacenterSettings Parse(string? text)
    {
        string? policy = null;
        var crs = new Dictionary<string, string>(StringComparer.Ordinal);
        int? maxWorkers = null;
        string? fencing = null;
        foreach (var raw in (text ?? "").Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            string key = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "ha":
                    policy = PropertyString(value, "shutdown_policy").GetValueOrDefault("shutdown_policy");
                    break;
                case "crs":
                    foreach (var (k, v) in PropertyString(value, "ha")) crs[k] = v;
                    break;
                // integer >= 1 (config-cli §7); anything else keeps the default.
                case "max_workers" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 1:
                    maxWorkers = n;
                    break;
                case "fencing":
                    fencing = value;
                    break;
            }
        }
        return new DatacenterSettings(policy, crs) { MaxWorkers = maxWorkers, FencingMode = fencing };
    }

    /// <summary>Splits <c>k=v,k=v</c>; a bare value belongs to <paramref name="defaultKey"/>.</summary>
    public static Dictionary<string, string> PropertyString(string value, string defaultKey)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) result[defaultKey] = part;
            else result[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }
        return result;
    }
}

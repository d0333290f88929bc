using System.Globalization;
using System.Text;

namespace HaManager.Simulator.Reports;

/// <summary>
/// Canonical pretty JSON as upstream's test tools print it: keys sorted ordinally, three-space
/// indentation, <c>"key" : value</c>, empty objects as <c>{}</c>. Values are strings, integers or
/// nested <see cref="SortedDictionary{TKey,TValue}"/> objects.
/// </summary>
public static class PrettyJson
{
    /// <summary>A new empty object.</summary>
    public static SortedDictionary<string, object> Object() => new(StringComparer.Ordinal);

    /// <summary>Formats a value with a trailing newline.</summary>
    public static string Format(object value)
    {
        var sb = new StringBuilder();
        Write(sb, value, 0);
        return sb.Append('\n').ToString();
    }

    private static void Write(StringBuilder sb, object value, int depth)
    {
        switch (value)
        {
            case SortedDictionary<string, object> obj:
                if (obj.Count == 0)
                {
                    sb.Append("{}");
                    return;
                }
                sb.Append("{\n");
                int i = 0;
                foreach (var (key, item) in obj)
                {
                    sb.Append(' ', 3 * (depth + 1));
                    WriteString(sb, key);
                    sb.Append(" : ");
                    Write(sb, item, depth + 1);
                    sb.Append(++i < obj.Count ? ",\n" : "\n");
                }
                sb.Append(' ', 3 * depth).Append('}');
                break;
            case string s: WriteString(sb, s); break;
            case int n: sb.Append(n.ToString(CultureInfo.InvariantCulture)); break;
            case long n: sb.Append(n.ToString(CultureInfo.InvariantCulture)); break;
            default: throw new ArgumentException($"unsupported JSON value {value.GetType().Name}");
        }
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}

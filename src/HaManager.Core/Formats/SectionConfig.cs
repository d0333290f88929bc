using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace HaManager.Core.Formats;

/// <summary>The value type of a section-config property (config-cli §2.2).</summary>
public enum PropertyKind
{
    /// <summary>Free text (optionally with a format check and a maximum length).</summary>
    String,
    /// <summary><c>0</c> or <c>1</c>; a key without value means <c>1</c>.</summary>
    Boolean,
    /// <summary><c>^[+-]?\d+$</c>, optionally with a minimum.</summary>
    Integer,
    /// <summary>One of a fixed list of words.</summary>
    Enumeration,
}

/// <summary>One property of a section type.</summary>
/// <param name="Name">Key.</param>
/// <param name="Kind">Value type.</param>
/// <param name="Required">Whether a section without it is dropped.</param>
/// <param name="Minimum">Integer minimum.</param>
/// <param name="Values">Enumeration values, in schema order.</param>
/// <param name="MaxLength">Maximum string length.</param>
/// <param name="Format">Returns the format error text for a bad value, or null.</param>
/// <param name="Maximum">Largest value of an integer property (default: what fits an int).</param>
public sealed record PropertySchema(string Name, PropertyKind Kind, bool Required = false, long? Minimum = null,
    IReadOnlyList<string>? Values = null, int? MaxLength = null, Func<string, string?>? Format = null,
    long Maximum = int.MaxValue);

/// <summary>One section type (<c>vm</c>, <c>group</c>, <c>node-affinity</c>, …).</summary>
/// <param name="Type">The header type word.</param>
/// <param name="Properties">Properties allowed in this type.</param>
/// <param name="CheckName">Returns the error for an invalid section name, or null.</param>
public sealed record SectionTypeSchema(string Type, IReadOnlyList<PropertySchema> Properties, Func<string, string?> CheckName);

/// <summary>The schema of one section-config file.</summary>
/// <param name="FileName">Cluster-relative name used in warnings (<c>ha/resources.cfg</c>).</param>
/// <param name="Types">Known section types.</param>
/// <param name="SectionIdIncludesType">True for resources.cfg, whose section id is <c>type:name</c>.</param>
/// <param name="LowerCaseType">True when the header type is lower-cased on read.</param>
/// <param name="IsolatedTypes">True when each type has its own property namespace (rules.cfg), so a key of
/// another type is "unknown" rather than "unexpected".</param>
/// <param name="UnknownTypeFormat">Message for an unknown section type; <c>{0}</c> is the type.</param>
public sealed record SectionConfigSchema(string FileName, IReadOnlyList<SectionTypeSchema> Types,
    bool SectionIdIncludesType, bool LowerCaseType, bool IsolatedTypes = false,
    string UnknownTypeFormat = "no such resource type '{0}'")
{
    /// <summary>The type schema, or null.</summary>
    public SectionTypeSchema? TypeOf(string type) => Types.FirstOrDefault(t => t.Type == type);

    /// <summary>True iff any type knows the key.</summary>
    public bool KnowsProperty(string key) => Types.Any(t => t.Properties.Any(p => p.Name == key));
}

/// <summary>One parsed section.</summary>
public sealed class Section
{
    /// <summary>The section type.</summary>
    public required string Type { get; init; }

    /// <summary>The name from the header (for resources.cfg: the part after the type).</summary>
    public required string Name { get; init; }

    /// <summary>Property values as text (booleans <c>0</c>/<c>1</c>, integers canonical).</summary>
    public SortedDictionary<string, string> Properties { get; } = new(StringComparer.Ordinal);
}

/// <summary>A parsed file: sections by id, their order numbers, warnings and the digest.</summary>
public sealed class SectionConfigFile
{
    /// <summary>Section id → section.</summary>
    public Dictionary<string, Section> Sections { get; } = new(StringComparer.Ordinal);

    /// <summary>Section id → order number (1-based file order, dropped sections consume numbers).</summary>
    public Dictionary<string, int> Order { get; } = new(StringComparer.Ordinal);

    /// <summary>Parse warnings, in file order (never fatal).</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>SHA-1 of the raw text, lower-case hex.</summary>
    public string Digest { get; set; } = SectionConfig.DigestOf("");

    /// <summary>Ids in write order: by order number, then id; new sections last.</summary>
    public IEnumerable<string> IdsInOrder() => Sections.Keys
        .OrderBy(id => Order.TryGetValue(id, out int o) ? o : int.MaxValue)
        .ThenBy(id => id, StringComparer.Ordinal);

    /// <summary>Adds a section at the end.</summary>
    public void Add(string id, Section section)
    {
        Sections[id] = section;
        Order[id] = Order.Count == 0 ? 1 : Order.Values.Max() + 1;
    }
}

/// <summary>
/// The Proxmox section-config format (config-cli §2): a header <c>type: id</c>, indented
/// <c>key value</c> lines, sections separated by an empty line. Parsing never throws: bad lines and
/// values become warnings, as upstream; writing regenerates the file canonically.
/// </summary>
public static partial class SectionConfig
{
    [GeneratedRegex(@"^(\S+):\s*(\S+)\s*$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex Header();

    [GeneratedRegex(@"^\s+(\S+)(\s+(.*\S))?\s*$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex Body();

    [GeneratedRegex(@"^[+-]?\d+$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex IntegerPattern();

    /// <summary>SHA-1 of the text, lower-case hex (the digest of a missing file is that of "").</summary>
    public static string DigestOf(string text) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Parses a file against a schema.</summary>
    public static SectionConfigFile Parse(string text, SectionConfigSchema schema)
    {
        var file = new SectionConfigFile { Digest = DigestOf(text) };
        var lines = text.Split('\n');
        int order = 0;
        int i = 0;
        while (i < lines.Length)
        {
            string line = lines[i];
            int lineNo = i + 1;
            i++;
            if (IsComment(line) || line.Trim().Length == 0) continue;
            var h = Header().Match(line);
            if (!h.Success)
            {
                file.Warnings.Add($"file {schema.FileName} line {lineNo} - ignore config line: {line}");
                continue;
            }
            string type = schema.LowerCaseType ? h.Groups[1].Value.ToLowerInvariant() : h.Groups[1].Value;
            string name = h.Groups[2].Value;
            string id = schema.SectionIdIncludesType ? $"{type}:{name}" : name;
            var typeSchema = schema.TypeOf(type);
            string? headerError = typeSchema is null
                ? string.Format(CultureInfo.InvariantCulture, schema.UnknownTypeFormat, type)
                : typeSchema.CheckName(name);

            var section = new Section { Type = type, Name = name };
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (; i < lines.Length && lines[i].Length > 0; i++)
            {
                string body = lines[i];
                int bodyNo = i + 1;
                if (IsComment(body) || headerError is not null) continue;
                var b = Body().Match(body);
                if (!b.Success)
                {
                    file.Warnings.Add($"file {schema.FileName} line {bodyNo} (section '{id}') - ignore config line: {body}");
                    continue;
                }
                string key = b.Groups[1].Value;
                string? value = b.Groups[3].Success ? b.Groups[3].Value : null;
                string? error = !seen.Add(key) ? "duplicate attribute" : CheckValue(schema, typeSchema!, key, ref value);
                if (error is not null)
                {
                    file.Warnings.Add($"file {schema.FileName} line {bodyNo} (section '{id}') - unable to parse value of '{key}': {error}");
                    continue;
                }
                section.Properties[key] = value!;
            }

            if (headerError is not null)
            {
                file.Warnings.Add($"file {schema.FileName} line {lineNo} (skip section '{id}'): {headerError}");
                continue;
            }
            order++;
            var missing = typeSchema!.Properties.FirstOrDefault(p => p.Required && !section.Properties.ContainsKey(p.Name));
            if (missing is not null)
            {
                file.Warnings.Add(
                    $"file {schema.FileName} line {lineNo} (skip section '{id}'): missing value for required option '{missing.Name}'");
                continue;
            }
            file.Sections[id] = section;
            file.Order[id] = order;
        }
        return file;
    }

    private static bool IsComment(string line) => line.TrimStart().StartsWith('#');

    private static string? CheckValue(SectionConfigSchema schema, SectionTypeSchema type, string key, ref string? value)
    {
        var prop = type.Properties.FirstOrDefault(p => p.Name == key);
        if (prop is null)
            return schema.KnowsProperty(key) && !schema.IsolatedTypes ? $"unexpected property '{key}'" : "unknown property type";
        switch (prop.Kind)
        {
            case PropertyKind.Boolean:
                value ??= "1";
                if (value is not ("0" or "1")) return $"type check ('boolean') failed - got '{value}'";
                break;
            case PropertyKind.Integer:
                if (value is null || !IntegerPattern().IsMatch(value)) return $"type check ('integer') failed - got '{value}'";
                // Any number of digits: what does not fit a long is certainly out of range, not a crash.
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n))
                    return value.StartsWith('-') && prop.Minimum is { } low
                        ? $"value must have a minimum value of {low}"
                        : $"value must have a maximum value of {prop.Maximum}";
                if (prop.Minimum is { } min && n < min) return $"value must have a minimum value of {min}";
                if (n > prop.Maximum) return $"value must have a maximum value of {prop.Maximum}";
                value = n.ToString(CultureInfo.InvariantCulture);
                break;
            case PropertyKind.Enumeration:
                if (value is null || !prop.Values!.Contains(value))
                    return $"value '{value}' does not have a value in the enumeration '{string.Join(", ", prop.Values!)}'";
                break;
            case PropertyKind.String:
                value ??= "";
                if (prop.Format?.Invoke(value) is { } formatError) return $"invalid format - {formatError}";
                if (prop.MaxLength is { } max && value.Length > max) return $"value may only be {max} characters long";
                break;
        }
        if (value is null) return null;
        if (value.Contains('\n') || value.Contains('\r')) return "property contains a line feed";
        return null;
    }

    /// <summary>Writes a file canonically (config-cli §2.3).</summary>
    public static string Write(SectionConfigFile file, SectionConfigSchema schema)
    {
        var sb = new StringBuilder();
        foreach (var id in file.IdsInOrder())
        {
            var section = file.Sections[id];
            var type = schema.TypeOf(section.Type) ?? throw new InvalidOperationException($"no such section type '{section.Type}'");
            sb.Append(section.Type).Append(": ").Append(section.Name).Append('\n');
            var props = section.Properties;
            void Line(string key) => sb.Append('\t').Append(key).Append(' ').Append(props[key]).Append('\n');
            if (props.TryGetValue("comment", out var comment) && comment.Length > 0) Line("comment");
            if (props.TryGetValue("disable", out var disable) && disable == "1") sb.Append("\tdisable\n");
            foreach (var p in type.Properties.Where(p => p.Required).OrderBy(p => p.Name, StringComparer.Ordinal))
                if (props.TryGetValue(p.Name, out var v) && v.Length > 0) Line(p.Name);
            foreach (var p in type.Properties.Where(p => !p.Required && p.Name is not ("comment" or "disable"))
                         .OrderBy(p => p.Name, StringComparer.Ordinal))
                if (props.TryGetValue(p.Name, out var v) && v.Length > 0) Line(p.Name);
            sb.Append('\n');
        }
        return sb.ToString();
    }
}

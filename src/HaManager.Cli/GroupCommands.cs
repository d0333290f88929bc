using System.Text;
using HaManager.Core.Formats;

using HaManager.Store;

namespace HaManager.Cli;

/// <summary>The deprecated group commands (config-cli §9.3): refused once groups have been migrated to
/// rules (no ha/groups.cfg), otherwise edits of groups.cfg under the config lock.</summary>
public static class GroupCommands
{
    private static void RequireGroups(CliContext ctx, string verb)
    {
        if (Commands.GroupsMigrated(ctx)) throw new CliFailure($"cannot {verb}: ha groups have been migrated to rules\n");
    }

    private static void Validate(string id, IReadOnlyDictionary<string, string> options)
    {
        var errors = new List<(string, string)>();
        if (HaFormats.CheckConfigId(id) is { } idError) errors.Add(("group", idError));
        errors.AddRange(SchemaCheck.ValueErrors(GroupsConfig.Schema, $"group: {(errors.Count > 0 ? "placeholder" : id)}", options));
        if (errors.Count > 0) throw new ParameterFailure(errors);
    }

    private static SectionConfigFile Editable(string? text)
    {
        var file = SectionConfig.Parse(text ?? "", GroupsConfig.Schema);
        Commands.RequireClean(file.Warnings, "ha/groups.cfg");
        return file;
    }

    public static void Add(CliContext ctx, string id, string? type, IReadOnlyDictionary<string, string> options)
    {
        RequireGroups(ctx, "create group");
        if (!ctx.Store.IsQuorate()) throw new CliFailure("cluster not ready - no quorum?\n");
        if (type is not null && type != "group") throw new CliFailure("types does not match\n");
        Validate(id, options);
        ctx.Edit(ConfigFile.Groups, text =>
        {
            var file = Editable(text);
            if (file.Sections.ContainsKey(id)) throw new CliFailure($"create ha group failed: ha group ID '{id}' already defined\n");
            var section = new StringBuilder($"group: {id}\n");
            foreach (var (k, v) in options.OrderBy(kv => kv.Key, StringComparer.Ordinal)) section.Append('\t').Append(k).Append(' ').Append(v).Append('\n');
            return SectionConfig.Write(file, GroupsConfig.Schema) + section + "\n";
        });
    }

    public static void Set(CliContext ctx, string id, IReadOnlyDictionary<string, string> options, IReadOnlyList<string> delete, string? digest)
    {
        RequireGroups(ctx, "update group");
        Validate(id, options);
        ctx.Edit(ConfigFile.Groups, text =>
        {
            text ??= "";
            if (digest is not null && SectionConfig.DigestOf(text) != digest)
                throw new CliFailure("update ha group failed: detected modified configuration - file changed by other user? Try again.\n");
            var file = Editable(text);
            if (!file.Sections.TryGetValue(id, out var section)) throw new CliFailure($"update ha group failed: no such ha group '{id}'\n");
            foreach (var key in delete)
            {
                if (key == "nodes") throw new CliFailure("update ha group failed: unable to delete required option 'nodes'\n");
                if (key is not ("restricted" or "nofailback" or "comment")) throw new CliFailure($"update ha group failed: no such option '{key}'\n");
            }
            foreach (var (k, v) in options) section.Properties[k] = v;
            foreach (var key in delete) section.Properties.Remove(key);
            return SectionConfig.Write(file, GroupsConfig.Schema);
        });
    }

    public static void Remove(CliContext ctx, string id)
    {
        RequireGroups(ctx, "delete group");
        var resources = ctx.Resources();
        ctx.Edit(ConfigFile.Groups, text =>
        {
            var file = Editable(text);
            if (resources.Sections.FirstOrDefault(kv => kv.Value.Properties.GetValueOrDefault("group") == id).Key is { } user)
                throw new CliFailure($"delete ha group failed: ha group is used by service '{user}'\n");
            file.Sections.Remove(id); // a group that is not there: removed silently
            file.Order.Remove(id);
            return SectionConfig.Write(file, GroupsConfig.Schema);
        });
    }

    public static void Config(CliContext ctx, TextWriter stdout)
    {
        RequireGroups(ctx, "index groups");
        var file = SectionConfig.Parse(ctx.Store.ReadGroupConfig() ?? "", GroupsConfig.Schema);
        foreach (var id in file.Sections.Keys.Order(StringComparer.Ordinal))
        {
            stdout.Write($"group: {id}\n");
            foreach (var (k, v) in file.Sections[id].Properties.OrderBy(kv => kv.Key, StringComparer.Ordinal)) stdout.Write($"\t{k} {v}\n");
            stdout.Write("\n");
        }
    }
}

using System.Text;
using HaManager.Core.Formats;
using HaManager.Core.Model;
using HaManager.Core.Rules;

using HaManager.Store;

namespace HaManager.Cli;

/// <summary>Parameter errors in upstream's form (config-cli §9.1): <c>400 Parameter verification failed.</c>,
/// one <c>param: message</c> line each, then the usage line.</summary>
public sealed class ParameterFailure(IReadOnlyList<(string Param, string Message)> errors) : Exception("parameter verification failed")
{
    public IReadOnlyList<(string Param, string Message)> Errors { get; } = errors;
}

/// <summary>The resource and CRM commands (config-cli §9.2), on the directory store.</summary>
public static class Commands
{
    private static readonly string[] KnownTypes = ["vm", "ct", "ocf", "service"];

    /// <summary>A sid as typed: <c>type:name</c>, or a bare VMID resolved from the guest configurations.</summary>
    public static string ParseSid(CliContext ctx, string text)
    {
        if (text.Length > 0 && text.All(char.IsAsciiDigit))
        {
            foreach (var type in new[] { "vm", "ct" })
                if (ctx.Store.NodeOfService($"{type}:{text}") is not null) return $"{type}:{text}";
            throw new CliFailure($"unable to detect SID from VMID - VM/CT {text} does not exist\n");
        }
        if (!ServiceId.LooksValid(text))
            throw new ParameterFailure([("sid", "invalid format - value does not look like a valid ha resource id")]);
        return text;
    }

    /// <summary>Checks option values with the resources.cfg schema of the sid's type.</summary>
    private static void Validate(string type, string name, IReadOnlyDictionary<string, string> options)
    {
        var errors = SchemaCheck.ValueErrors(ResourcesConfig.Schema, $"{type}: {name}", options);
        if (errors.Count > 0) throw new ParameterFailure(errors);
    }

    /// <summary>Groups count as migrated to rules once ha/groups.cfg is gone (config-cli §4).</summary>
    internal static bool GroupsMigrated(CliContext ctx) => !ctx.Exists(ConfigFile.Groups);

    /// <summary>A file about to be rewritten must parse cleanly: the rewrite would silently drop every
    /// line the parser skipped, so such a file is left alone and the first problem named.</summary>
    internal static void RequireClean(IReadOnlyList<string> warnings, string file)
    {
        if (warnings.Count > 0)
            throw new CliFailure($"{warnings[0]}\nrefusing to rewrite {file}: lines it cannot read would be lost - fix them first\n");
    }

    internal static SectionConfigFile EditableResources(string? text)
    {
        var file = ResourcesConfig.Parse(text ?? "");
        RequireClean(file.Warnings, "ha/resources.cfg");
        return file;
    }

    internal static RuleSet EditableRules(string? text)
    {
        var rules = RulesConfig.Parse(text);
        RequireClean(rules.Warnings, "ha/rules.cfg");
        return rules;
    }

    public static void Add(CliContext ctx, string sidText, string? type, string? node, IReadOnlyDictionary<string, string> options)
    {
        if (!ctx.Store.IsQuorate()) throw new CliFailure("cluster not ready - no quorum?\n");
        string sid = ParseSid(ctx, sidText);
        var (sidType, name) = ServiceId.Parse(sid);
        if (type is not null && type != sidType) throw new CliFailure("types does not match\n");
        if (options.ContainsKey("group") && GroupsMigrated(ctx))
            throw new CliFailure("invalid parameter 'group': ha groups have been migrated to rules\n");
        if (!KnownTypes.Contains(sidType)) throw new CliFailure($"unknown section type '{sidType}'\n");
        if (ResourcesConfig.Schema.TypeOf(sidType)!.CheckName(name) is { } nameError) throw new CliFailure(nameError + "\n");
        Validate(sidType, name, options);
        if (sidType is "vm" or "ct")
        {
            if (ctx.Store.NodeOfService(sid) is null) throw new CliFailure($"resource '{sid}' does not exist in cluster\n");
        }
        string? newHome = null;
        if (sidType is not ("vm" or "ct") && ctx.Store.NodeOfService(sid) is null)
        {
            newHome = node ?? ctx.Node;
            if (!ctx.Store.GetNodeInfo().Online.ContainsKey(newHome)) throw new CliFailure($"no such cluster node '{newHome}'\n");
        }
        ctx.Edit(ConfigFile.Resources, text =>
        {
            var file = EditableResources(text);
            if (file.Sections.ContainsKey(sid)) throw new CliFailure($"create resource failed: resource ID '{sid}' already defined\n");
            // The home is placed only once the edit is certain, under the config lock: a refused add leaves nothing.
            if (newHome is not null) ctx.Store.PlaceService(sid, newHome);
            var section = new StringBuilder($"{sidType}: {name}\n");
            foreach (var (k, v) in options.OrderBy(kv => kv.Key, StringComparer.Ordinal)) section.Append('\t').Append(k).Append(' ').Append(v).Append('\n');
            string current = ResourcesConfig.Write(file);
            return current + section + "\n";
        });
    }

    public static void Set(CliContext ctx, string sidText, IReadOnlyDictionary<string, string> options, IReadOnlyList<string> delete, string? digest)
    {
        string sid = ParseSid(ctx, sidText);
        var (sidType, name) = ServiceId.Parse(sid);
        if (options.TryGetValue("group", out var group) && group.Length > 0)
        {
            if (GroupsMigrated(ctx)) throw new CliFailure("invalid parameter 'group': ha groups have been migrated to rules\n");
            if (!GroupsConfig.Parse(ctx.Store.ReadGroupConfig()).Groups.ContainsKey(group))
                throw new CliFailure($"HA group '{group}' does not exist\n");
        }
        if (KnownTypes.Contains(sidType)) Validate(sidType, name, options);
        ErrorStateGuard(ctx, sid, settingDisabled: options.GetValueOrDefault("state") == "disabled");
        ctx.Edit(ConfigFile.Resources, text =>
        {
            text ??= "";
            if (digest is not null && SectionConfig.DigestOf(text) != digest)
                throw new CliFailure("update resources config failed: detected modified configuration - file changed by other user? Try again.\n");
            var file = EditableResources(text);
            if (!file.Sections.TryGetValue(sid, out var section))
                throw new CliFailure($"update resources config failed: no such resource '{sid}'\n");
            var allowed = ResourcesConfig.Schema.TypeOf(section.Type)!.Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var key in delete)
                if (!allowed.Contains(key)) throw new CliFailure($"update resources config failed: no such option '{key}'\n");
            foreach (var (k, v) in options) section.Properties[k] = v;
            foreach (var key in delete) section.Properties.Remove(key);
            return ResourcesConfig.Write(file);
        });
    }

    public static void Remove(CliContext ctx, string sidText, bool purge)
    {
        string sid = ParseSid(ctx, sidText);
        var file = ctx.Resources();
        if (!file.Sections.ContainsKey(sid)) throw new CliFailure($"cannot delete service '{sid}', not HA managed!\n");
        ctx.Edit(ConfigFile.Resources, text =>
        {
            var current = EditableResources(text);
            if (!current.Sections.Remove(sid)) throw new CliFailure($"delete resource failed: no such resource '{sid}'\n");
            current.Order.Remove(sid);
            return ResourcesConfig.Write(current);
        });
        if (!purge || !ctx.Exists(ConfigFile.Rules)) return;
        ctx.Edit(ConfigFile.Rules, text =>
        {
            var rules = EditableRules(text);
            foreach (var rule in rules.Rules.Values.ToList())
            {
                rule.Resources.Remove(sid);
                if (rule.Resources.Count == 0) rules.Rules.Remove(rule.Id);
            }
            return RulesConfig.Write(rules);
        });
    }

    public static void Config(CliContext ctx, string? type, TextWriter stdout)
    {
        var file = ctx.Resources();
        bool migrated = GroupsMigrated(ctx);
        foreach (var sid in file.Sections.Keys.Order(StringComparer.Ordinal))
        {
            var section = file.Sections[sid];
            if (type is not null && section.Type != type) continue;
            stdout.Write(sid + "\n");
            foreach (var (k, v) in section.Properties.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                if (!(k == "group" && migrated)) stdout.Write($"\t{k} {v}\n");
            stdout.Write("\n");
        }
    }

    /// <summary>Configured, not ignored, and the stack not disarmed in ignore mode (config-cli §9.2).</summary>
    private static void RequireManaged(CliContext ctx, string sid)
    {
        var config = ctx.Store.ReadServiceConfig();
        bool managed = config.TryGetValue(sid, out var cd) && cd.State != RequestedStates.Ignored
            && ctx.Store.ReadManagerStatus().Disarm?.KnownMode != DisarmMode.Ignore;
        if (!managed) throw new CliFailure($"resource '{sid}' is not HA managed\n");
    }

    private static void ErrorStateGuard(CliContext ctx, string sid, bool settingDisabled)
    {
        var status = ctx.Store.ReadManagerStatus();
        var config = ctx.Store.ReadServiceConfig();
        bool managed = config.TryGetValue(sid, out var cd) && cd.State != RequestedStates.Ignored && status.Disarm?.KnownMode != DisarmMode.Ignore;
        if (managed && !settingDisabled && status.ServiceStatus.TryGetValue(sid, out var sd) && sd.State == ServiceState.Error)
            throw new CliFailure($"service '{sid}' in error state, must be disabled and fixed first\n");
    }

    /// <summary>migrate / relocate: queue the command, then report comigrated and blocking resources (config-cli §9.2).</summary>
    public static int Move(CliContext ctx, string verb, string sidText, string node, TextWriter stdout, TextWriter stderr)
    {
        string sid = ParseSid(ctx, sidText);
        if (HaFormats.CheckHaNodeList(node) is not null || node.Contains(':') || node.Any(char.IsWhiteSpace))
            throw new ParameterFailure([("node", "invalid format - value does not look like a valid node name")]);
        RequireManaged(ctx, sid);
        ErrorStateGuard(ctx, sid, settingDisabled: false);
        ctx.Store.QueueCrmCommand((verb == "migrate" ? new CrmCommand.Migrate(sid, node) : (CrmCommand)new CrmCommand.Relocate(sid, node)).Format());

        var status = ctx.Store.ReadManagerStatus();
        var config = ctx.Store.ReadServiceConfig();
        var nodes = ctx.Store.GetNodeInfo().Online.Keys.Order(StringComparer.Ordinal).ToList();
        var compiled = RuleCompiler.Run(RulesConfig.Parse(ctx.Store.ReadRulesConfig()), nodes).Compiled;
        bool Tracked(string s) => status.ServiceStatus.ContainsKey(s) && config.TryGetValue(s, out var c) && c.State != RequestedStates.Ignored;
        var blocking = status.NodeStatus.GetValueOrDefault(node) == NodeState.Online
            ? compiled.NegativeOf(sid).Where(Tracked).Where(s =>
                status.ServiceStatus[s].Node == node || status.ServiceStatus[s].Target == node).Order(StringComparer.Ordinal).ToList()
            : [];
        if (blocking.Count > 0)
        {
            stderr.Write($"cannot {verb} resource '{sid}' to node '{node}':\n\n");
            foreach (var b in blocking) stderr.Write($"- resource '{b}' on target node '{node}' in negative affinity with resource '{sid}'\n");
            return 255;
        }
        foreach (var c in compiled.PositiveOf(sid).Where(Tracked).Order(StringComparer.Ordinal))
            stdout.Write($"also {verb} resource '{c}' in positive affinity with resource '{sid}' to target node '{node}'\n");
        return 0;
    }

    public static void Stop(CliContext ctx, string sidText, string timeout)
    {
        string sid = ParseSid(ctx, sidText);
        if (!int.TryParse(timeout, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            throw new ParameterFailure([("timeout", $"type check ('integer') failed - got '{timeout}'")]);
        RequireManaged(ctx, sid);
        ErrorStateGuard(ctx, sid, settingDisabled: false);
        ctx.Store.QueueCrmCommand(new CrmCommand.Stop(sid, timeout).Format());
    }

    public static void NodeMaintenance(CliContext ctx, bool enable, string node)
    {
        if (!ctx.Store.GetNodeInfo().Online.ContainsKey(node)) throw new CliFailure($"no such cluster node '{node}'\n");
        ctx.Store.QueueCrmCommand((enable ? new CrmCommand.EnableNodeMaintenance(node) : (CrmCommand)new CrmCommand.DisableNodeMaintenance(node)).Format());
    }

    public static void Disarm(CliContext ctx, string mode)
    {
        if (DisarmModes.Parse(mode) is not { } m)
            throw new ParameterFailure([("resource-mode", $"value '{mode}' does not have a value in the enumeration 'freeze, ignore'")]);
        ctx.Store.QueueCrmCommand(new CrmCommand.DisarmHa(m).Format());
    }

    public static void Arm(CliContext ctx) => ctx.Store.QueueCrmCommand(new CrmCommand.ArmHa().Format());

    /// <summary>The operator's word that <paramref name="node"/> is off: asked for unless <paramref name="yes"/>,
    /// queued with who and when, and written to the journal. The master refuses it if the node's agent lock
    /// is renewed after this moment.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static int FenceAck(CliContext ctx, string node, bool yes, TextReader stdin, TextWriter stdout)
    {
        var members = ctx.Store.GetNodeInfo().Online;
        if (!members.TryGetValue(node, out bool online)) throw new CliFailure($"no such cluster node '{node}'\n");
        if (online) throw new CliFailure($"node '{node}' is online - only a failed node can be acknowledged off\n");
        if (!yes)
        {
            stdout.Write($"Acknowledge that node '{node}' is powered off? Its services will be started elsewhere at once;\n"
                + "if it still runs them, they run twice. [y/N] ");
            stdout.Flush();
            string answer = stdin.ReadLine()?.Trim() ?? "";
            if (answer is not ("y" or "Y" or "yes")) throw new CliFailure("aborted - nothing acknowledged\n");
        }
        string user = Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudo ? sudo : Environment.UserName;
        long now = ctx.Clock.WallSeconds; // The daemons' clock (a local cluster's runs faster than real time).
        var command = new CrmCommand.FenceAck(node, now, string.Concat(user.Where(c => !char.IsWhiteSpace(c))));
        ctx.Store.QueueCrmCommand(command.Format());
        using (var journal = new HaManager.WatchdogMux.JournalWriter(
                   Environment.GetEnvironmentVariable("HAMANAGER_JOURNAL_SOCKET") ?? HaManager.WatchdogMux.JournalWriter.DefaultSocket))
            journal.Send([
                ("MESSAGE", $"fence-ack: {command.User} acknowledged node '{node}' powered off"), ("PRIORITY", "5"),
                ("SYSLOG_IDENTIFIER", "ha-manager"), ("HA_FENCE_ACK_NODE", node), ("HA_USER", command.User),
                ("HA_REQUESTED_AT", now.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ]);
        stdout.Write($"acknowledgement for node '{node}' queued; the master takes over its agent lock in its next round\n");
        return 0;
    }
}

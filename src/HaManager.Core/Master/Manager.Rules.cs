using HaManager.Core.Environment;
using HaManager.Core.Formats;
using HaManager.Core.Model;
using HaManager.Core.Rules;

namespace HaManager.Core.Master;

// Rules and legacy groups inside a round: compile when something changed (rules-scheduling §2.1), and
// the persistent migration of groups into rules (crm-manager §11, rules-scheduling §3.3).
public sealed partial class Manager
{
    /// <summary>Round step 8 (second half): the legacy group configuration.</summary>
    private void ReadGroups()
    {
        (_groups, _groupsDigest) = GroupsConfig.Parse(_node.Store.ReadGroupConfig());
    }

    /// <summary>Round step 11: apply the group failback override and recompile the rules if needed.</summary>
    private void UpdateRules(bool nodeListChanged)
    {
        var rules = RulesConfig.Parse(_node.Store.ReadRulesConfig());
        GroupConversion.ApplyFailbackOverride(_groups, _sc.Values);
        var digests = (rules.Digest, _groupsDigest);
        if (_compiledDigests == digests && !nodeListChanged) return;

        GroupConversion.AddGroupRules(rules, _groups, _sc, includeMissingGroups: true);
        var result = RuleCompiler.Run(rules, [.. _ns.Nodes]);
        foreach (var message in result.Messages) _log.Write(LogLevel.Info, message);
        _rules = new PlacementRules(result.Compiled);
        _compiledDigests = digests;
    }

    /// <summary>Round step 7: while groups exist, count down and try to migrate them every sixth round.</summary>
    private void TryMigrateGroups(NodeInfo nodeInfo)
    {
        var (groups, _) = GroupsConfig.Parse(_node.Store.ReadGroupConfig());
        if (groups.Count == 0) return;
        if (--_groupMigrationCountdown > 0) return;
        _groupMigrationCountdown = Constants.GroupMigrationRetryRounds;

        _log.Write(LogLevel.Notice, "start ha group migration...");
        string? failure = CheckGroupMigrationPreconditions(nodeInfo) ?? MigrateGroups(groups);
        if (failure is null)
        {
            _log.Write(LogLevel.Notice, "ha groups migration successful");
            return;
        }
        _log.Write(LogLevel.Err, $"abort ha groups migration: {failure}");
        _log.Write(LogLevel.Err, "ha groups migration failed");
        _log.Write(LogLevel.Notice,
            $"retry ha groups migration in {Constants.GroupMigrationRetryRounds} rounds (~ {Constants.GroupMigrationRetryRounds * _node.Budget.RoundSeconds} seconds)");
    }

    private string? CheckGroupMigrationPreconditions(NodeInfo nodeInfo)
    {
        if (!nodeInfo.Quorate) return "cluster is not quorate";
        if (!_ns.Nodes.Any()) return "node list is empty";
        foreach (var (node, state) in _ns.States)
        {
            if (node.Length == 0) return "node with empty name";
            _log.Write(LogLevel.Notice, $"ha groups migration: node '{node}' is in state '{StateNames.Of(state)}'");
            if (state != NodeState.Online) return $"node '{node}' is not online";

            var lrm = _node.Store.ReadLrmStatus(node);
            if (lrm.State is null || lrm.Mode is null) return $"could not retrieve state for lrm '{node}'";
            _log.Write(LogLevel.Notice, $"ha groups migration: lrm '{node}' is in state '{lrm.State}' and mode '{lrm.Mode}'");
            bool idle = lrm.State == "wait_for_agent_lock" && !HasActiveServices(node);
            if (lrm.State != "active" && !idle) return $"lrm '{node}' is not in state 'active' or 'idle'";
            if (LrmModes.Parse(lrm.Mode) != LrmMode.Active) return $"lrm '{node}' is not in mode 'active'";

            if (_node.Membership.GetNodeVersion(node) is not { } version) return $"could not retrieve version from node '{node}'";
            _log.Write(LogLevel.Notice, $"ha groups migration: node '{node}' has version '{version}'");
            if (!GroupConversion.HasMinVersion(version, GroupConversion.MinimumVersion))
                return $"node '{node}' needs at least pve-manager version '{GroupConversion.MinimumVersion}'";
        }
        return null;
    }

    private bool HasActiveServices(string node) => _ss.Values.Any(sd => sd.IsActiveOn(node));

    private string? MigrateGroups(SortedDictionary<string, HaGroup> groups)
    {
        var config = _node.Store.ReadServiceConfig();
        var rules = RulesConfig.Parse(_node.Store.ReadRulesConfig());
        GroupConversion.AddGroupRules(rules, groups, config, includeMissingGroups: false);
        _node.Store.WriteRulesConfig(RulesConfig.Write(rules));
        _log.Write(LogLevel.Notice, "ha groups migration: migration to rules config successful");

        var changes = new Dictionary<string, ServiceConfigChange>(StringComparer.Ordinal);
        foreach (var (sid, cd) in config)
        {
            if (cd.Group is not { } g) continue;
            bool noFailback = groups.TryGetValue(g, out var group) && group.NoFailback;
            var set = new Dictionary<string, string>(StringComparer.Ordinal);
            if (noFailback) set["failback"] = "0";
            changes[sid] = new ServiceConfigChange(set, ["group"]);
        }
        _node.Store.UpdateServiceConfig(changes);
        _log.Write(LogLevel.Notice, "ha groups migration: migration to resources config successful");

        _node.Store.DeleteGroupConfig();
        _log.Write(LogLevel.Notice, "ha groups migration: group config deletion successful");
        return null;
    }
}

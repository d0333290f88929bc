using System.Globalization;
using System.Text.RegularExpressions;
using HaManager.Core.Environment;
using HaManager.Core.Model;

namespace HaManager.Simulator;

// The script commands (simulator §6): parsed, logged as `execute <command>` with the caller's id,
// then applied. Validation of the action happens after the execute line, as upstream does.
public sealed partial class Simulation
{
    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>Executes one hardware command with the given log id.</summary>
    public void ExecuteHardwareCommand(string command, string logId)
    {
        if (ConfigWrite(command) is { } write)
        {
            var (file, text) = write;
            int lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            _cluster.HardwareLog("info", $"execute write {file} ({lines} line{(lines == 1 ? "" : "s")})", logId);
            if (file == "rules.cfg") _cluster.RulesConfig = text;
            else _cluster.GroupsConfig = text;
            return;
        }
        var parts = Whitespace().Split(command.Trim());
        string cmd = parts[0];
        if (parts.Length < 2) throw new SimulationFatalException("sim_hardware_cmd: no node or service for command specified");
        string objectId = parts[1];
        string action = parts.Length > 2 ? parts[2] : "";
        var parameters = parts.Skip(3).ToArray();

        if (cmd == "fence-device")
        {
            if (action is not ("work" or "fail" or "hang"))
                throw new SimulationFatalException($"sim_hardware_cmd: unknown fence device behaviour '{action}' (work, fail or hang)\n");
            _cluster.HardwareLog("info", $"execute {command}", logId);
            _cluster.SetFenceDeviceBehaviour(objectId, action);
            return;
        }
        if (cmd == "service")
        {
            if (!ServiceId.LooksValid(objectId))
                throw new SimulationFatalException("value does not look like a valid ha resource id\n");
        }
        else if (!_cluster.HasNode(objectId))
            throw new SimulationFatalException($"sim_hardware_cmd: no such node '{objectId}'\n");

        _cluster.HardwareLog("info", $"execute {command}", logId);

        switch (cmd)
        {
            case "power": Power(_cluster.NodeByName(objectId), action); break;
            case "network": _cluster.NodeByName(objectId).Network = OnOff(action, command); break;
            case "cfs": Cfs(_cluster.NodeByName(objectId), action, parameters, command); break;
            case "pve-manager-version" when action == "set" && parameters.Length > 0:
                _cluster.NodeByName(objectId).Version = parameters[0];
                break;
            case "reboot" or "shutdown": RebootOrShutdown(_cluster.NodeByName(objectId), cmd); break;
            case "restart-lrm":
                var node = _cluster.NodeByName(objectId);
                if (node.Lrm is not null)
                {
                    node.LrmRestart = true;
                    node.Lrm.ShutdownRequest();
                }
                break;
            case "crm": Crm(_cluster.NodeByName(objectId), action, parameters); break;
            case "service": Service(objectId, action, parameters); break;
            default: throw new SimulationFatalException($"sim_hardware_cmd: unknown command '{command}'\n");
        }
    }

    /// <summary>Our extension for the browser simulator: <c>write rules.cfg</c> or <c>write groups.cfg</c>, then
    /// a newline and the file's new text, as an operator editing the file would (the next rounds read it).</summary>
    private static (string File, string Text)? ConfigWrite(string command)
    {
        int newline = command.IndexOf('\n', StringComparison.Ordinal);
        string head = (newline < 0 ? command : command[..newline]).Trim();
        if (head is not ("write rules.cfg" or "write groups.cfg")) return null;
        return (head[6..], newline < 0 ? "" : command[(newline + 1)..]);
    }

    private static bool OnOff(string value, string command) => value switch
    {
        "on" => true,
        "off" => false,
        _ => throw new SimulationFatalException($"sim_hardware_cmd: unknown command '{command}'\n"),
    };

    private void Power(SimNode node, string action)
    {
        bool on = action switch
        {
            "on" => true,
            "off" => false,
            _ => throw new SimulationFatalException($"sim_hardware_cmd: unknown action '{action}'"),
        };
        if (on)
        {
            if (!node.Power)
            {
                CreateCrm(node);
                CreateLrm(node);
                node.LrmRestart = false;
                node.CfsRw = true;
                node.CfsUpdate = true;
            }
            node.Power = true;
            node.Network = true;
        }
        else
        {
            if (node.Power)
            {
                if (node.Crm is not null)
                {
                    node.CrmEnv.Write(LogLevel.Info, "killed by poweroff");
                    node.Crm = null;
                }
                if (node.Lrm is not null)
                {
                    node.LrmEnv.Write(LogLevel.Info, "killed by poweroff");
                    node.Lrm = null;
                    node.LrmRestart = false;
                }
                _cluster.DropWatchdogs(node);
                node.RunningServices.Clear();
                node.PowerOffCount++;
            }
            node.Power = false;
            node.Network = false;
        }
        node.ShutdownFlag = null;
    }

    private static void Cfs(SimNode node, string action, string[] parameters, string command)
    {
        if (parameters.Length == 0 || parameters[0] is not ("work" or "fail"))
            throw new SimulationFatalException($"sim_hardware_cmd: unknown command '{command}'\n");
        bool works = parameters[0] == "work";
        switch (action)
        {
            case "rw": node.CfsRw = works; break;
            case "update": node.CfsUpdate = works; break;
            default: throw new SimulationFatalException($"sim_hardware_cmd: unknown command '{command}'\n");
        }
    }

    private static void RebootOrShutdown(SimNode node, string kind)
    {
        node.ShutdownFlag = kind;
        node.Lrm?.ShutdownRequest();
    }

    private void Crm(SimNode node, string action, string[] parameters)
    {
        switch (action)
        {
            case "stop":
                if (node.Crm is not null)
                {
                    node.CrmStop = true;
                    node.Crm.ShutdownRequest();
                }
                break;
            case "start": CreateCrm(node); break;
            case "enable-node-maintenance": QueueCrmCommand(new CrmCommand.EnableNodeMaintenance(node.Name)); break;
            case "disable-node-maintenance": QueueCrmCommand(new CrmCommand.DisableNodeMaintenance(node.Name)); break;
            case "disarm-ha":
                string mode = parameters.Length > 0 ? parameters[0] : "";
                if (DisarmModes.Parse(mode) is not { } disarmMode)
                    throw new SimulationFatalException($"sim_hardware_cmd: unknown resource mode '{mode}'\n");
                QueueCrmCommand(new CrmCommand.DisarmHa(disarmMode));
                break;
            case "arm-ha": QueueCrmCommand(new CrmCommand.ArmHa()); break;
            case "fence-ack": QueueCrmCommand(new CrmCommand.FenceAck(node.Name, _cluster.Time, "root@pam")); break;
            default: throw new SimulationFatalException($"sim_hardware_cmd: unknown action '{action}'");
        }
    }

    /// <summary>Merges <c>key value</c> pairs into a sid's statistics (memory given in MiB).</summary>
    private static void SetStats(Dictionary<string, Dictionary<string, double>> stats, string sid, string action,
        string[] parameters, params (string Key, double Scale)[] keys)
    {
        if (parameters.Length == 0) throw new SimulationFatalException($"sim_hardware_cmd: missing target stat for '{action}' command");
        if (!stats.TryGetValue(sid, out var entry)) stats[sid] = entry = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < parameters.Length; i += 2)
        {
            string key = parameters[i];
            int known = Array.FindIndex(keys, k => k.Key == key);
            if (known < 0) throw new SimulationFatalException($"sim_hardware_cmd: unknown target stat '{key}' for '{action}' command");
            if (i + 1 >= parameters.Length)
                throw new SimulationFatalException($"sim_hardware_cmd: missing value for '{action} {key}' command");
            string text = parameters[i + 1];
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                || !double.IsFinite(value * keys[known].Scale) || value < 0)
                throw new SimulationFatalException(
                    $"sim_hardware_cmd: '{text}' is not a valid value for '{action} {key}' command (a number of at least 0)\n");
            entry[key] = value * keys[known].Scale;
        }
    }

    private void QueueCrmCommand(CrmCommand command) => _cluster.CrmCommands += command.Format() + "\n";

    private void Service(string sid, string action, string[] parameters)
    {
        var config = _cluster.ServiceConfig;
        string? First() => parameters.Length > 0 ? parameters[0] : null;
        void Existing()
        {
            if (!config.Contains(sid)) throw new SimulationFatalException($"no such service '{sid}'");
        }

        switch (action)
        {
            case "started" or "disabled" or "stopped" or "ignored":
                Existing();
                config.Set(sid, "state", action);
                break;
            case "migrate" or "relocate":
                string target = First() ?? throw new SimulationFatalException($"sim_hardware_cmd: missing target node for '{action}' command");
                QueueCrmCommand(action == "migrate" ? new CrmCommand.Migrate(sid, target) : new CrmCommand.Relocate(sid, target));
                break;
            case "stop":
                string timeout = First() ?? throw new SimulationFatalException("sim_hardware_cmd: missing timeout for 'stop' command");
                if (!int.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    throw new SimulationFatalException(
                        $"sim_hardware_cmd: timeout '{timeout}' for 'stop' command is not a whole number of seconds (0 for a hard stop)\n");
                QueueCrmCommand(new CrmCommand.Stop(sid, timeout));
                break;
            case "add":
                if (config.Contains(sid)) throw new SimulationFatalException($"resource ID '{sid}' already defined\n");
                string node = First() ?? throw new SimulationFatalException($"sim_hardware_cmd: missing node for '{action}' command");
                config.Add(sid, new Dictionary<string, string>
                {
                    ["node"] = node,
                    ["state"] = parameters.Length > 1 ? parameters[1] : "started",
                });
                bool running = parameters.Length > 2 && parameters[2] != "0";
                _cluster.NodeByName(node).RunningServices[sid] = running;
                break;
            case "delete":
                Existing();
                config.Delete(sid);
                _cluster.StaticStats.Remove(sid);
                _cluster.StatsChanged();
                break;
            case "lock":
                Existing();
                config.Set(sid, "lock", First() ?? "backup");
                break;
            case "unlock":
                Existing();
                if (config.Get(sid, "lock") is { } current && (First() is null || First() == current)) config.Remove(sid, "lock");
                break;
            case "manual-migrate":
                Existing();
                bool ignored = config.Get(sid, "state") == "ignored" || _cluster.ReadManagerStatus().Disarm?.KnownMode == DisarmMode.Ignore;
                if (!ignored)
                    throw new SimulationFatalException(
                        "sim_hardware_cmd: manual-migrate requires service in 'ignored' state or disarm-ha ignore mode\n");
                config.Set(sid, "node", First() ?? throw new SimulationFatalException($"sim_hardware_cmd: missing target node for '{action}' command"));
                break;
            case "set-static-stats":
                Existing();
                SetStats(_cluster.StaticStats, sid, action, parameters, ("maxcpu", 1), ("maxmem", 1048576));
                _cluster.StatsChanged();
                break;
            case "set-dynamic-stats":
                Existing();
                SetStats(_cluster.DynamicStats, sid, action, parameters, ("cpu", 1), ("mem", 1048576));
                _cluster.StatsChanged();
                break;
            default:
                throw new SimulationFatalException($"sim_hardware_cmd: unknown service action '{action}' - not implemented\n");
        }
    }
}

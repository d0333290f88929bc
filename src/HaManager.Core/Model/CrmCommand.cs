using System.Globalization;
using System.Text.RegularExpressions;

namespace HaManager.Core.Model;

/// <summary>
/// One line of the CRM command queue (<c>ha/crm_commands</c>, crm-manager §7): what <c>ha-manager</c>
/// queues and the master executes. <see cref="Format"/> writes the upstream line; <see cref="Parse"/>
/// reads it back (and any line upstream's parser accepts).
/// </summary>
public abstract partial record CrmCommand
{
    /// <summary>Live migration of a service (<c>migrate &lt;sid&gt; &lt;node&gt;</c>).</summary>
    public sealed record Migrate(string Sid, string Target) : CrmCommand;

    /// <summary>Offline relocation: stop, move, start (<c>relocate &lt;sid&gt; &lt;node&gt;</c>).</summary>
    public sealed record Relocate(string Sid, string Target) : CrmCommand;

    /// <summary>Stop a service with a timeout in seconds, 0 for a hard stop (<c>stop &lt;sid&gt; &lt;timeout&gt;</c>).</summary>
    public sealed record Stop(string Sid, string Timeout) : CrmCommand;

    /// <summary><c>enable-node-maintenance &lt;node&gt;</c>.</summary>
    public sealed record EnableNodeMaintenance(string Node) : CrmCommand;

    /// <summary><c>disable-node-maintenance &lt;node&gt;</c>.</summary>
    public sealed record DisableNodeMaintenance(string Node) : CrmCommand;

    /// <summary><c>disarm-ha freeze|ignore</c>.</summary>
    public sealed record DisarmHa(DisarmMode Mode) : CrmCommand;

    /// <summary><c>arm-ha</c>.</summary>
    public sealed record ArmHa : CrmCommand;

    /// <summary><c>fence-ack &lt;node&gt; &lt;unix time&gt; &lt;user&gt;</c>: an operator verified that the node is
    /// off (HaManager's own command; upstream has none).</summary>
    public sealed record FenceAck(string Node, long RequestedAt, string User) : CrmCommand;

    [GeneratedRegex(@"^(migrate|relocate)\s+(\S+)\s+(\S+)$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex MotionLine();

    [GeneratedRegex(@"^stop\s+(\S+)\s+(\S+)$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex StopLine();

    [GeneratedRegex(@"^(enable|disable)-node-maintenance\s+(\S+)$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex MaintenanceLine();

    [GeneratedRegex(@"^disarm-ha\s+(freeze|ignore)$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex DisarmLine();

    [GeneratedRegex(@"^fence-ack\s+(\S+)\s+(\d{1,18})\s+(\S+)$", RegexOptions.None, Constants.NoRegexTimeout)]
    private static partial Regex FenceAckLine();

    /// <summary>The command a queue line holds, or null when upstream would not parse it either.</summary>
    public static CrmCommand? Parse(string line)
    {
        Match m;
        if ((m = MotionLine().Match(line)).Success)
            return m.Groups[1].Value == "migrate"
                ? new Migrate(m.Groups[2].Value, m.Groups[3].Value)
                : new Relocate(m.Groups[2].Value, m.Groups[3].Value);
        if ((m = StopLine().Match(line)).Success) return new Stop(m.Groups[1].Value, m.Groups[2].Value);
        if ((m = MaintenanceLine().Match(line)).Success)
            return m.Groups[1].Value == "enable"
                ? new EnableNodeMaintenance(m.Groups[2].Value)
                : new DisableNodeMaintenance(m.Groups[2].Value);
        if ((m = DisarmLine().Match(line)).Success) return new DisarmHa(DisarmModes.Parse(m.Groups[1].Value)!.Value);
        if ((m = FenceAckLine().Match(line)).Success)
            return new FenceAck(m.Groups[1].Value, long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Groups[3].Value);
        return line == "arm-ha" ? new ArmHa() : null;
    }

    /// <summary>The queue line (without its newline).</summary>
    public string Format() => this switch
    {
        Migrate c => $"migrate {c.Sid} {c.Target}",
        Relocate c => $"relocate {c.Sid} {c.Target}",
        Stop c => $"stop {c.Sid} {c.Timeout}",
        EnableNodeMaintenance c => $"enable-node-maintenance {c.Node}",
        DisableNodeMaintenance c => $"disable-node-maintenance {c.Node}",
        DisarmHa c => $"disarm-ha {DisarmModes.Name(c.Mode)}",
        ArmHa => "arm-ha",
        FenceAck c => $"fence-ack {c.Node} {c.RequestedAt.ToString(CultureInfo.InvariantCulture)} {c.User}",
        _ => throw new InvariantViolationException($"unknown CRM command {GetType().Name}"),
    };
}

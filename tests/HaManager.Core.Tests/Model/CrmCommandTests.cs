using HaManager.Core.Model;

namespace HaManager.Core.Tests.Model;

/// <summary>
/// Goal: the typed CRM command writes exactly the queue lines upstream's master reads, and reads back
/// every line it accepts (and nothing it rejects). Method: round trips and rejected lines.
/// </summary>
public class CrmCommandTests
{
    public static IEnumerable<CrmCommand> Commands() =>
    [
        new CrmCommand.Migrate("vm:100", "node2"), new CrmCommand.Relocate("ct:101", "node3"),
        new CrmCommand.Stop("vm:100", "0"), new CrmCommand.EnableNodeMaintenance("node1"),
        new CrmCommand.DisableNodeMaintenance("node1"), new CrmCommand.DisarmHa(DisarmMode.Freeze),
        new CrmCommand.DisarmHa(DisarmMode.Ignore), new CrmCommand.ArmHa(),
    ];

    [TestCaseSource(nameof(Commands))]
    public void Format_then_parse_gives_the_same_command(CrmCommand command) =>
        Assert.That(CrmCommand.Parse(command.Format()), Is.EqualTo(command));

    [TestCase("migrate vm:100 node2", "migrate vm:100 node2")]
    [TestCase("stop vm:100 120", "stop vm:100 120")]
    [TestCase("disarm-ha ignore", "disarm-ha ignore")]
    [TestCase("relocate   vm:100\tnode2", "relocate vm:100 node2")]
    public void Upstream_lines_parse(string line, string canonical) =>
        Assert.That(CrmCommand.Parse(line)?.Format(), Is.EqualTo(canonical));

    [TestCase("")]
    [TestCase("migrate vm:100")]
    [TestCase("disarm-ha maybe")]
    [TestCase("arm-ha now")]
    [TestCase("reboot node1")]
    [TestCase("stop vm:100 1 2")]
    public void Lines_upstream_rejects_do_not_parse(string line) => Assert.That(CrmCommand.Parse(line), Is.Null);
}
